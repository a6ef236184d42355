package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * Packs directory entries for READDIR ({@code struct fuse_dirent}) or READDIRPLUS ({@code struct fuse_direntplus})
 * into the reply buffer, 8-byte aligned, and says when the buffer is full.
 *
 * <p>Each entry carries the offset of the entry after it: the kernel passes that offset back to continue the
 * listing in the next call, so offsets must stay meaningful to the filesystem for as long as the directory is open.
 * An empty answer means the end of the directory. Do not keep the writer past the call.
 */
public final class DirentWriter {
  /** {@code FUSE_UNKNOWN_INO}: glibc hides entries whose inode number is 0. */
  private static final long UNKNOWN_INO = 0xffffffffL;
  private static final long INO = 0;
  private static final long OFF = 8;
  private static final long NAMELEN = 16;
  private static final long TYPE = 20;
  private static final int DIRENT_SIZE = 24;

  private final MemorySegment area;
  private final EntryOut entry = new EntryOut();
  private boolean plus;
  private int capacity;
  private int length;

  DirentWriter(MemorySegment area) {
    this.area = area;
  }

  DirentWriter bind(boolean plus, int capacity) {
    this.plus = plus;
    this.capacity = capacity;
    this.length = 0;
    return this;
  }

  /** Whether this is READDIRPLUS, which needs {@link #addPlus} instead of {@link #add}. */
  public boolean isPlus() {
    return plus;
  }

  /**
   * Adds an entry to a READDIR answer and reports whether it fit; when it does not, stop and let the kernel ask
   * again from this entry's offset.
   *
   * @param type the {@code DT_*} type, as in {@code DirEntry}
   * @param nextOffset the offset of the entry after this one
   */
  public boolean add(byte[] name, long ino, int type, long nextOffset) {
    if (plus) {
      throw new IllegalStateException("READDIRPLUS needs addPlus");
    }
    return put(0, name, ino, type, nextOffset) >= 0;
  }

  /**
   * Adds an entry to a READDIRPLUS answer and answers the view to fill with its lookup, or null when it does not
   * fit. Like LOOKUP, each entry answered with a non-zero node id counts as one lookup of that node, except the
   * entries "." and ".."; leave the node id 0 to answer the name without a lookup.
   */
  public EntryOut addPlus(byte[] name, long ino, int type, long nextOffset) {
    if (!plus) {
      throw new IllegalStateException("READDIR needs add");
    }
    int start = put(EntryOut.SIZE, name, ino, type, nextOffset);
    return start < 0 ? null : entry.bind(area, start);
  }

  int length() {
    return length;
  }

  /** Calls {@code forget} for each lookup this READDIRPLUS answer made, once the kernel failed to take it. */
  void forgetLookups(RawFileSystem fs) {
    for (long at = 0; at < length; ) {
      long nodeId = area.get(JAVA_LONG, at);
      int nameLength = area.get(JAVA_INT, at + EntryOut.SIZE + NAMELEN);
      if (nodeId != 0 && !isDotOrDotDot(at + EntryOut.SIZE + DIRENT_SIZE, nameLength)) {
        fs.forget(nodeId, 1);
      }
      at += Abi.align8(EntryOut.SIZE + DIRENT_SIZE + nameLength);
    }
  }

  private int put(int prefix, byte[] name, long ino, int type, long nextOffset) {
    int start = length;
    long size = Abi.align8(prefix + DIRENT_SIZE + name.length);
    if (start + size > capacity) {
      return -1;
    }
    long dirent = start + prefix;
    area.set(JAVA_LONG, dirent + INO, ino == 0 ? UNKNOWN_INO : ino);
    area.set(JAVA_LONG, dirent + OFF, nextOffset);
    area.set(JAVA_INT, dirent + NAMELEN, name.length);
    area.set(JAVA_INT, dirent + TYPE, type);
    MemorySegment.copy(name, 0, area, JAVA_BYTE, dirent + DIRENT_SIZE, name.length);
    for (long padding = dirent + DIRENT_SIZE + name.length; padding < start + size; padding++) {
      area.set(JAVA_BYTE, padding, (byte) 0);
    }
    length = (int) (start + size);
    return start;
  }

  private boolean isDotOrDotDot(long nameAt, int nameLength) {
    return (nameLength == 1 || nameLength == 2) && area.get(JAVA_BYTE, nameAt) == '.'
        && (nameLength == 1 || area.get(JAVA_BYTE, nameAt + 1) == '.');
  }
}
