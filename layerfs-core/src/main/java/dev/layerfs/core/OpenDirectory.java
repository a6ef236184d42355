package dev.layerfs.core;

import dev.layerfs.posix.DirectoryReader;
import dev.layerfs.posix.PosixException;

/**
 * An open directory of the overlay, read by offset as the kernel's overlay reads one ({@code ovl_iterate}): a
 * directory that merges nothing is streamed from its one real directory, a merged one from a snapshot.
 *
 * <p>A directory that is only in upper or in one lower layer ({@link MergedDirectory#isMerged} false when it is
 * opened) is read a buffer at a time from the real directory, as {@code ovl_iterate_real} does: its offsets are
 * the real directory's own, stable across calls and {@code seekdir}, and however many entries it has, reading it
 * holds one buffer. Its entries keep the inode numbers and types a snapshot would give them: "." and ".." those of
 * the overlay's directory and its parent, an entry copied up into an impure directory the inode number of its
 * origin. A merged directory is read whole ({@link DirectoryListing}, offsets are positions) when it is read from
 * offset 0, and kept until it is read from 0 again. Like the kernel, a directory that became merged meanwhile (a
 * lower directory copied up) is read merged from the next read at offset 0 on; until then the real directory
 * opened first goes on.
 *
 * <p>One reader at a time (calls are serialized); close it to release its descriptor.
 */
public final class OpenDirectory implements AutoCloseable {
  /** Takes the entries of a read, one by one, until it is full. */
  public interface Sink {
    /**
     * Takes one entry and reports whether it did; the read stops at the first entry not taken.
     *
     * @param type the {@code DT_*} type
     * @param nextOffset the offset to read from to continue after this entry
     */
    boolean accept(byte[] name, long ino, int type, long nextOffset) throws PosixException;
  }

  private final Overlay o;
  private final Node dir;
  private boolean real;
  private DirectoryReader reader;
  private Layer layer;
  /** Whether the reader went through the directory from its start in order, so its end saw every entry. */
  private boolean wholePass;
  private boolean translatedIno;
  private DirectoryListing snapshot;
  private boolean closed;

  OpenDirectory(Overlay o, Node dir, boolean real) {
    this.o = o;
    this.dir = dir;
    this.real = real;
  }

  /** The directory, for calls on it while it is open (fsyncdir). */
  public Node node() {
    return dir;
  }

  /**
   * Hands entries to {@code sink} from {@code offset}: 0 for the start, or a {@code nextOffset} this directory
   * gave before. Reading from 0 rereads a merged directory, as rewinddir does on the kernel's overlay.
   */
  public synchronized void read(long offset, Sink sink) throws PosixException {
    if (closed) {
      throw new IllegalStateException("the directory was closed");
    }
    if (offset == 0) {
      snapshot = null;
      if (real && o.readLocked(() -> MergedDirectory.isMerged(dir))) {
        real = false;
        closeReader();
      }
    }
    if (real && (reader != null || openReader())) {
      readReal(offset, sink);
      return;
    }
    if (snapshot == null) {
      snapshot = o.readLocked(() -> MergedDirectory.list(o, dir));
    }
    for (long i = offset; i < snapshot.size(); i++) {
      int at = (int) i;
      if (!sink.accept(snapshot.name(at), snapshot.ino(at), snapshot.type(at), i + 1)) {
        return;
      }
    }
  }

  /** Opens the real directory; false when its name is gone, which is then read as the empty snapshot. */
  private boolean openReader() throws PosixException {
    return o.readLocked(() -> {
      dir.dirLock.readLock().lock();
      try {
        if (dir.dead) {
          real = false;
          return false;
        }
        byte[] path;
        if (dir.inUpper) {
          layer = o.upper;
          path = o.lookups.path(dir);
        } else {
          layer = dir.lowers[0].layer();
          path = dir.lowers[0].path();
        }
        try (Layer.Location at = layer.locate(path)) {
          reader = DirectoryReader.open(at.dirfd(), at.name());
        }
        wholePass = true;
        translatedIno = false;
        return true;
      } finally {
        dir.dirLock.readLock().unlock();
      }
    });
  }

  private void readReal(long offset, Sink sink) throws PosixException {
    if (offset != reader.position()) {
      wholePass = offset == 0;
      translatedIno = false;
    }
    reader.seek(offset);
    boolean upper = layer.isUpper();
    boolean impure = upper && dir.impure;
    for (; reader.hasEntry(); reader.advance()) {
      byte[] name = reader.name();
      long ino;
      if (reader.isDotOrDotDot()) {
        ino = name.length == 1 ? dir.ino : o.parentOf(dir).ino;
      } else if (!upper && Lookups.isOciWhiteout(name, name.length)) {
        continue; // an OCI whiteout hides a name of the layers below, and there are none
      } else {
        ino = o.inodes.map(layer, reader.ino());
        if (impure) {
          Node child = o.readLocked(() -> MergedDirectory.childOrNull(o, dir, name));
          if (child != null && child.ino != ino) {
            ino = child.ino;
            translatedIno = true;
          }
        }
      }
      if (!sink.accept(name, ino, reader.type(), reader.nextOffset())) {
        return;
      }
    }
    if (wholePass && impure && !translatedIno && o.work != null) {
      o.readLockedDo(() -> {
        dir.dirLock.readLock().lock();
        try {
          if (!MergedDirectory.isMerged(dir)) {
            MergedDirectory.dropImpure(o, dir);
          }
        } finally {
          dir.dirLock.readLock().unlock();
        }
      });
    }
  }

  private void closeReader() {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    closeReader();
    snapshot = null;
  }
}
