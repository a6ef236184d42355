package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.posix.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The watch registrations of one file system, by directory node: every operation through the view reports its
 * change here, so events come as they happen, with no polling. Changes made to the layers behind the view's back
 * are not seen (as with the kernel's overlay, whose inotify sees only changes made through the mount).
 *
 * <p>A registration holds a reference on its directory's node, so the directory is followed across renames, and
 * the registration ends when the directory is removed.
 */
final class Watchers {
  private final OverlayFileSystem fs;
  private final Map<Node, List<OverlayWatchKey>> byDirectory = new ConcurrentHashMap<>();
  private final Set<OverlayWatchService> services = ConcurrentHashMap.newKeySet();
  /** Checked first by every change, so a view nobody watches pays one volatile read. */
  private volatile boolean active;

  Watchers(OverlayFileSystem fs) {
    this.fs = fs;
  }

  OverlayWatchService newService() {
    OverlayWatchService service = new OverlayWatchService(this);
    services.add(service);
    return service;
  }

  WatchKey register(OverlayPath dir, WatchService watcher, WatchEvent.Kind<?>[] events,
      WatchEvent.Modifier... modifiers) throws IOException {
    if (!(watcher instanceof OverlayWatchService service) || service.watchers() != this) {
      throw new ProviderMismatchException("not a watch service of " + fs);
    }
    Set<WatchEvent.Kind<?>> kinds = new HashSet<>();
    for (WatchEvent.Kind<?> kind : events) {
      if (kind == StandardWatchEventKinds.ENTRY_CREATE || kind == StandardWatchEventKinds.ENTRY_DELETE
          || kind == StandardWatchEventKinds.ENTRY_MODIFY) {
        kinds.add(kind);
      } else if (kind != StandardWatchEventKinds.OVERFLOW) {
        throw new UnsupportedOperationException(kind == null ? "null event kind" : "event kind " + kind.name());
      }
    }
    if (modifiers.length > 0) {
      throw new UnsupportedOperationException("watch modifiers are not supported");
    }
    service.checkOpen();
    PathResolver.Found found = fs.find(dir, true);
    if (!found.node.isDirectory()) {
      found.close();
      throw Errors.of(Errno.ENOTDIR, "inotify_add_watch", dir);
    }
    synchronized (this) {
      List<OverlayWatchKey> keys = byDirectory.computeIfAbsent(found.node, n -> new CopyOnWriteArrayList<>());
      for (OverlayWatchKey key : keys) {
        if (key.service() == service) {
          found.close();
          key.kinds(kinds);
          return key;
        }
      }
      OverlayWatchKey key = new OverlayWatchKey(service, found, dir, kinds);
      keys.add(key);
      service.registered(key);
      active = true;
      return key;
    }
  }

  /** True while some directory is watched: operations then work out exactly which changes they made. */
  boolean active() {
    return active;
  }

  void created(Node dir, byte[] name) {
    if (active) {
      signal(dir, StandardWatchEventKinds.ENTRY_CREATE, name);
    }
  }

  void deleted(Node dir, byte[] name) {
    if (active) {
      signal(dir, StandardWatchEventKinds.ENTRY_DELETE, name);
    }
  }

  void modified(Node dir, byte[] name) {
    if (active) {
      signal(dir, StandardWatchEventKinds.ENTRY_MODIFY, name);
    }
  }

  /** Ends the registrations on a directory that was removed; their keys become invalid, as with inotify. */
  void removed(Node dir) {
    if (active && dir != null) {
      List<OverlayWatchKey> keys = byDirectory.get(dir);
      if (keys != null) {
        for (OverlayWatchKey key : keys) {
          key.invalidate();
        }
      }
    }
  }

  private void signal(Node dir, WatchEvent.Kind<Path> kind, byte[] name) {
    if (dir == null) {
      return;
    }
    List<OverlayWatchKey> keys = byDirectory.get(dir);
    if (keys == null || keys.isEmpty()) {
      return;
    }
    OverlayPath context = fs.emptyPath().resolve(name.clone());
    for (OverlayWatchKey key : keys) {
      key.signalEvent(kind, context);
    }
  }

  /** Forgets a key that was cancelled, giving back its directory's reference. */
  synchronized void cancelled(OverlayWatchKey key) {
    List<OverlayWatchKey> keys = byDirectory.get(key.directory());
    if (keys != null && keys.remove(key) && keys.isEmpty()) {
      byDirectory.remove(key.directory());
    }
    key.release();
    active = !byDirectory.isEmpty();
  }

  void closed(OverlayWatchService service) {
    services.remove(service);
  }

  void close() throws IOException {
    for (OverlayWatchService service : List.copyOf(services)) {
      service.close();
    }
  }
}
