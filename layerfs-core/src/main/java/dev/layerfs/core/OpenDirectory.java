package dev.layerfs.core;

import dev.layerfs.posix.DirectoryReader;
import dev.layerfs.posix.PosixException;
import java.util.ArrayList;
import java.util.List;

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
 * handles reads a directory. A snapshot's offsets carry its generation above the entry's position (7 bits above
 * 24, so that they stay below 2<sup>31</sup> for programs with 32-bit offsets; a listing of 2<sup>24</sup> entries
 * or more puts its generation above 40 bits), and the last {@link #KEPT_SNAPSHOTS} snapshots are kept, so a reader
 * that started before another one read from 0 goes on in its own. A read at a snapshot's end lets its entries go
 * (nothing else says a reader is done) but remembers its size, so that a reader at its end still reads nothing;
 * an offset of a snapshot no longer kept goes on at its position in a new one, which differs only if the
 * directory changed. The real directory stays open until this is closed: its descriptor holds at most one small
 * buffer, and a {@code seekdir} back into it must find the directory it opened, even if its name has become
 * another directory since; readers that started in it go on in it after the directory became merged.
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

  /** How many snapshots are kept, the newest and those that readers which started before it may still be in. */
  static final int KEPT_SNAPSHOTS = 4;
  private static final int SMALL_POSITION_BITS = 24;
  private static final int LARGE_POSITION_BITS = 40;
  private static final int GENERATION_BITS = 7;
  private static final int MAX_GENERATION = (1 << GENERATION_BITS) - 1;

  private final Overlay o;
  private final Node dir;
  private boolean real;
  private DirectoryReader reader;
  private Layer layer;
  /** Whether the reader went through the directory from its start in order, so its end saw every entry. */
  private boolean wholePass;
  private boolean translatedIno;
  /** Newest first. */
  private final List<Snapshot> snapshots = new ArrayList<>(KEPT_SNAPSHOTS);
  private long lastGeneration;
  private volatile boolean idle = true;
  private boolean closed;

  /** A merged directory's listing, null once a reader read to its end, and the generation its offsets carry. */
  private record Snapshot(long generation, DirectoryListing listing, int size) {
    int positionBits() {
      return size < 1 << SMALL_POSITION_BITS ? SMALL_POSITION_BITS : LARGE_POSITION_BITS;
    }

    Snapshot ended() {
      return new Snapshot(generation, null, size);
    }
  }

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
    try {
      readFrom(offset, sink);
    } finally {
      idle = (reader == null || reader.isAtEnd()) && holdsNoListing();
    }
    return true;
  }

  private void readFrom(long offset, Sink sink) throws PosixException {
    if (offset == 0 && real && o.readLocked(() -> MergedDirectory.isMerged(dir))) {
      real = false; // an open real reader still serves the readers that started in it
    }
    Snapshot snapshot = real || offset == 0 ? null : snapshotOf(offset);
    boolean fromReal = real ? reader != null || openReader() : snapshot == null && offset != 0 && reader != null;
    if (fromReal) {
      readReal(offset, sink);
      return;
    }
    long from = offset & ((1L << positionBits(offset)) - 1);
    if (snapshot == null || snapshot.listing == null && from < snapshot.size) {
      snapshot = takeSnapshot();
    }
    readSnapshot(snapshot, from, sink);
  }

  /**
   * Whether nothing was held for a reader after the last read: no snapshot's entries, and no real reader or one at
   * its end. It does not wait for a read under way.
   */
  public boolean isIdle() {
    return idle;
  }

  private boolean holdsNoListing() {
    for (Snapshot kept : snapshots) {
      if (kept.listing != null) {
        return false;
      }
    }
    return true;
  }

  /** The kept snapshot whose offsets {@code offset} is one of, or null. */
  private Snapshot snapshotOf(long offset) {
    long generation = offset >>> positionBits(offset);
    for (Snapshot kept : snapshots) {
      if (kept.generation == generation) {
        return kept;
      }
    }
    return null;
  }

  /** How many low bits of a snapshot's offset are the position: the encodings differ in size. */
  private static int positionBits(long offset) {
    return offset < 1L << (SMALL_POSITION_BITS + GENERATION_BITS) ? SMALL_POSITION_BITS : LARGE_POSITION_BITS;
  }

  private Snapshot takeSnapshot() throws PosixException {
    lastGeneration = lastGeneration == MAX_GENERATION ? 1 : lastGeneration + 1;
    DirectoryListing listing = o.readLocked(() -> MergedDirectory.list(o, dir));
    Snapshot snapshot = new Snapshot(lastGeneration, listing, listing.size());
    snapshots.removeIf(kept -> kept.generation == lastGeneration);
    if (snapshots.size() == KEPT_SNAPSHOTS) {
      snapshots.removeLast();
    }
    snapshots.addFirst(snapshot);
    return snapshot;
  }

  private void readSnapshot(Snapshot snapshot, long from, Sink sink) throws PosixException {
    DirectoryListing listing = snapshot.listing;
    if (from >= snapshot.size) {
      if (listing != null) {
        snapshots.replaceAll(kept -> kept == snapshot ? snapshot.ended() : kept);
      }
      return;
    }
    long base = snapshot.generation << snapshot.positionBits();
    for (int at = (int) from; at < snapshot.size; at++) {
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
    snapshots.clear();
  }
}
