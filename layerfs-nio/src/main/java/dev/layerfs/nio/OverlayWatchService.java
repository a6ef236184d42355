package dev.layerfs.nio;

import java.nio.file.ClosedWatchServiceException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/** A watch service of one overlay view: signalled keys are queued by the view's own operations. */
final class OverlayWatchService implements WatchService {
  /** Queued on close, to wake every thread blocked in {@link #take}. */
  private static final WatchKey CLOSED = new OverlayWatchKeyPlaceholder();

  private final Watchers watchers;
  private final LinkedBlockingDeque<WatchKey> signalled = new LinkedBlockingDeque<>();
  private final List<OverlayWatchKey> keys = new CopyOnWriteArrayList<>();
  private volatile boolean open = true;

  OverlayWatchService(Watchers watchers) {
    this.watchers = watchers;
  }

  Watchers watchers() {
    return watchers;
  }

  boolean isOpen() {
    return open;
  }

  void checkOpen() {
    if (!open) {
      throw new ClosedWatchServiceException();
    }
  }

  void enqueue(OverlayWatchKey key) {
    if (open) {
      signalled.offer(key);
    }
  }

  @Override
  public WatchKey poll() {
    checkOpen();
    return checkKey(signalled.poll());
  }

  @Override
  public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
    checkOpen();
    return checkKey(signalled.poll(timeout, unit));
  }

  @Override
  public WatchKey take() throws InterruptedException {
    checkOpen();
    return checkKey(signalled.take());
  }

  private WatchKey checkKey(WatchKey key) {
    if (key == CLOSED) {
      signalled.offer(CLOSED);
      throw new ClosedWatchServiceException();
    }
    return key;
  }

  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    for (OverlayWatchKey key : keys) {
      key.cancel();
    }
    signalled.clear();
    signalled.offer(CLOSED);
    watchers.closed(this);
  }

  void registered(OverlayWatchKey key) {
    keys.add(key);
  }

  void unregistered(OverlayWatchKey key) {
    keys.remove(key);
  }

  /** The marker key behind {@link #CLOSED}; it is never handed out. */
  private static final class OverlayWatchKeyPlaceholder implements WatchKey {
    @Override
    public boolean isValid() {
      return false;
    }

    @Override
    public List<WatchEvent<?>> pollEvents() {
      return List.of();
    }

    @Override
    public boolean reset() {
      return false;
    }

    @Override
    public void cancel() {}

    @Override
    public Watchable watchable() {
      return null;
    }
  }
}
