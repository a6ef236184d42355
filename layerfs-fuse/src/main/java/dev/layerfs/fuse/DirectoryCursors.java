package dev.layerfs.fuse;

import dev.layerfs.core.Node;
import dev.layerfs.core.OpenDirectory;
import dev.layerfs.core.Overlay;
import dev.layerfs.posix.PosixException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The directories read without OPENDIR handles: one {@link OpenDirectory} per directory node, shared by every
 * reader of it, for the {@link #KEPT} directories read last.
 *
 * <p>When the kernel opens directories itself, nothing says when a reader is done with one, so what a cursor holds
 * is released by the read that finds a reader at its end ({@link OpenDirectory}), and the cursors of directories
 * left unread longest are closed. A reader whose cursor was closed under it goes on at its offset in a new one.
 */
final class DirectoryCursors {
  /** Enough for a walk's open directories, one per level, and a few readers at once. */
  private static final int KEPT = 32;

  private final Overlay overlay;
  private final LinkedHashMap<Long, OpenDirectory> cursors = new LinkedHashMap<>(KEPT * 2, 0.75f, true);

  DirectoryCursors(Overlay overlay) {
    this.overlay = overlay;
  }

  /** Hands entries of directory {@code dir}, node id {@code nodeId}, to {@code sink} from {@code offset}. */
  void read(long nodeId, Node dir, long offset, OpenDirectory.Sink sink) throws PosixException {
    while (!cursor(nodeId, dir).read(offset, sink)) {
      // closed when it left the map, after this thread had taken it: the next one is new
    }
  }

  private OpenDirectory cursor(long nodeId, Node dir) throws PosixException {
    synchronized (this) {
      OpenDirectory cursor = cursors.get(nodeId);
      if (cursor != null) {
        return cursor;
      }
    }
    OpenDirectory opened = overlay.openDirectory(dir);
    OpenDirectory cursor;
    List<OpenDirectory> evicted = new ArrayList<>(1);
    synchronized (this) {
      cursor = cursors.putIfAbsent(nodeId, opened);
      if (cursor == null) {
        cursor = opened;
        opened = null;
        for (Iterator<OpenDirectory> it = cursors.values().iterator(); cursors.size() > KEPT; ) {
          evicted.add(it.next());
          it.remove();
        }
      }
    }
    if (opened != null) {
      opened.close();
    }
    evicted.forEach(OpenDirectory::close);
    return cursor;
  }

  /** Closes every cursor; the session is over. */
  void closeAll() {
    List<OpenDirectory> all;
    synchronized (this) {
      all = List.copyOf(cursors.values());
      cursors.clear();
    }
    all.forEach(OpenDirectory::close);
  }
}
