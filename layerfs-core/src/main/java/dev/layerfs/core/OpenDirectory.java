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
 * origin. A merged directory is read whole ({@link DirectoryListing}) when it is read from offset 0. Like the
 * kernel, a directory that became merged meanwhile (a lower directory copied up) is read merged from the next read
 * at offset 0 on; until then the real directory opened first goes on.
 *
 * <p>Several readers may share one open directory, each at its own offsets, as a FUSE mount without OPENDIR
 * handles reads a directory: a snapshot's offsets carry its generation above the entry's position (bits 32 to 62),
 * and the two newest snapshots are kept, so that a reader that started before another one's read from 0 goes on in
 * the snapshot it started in; one older than that (or dropped) goes on at its position in a new snapshot, which
 * differs only if the directory changed. A read that finds a snapshot's reader at its end drops the snapshot, since
 * nothing says when a reader is done with it (a {@code seekdir} back into it after that takes a new one). The real
 * directory stays open until it is closed: its descriptor holds nothing else, and a {@code seekdir} back into it
 * must find the directory it opened, even if its name has become another directory since.
 *
 * <p>Calls are serialized; close it to release its descriptor.
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

  private static final int GENERATION_SHIFT = 32;
  private static final long POSITION_MASK = (1L << GENERATION_SHIFT) - 1;
  private static final int MAX_GENERATION = Integer.MAX_VALUE;

  private final Overlay o;
  private final Node dir;
  private boolean real;
  private DirectoryReader reader;
  private Layer layer;
  /** Whether the reader went through the directory from its start in order, so its end saw every entry. */
  private boolean wholePass;
  private boolean translatedIno;
  private Snapshot newest;
  private Snapshot older;
  private int generations;
  private boolean closed;

  /** A merged directory's listing and the generation its offsets carry. */
  private record Snapshot(DirectoryListing listing, long generation) {}

  OpenDirectory(Overlay o, Node dir, boolean real) {
    this.o = o;
    this.dir = dir;
    this.real = real;
  }

  /**
   * Hands entries to {@code sink} from {@code offset}: 0 for the start, or a {@code nextOffset} this directory
   * gave before. Reading from 0 rereads a merged directory, as rewinddir does on the kernel's overlay.
   *
   * @return false, having read nothing, when the directory was closed
   */
  public synchronized boolean read(long offset, Sink sink) throws PosixException {
    if (closed) {
      return false;
    }
    if (offset == 0 && real && o.readLocked(() -> MergedDirectory.isMerged(dir))) {
      real = false; // an open real reader still serves the offsets it gave, until its end
    }
    Snapshot snapshot = real || offset == 0 ? null : kept(offset >>> GENERATION_SHIFT);
    boolean fromReal = real ? reader != null || openReader() : snapshot == null && offset != 0 && reader != null;
    if (fromReal) {
      readReal(offset, sink);
    } else {
      readSnapshot(snapshot != null ? snapshot : takeSnapshot(), offset & POSITION_MASK, sink);
    }
    return true;
  }

  private Snapshot kept(long generation) {
    if (newest != null && newest.generation == generation) {
      return newest;
    }
    return older != null && older.generation == generation ? older : null;
  }

  private Snapshot takeSnapshot() throws PosixException {
    generations = generations == MAX_GENERATION ? 1 : generations + 1;
    older = newest;
    newest = new Snapshot(o.readLocked(() -> MergedDirectory.list(o, dir)), generations);
    return newest;
  }

  private void readSnapshot(Snapshot snapshot, long from, Sink sink) throws PosixException {
    DirectoryListing listing = snapshot.listing;
    if (from >= listing.size()) {
      if (older == snapshot) {
        older = null;
      } else if (newest == snapshot) {
        newest = older;
        older = null;
      }
      return;
    }
    long base = snapshot.generation << GENERATION_SHIFT;
    for (int at = (int) from; at < listing.size(); at++) {
      if (!sink.accept(listing.name(at), listing.ino(at), listing.type(at), base | (at + 1))) {
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
    newest = null;
    older = null;
  }
}
