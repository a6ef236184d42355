package dev.layerfs.fuse;

import dev.layerfs.core.Node;
import dev.layerfs.core.OpenDirectory;
import dev.layerfs.core.Overlay;
import dev.layerfs.posix.PosixException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * The directories read without OPENDIR handles: one {@link OpenDirectory} per directory node, shared by every
 * reader of it.
 *
 * <p>When the kernel opens directories itself, nothing says when a reader is done with one. A cursor is dropped
 * when the kernel forgets its node (no open directory can then refer to it), and otherwise when more than
 * {@link #KEPT} cursors exist: idle ones ({@link OpenDirectory#isIdle}: every reader read to its end) first,
 * least recently read first, and past {@link #MOST} the least recently read whatever it holds (readers that
 * stopped halfway, such as {@code ls | head}, would otherwise pile up). A reader whose cursor was dropped under it
 * goes on at its offset in a new one: the same entries in a directory still read as it is, the same positions in
 * a merged one's new snapshot.
 */
final class DirectoryCursors {
  /** Enough for a walk's open directories, one per level, and a few readers at once. */
  private static final int KEPT = 32;
  /** Cursors kept even while readers are halfway through them: each holds a descriptor and maybe snapshots. */
  private static final int MOST = 256;

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
    List<OpenDirectory> dropped = new ArrayList<>(1);
    synchronized (this) {
      cursor = cursors.putIfAbsent(nodeId, opened);
      if (cursor == null) {
        cursor = opened;
        opened = null;
        dropSome(cursor, dropped);
      }
    }
    if (opened != null) {
      opened.close();
    }
    dropped.forEach(OpenDirectory::close);
    return cursor;
  }

  /**
   * Takes out idle cursors beyond {@link #KEPT}, then any beyond {@link #MOST}, least recently read first, but never
   * {@code added}, which its caller is about to read (a new cursor is idle: taking it out would make the caller
   * open it again, and again).
   */
  private void dropSome(OpenDirectory added, List<OpenDirectory> dropped) {
    dropBeyond(KEPT, cursor -> cursor != added && cursor.isIdle(), dropped);
    dropBeyond(MOST, cursor -> cursor != added, dropped);
  }

  private void dropBeyond(int count, Predicate<OpenDirectory> droppable, List<OpenDirectory> dropped) {
    for (Iterator<OpenDirectory> it = cursors.values().iterator(); cursors.size() > count && it.hasNext(); ) {
      OpenDirectory cursor = it.next();
      if (droppable.test(cursor)) {
        dropped.add(cursor);
        it.remove();
      }
    }
  }

  /** Drops the cursor of a node the kernel forgot. */
  void forget(long nodeId) {
    OpenDirectory cursor;
    synchronized (this) {
      cursor = cursors.remove(nodeId);
    }
    if (cursor != null) {
      cursor.close();
    }
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
