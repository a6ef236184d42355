package dev.layerfs.nio;

import dev.layerfs.core.Node;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One directory registered with one watch service, queuing events the way the JDK's own keys do: a repeated event
 * only counts up, repeated modifications of one file since the last poll are one event, and more than
 * {@value #MAX_EVENTS} pending events are replaced by a single OVERFLOW.
 */
final class OverlayWatchKey implements WatchKey {
  static final int MAX_EVENTS = 512;

  private final OverlayWatchService service;
  private final PathResolver.Found registration;
  private final OverlayPath path;
  private volatile Set<WatchEvent.Kind<?>> kinds;
  private volatile boolean valid = true;
  private boolean signalled;
  private List<Event<?>> events = new ArrayList<>();
  private final Map<Object, Event<?>> lastModify = new HashMap<>();

  OverlayWatchKey(OverlayWatchService service, PathResolver.Found registration, OverlayPath path,
      Set<WatchEvent.Kind<?>> kinds) {
    this.service = service;
    this.registration = registration;
    this.path = path;
    this.kinds = Set.copyOf(kinds);
  }

  OverlayWatchService service() {
    return service;
  }

  Node directory() {
    return registration.node;
  }

  void kinds(Set<WatchEvent.Kind<?>> newKinds) {
    this.kinds = Set.copyOf(newKinds);
  }

  void release() {
    registration.close();
  }

  @SuppressWarnings("unchecked")
  void signalEvent(WatchEvent.Kind<?> kind, Object context) {
    if (!valid || !kinds.contains(kind)) {
      return;
    }
    boolean isModify = kind == StandardWatchEventKinds.ENTRY_MODIFY;
    synchronized (this) {
      int size = events.size();
      if (size > 0) {
        Event<?> previous = events.get(size - 1);
        if (previous.kind == StandardWatchEventKinds.OVERFLOW
            || (previous.kind == kind && Objects.equals(previous.context, context))) {
          previous.count++;
          return;
        }
        if (!lastModify.isEmpty()) {
          if (isModify) {
            Event<?> modify = lastModify.get(context);
            if (modify != null) {
              modify.count++;
              return;
            }
          } else {
            lastModify.remove(context);
          }
        }
        if (size >= MAX_EVENTS) {
          kind = StandardWatchEventKinds.OVERFLOW;
          isModify = false;
          context = null;
        }
      }
      Event<Object> event = new Event<>((WatchEvent.Kind<Object>) kind, context);
      if (isModify) {
        lastModify.put(context, event);
      } else if (kind == StandardWatchEventKinds.OVERFLOW) {
        events.clear();
        lastModify.clear();
      }
      events.add(event);
      signal();
    }
  }

  private synchronized void signal() {
    if (!signalled) {
      signalled = true;
      service.enqueue(this);
    }
  }

  /** The directory was removed: the key is cancelled and queued once more so a waiting poller learns of it. */
  void invalidate() {
    if (valid) {
      cancel();
      signal();
    }
  }

  @Override
  public boolean isValid() {
    return valid && service.isOpen();
  }

  @Override
  public synchronized List<WatchEvent<?>> pollEvents() {
    List<WatchEvent<?>> out = List.copyOf(events);
    events = new ArrayList<>();
    lastModify.clear();
    return out;
  }

  @Override
  public synchronized boolean reset() {
    if (!isValid()) {
      return false;
    }
    if (signalled) {
      if (events.isEmpty()) {
        signalled = false;
      } else {
        service.enqueue(this);
      }
    }
    return true;
  }

  @Override
  public void cancel() {
    synchronized (this) {
      if (!valid) {
        return;
      }
      valid = false;
    }
    service.unregistered(this);
    service.watchers().cancelled(this);
  }

  @Override
  public OverlayPath watchable() {
    return path;
  }

  private static final class Event<T> implements WatchEvent<T> {
    private final WatchEvent.Kind<T> kind;
    private final T context;
    private int count = 1;

    Event(WatchEvent.Kind<T> kind, T context) {
      this.kind = kind;
      this.context = context;
    }

    @Override
    public WatchEvent.Kind<T> kind() {
      return kind;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public T context() {
      return context;
    }

    @Override
    public String toString() {
      return kind.name() + " " + context + (count > 1 ? " x" + count : "");
    }
  }
}
