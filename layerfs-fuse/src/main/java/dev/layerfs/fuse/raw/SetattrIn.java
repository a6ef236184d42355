package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.layerfs.posix.Timespec;
import java.lang.foreign.MemorySegment;

/**
 * What a SETATTR changes ({@code struct fuse_setattr_in}): chmod, chown, truncate and utimens arrive as one request
 * that names only the attributes to change. Do not keep the view past the call.
 */
public final class SetattrIn {
  static final int SIZE = 88;
  private static final int FATTR_MODE = 1;
  private static final int FATTR_UID = 1 << 1;
  private static final int FATTR_GID = 1 << 2;
  private static final int FATTR_SIZE = 1 << 3;
  private static final int FATTR_ATIME = 1 << 4;
  private static final int FATTR_MTIME = 1 << 5;
  private static final int FATTR_FH = 1 << 6;
  private static final int FATTR_ATIME_NOW = 1 << 7;
  private static final int FATTR_MTIME_NOW = 1 << 8;
  private static final int FATTR_CTIME = 1 << 10;

  private static final long VALID = 0;
  private static final long FH = 8;
  private static final long FILE_SIZE = 16;
  private static final long ATIME = 32;
  private static final long MTIME = 40;
  private static final long CTIME = 48;
  private static final long ATIMENSEC = 56;
  private static final long MTIMENSEC = 60;
  private static final long CTIMENSEC = 64;
  private static final long MODE = 68;
  private static final long UID = 76;
  private static final long GID = 80;

  private MemorySegment buffer;
  private long at;
  private int valid;

  SetattrIn() {}

  SetattrIn bind(MemorySegment buffer, long at) {
    this.buffer = buffer;
    this.at = at;
    this.valid = buffer.get(JAVA_INT, at + VALID);
    return this;
  }

  public boolean hasMode() {
    return (valid & FATTR_MODE) != 0;
  }

  /** The new permission bits (the file type bits are the file's own). */
  public int mode() {
    return buffer.get(JAVA_INT, at + MODE);
  }

  public boolean hasUid() {
    return (valid & FATTR_UID) != 0;
  }

  public int uid() {
    return buffer.get(JAVA_INT, at + UID);
  }

  public boolean hasGid() {
    return (valid & FATTR_GID) != 0;
  }

  public int gid() {
    return buffer.get(JAVA_INT, at + GID);
  }

  public boolean hasSize() {
    return (valid & FATTR_SIZE) != 0;
  }

  public long size() {
    return buffer.get(JAVA_LONG, at + FILE_SIZE);
  }

  /** Whether the change comes through an open file ({@code ftruncate}, {@code futimens}), named by {@link #handle}. */
  public boolean hasHandle() {
    return (valid & FATTR_FH) != 0;
  }

  public long handle() {
    return buffer.get(JAVA_LONG, at + FH);
  }

  /** The new access time: {@link Timespec#OMIT} to keep it, {@link Timespec#NOW} for the current time. */
  public Timespec atime() {
    return time(FATTR_ATIME, FATTR_ATIME_NOW, ATIME, ATIMENSEC);
  }

  /** The new modification time: {@link Timespec#OMIT} to keep it, {@link Timespec#NOW} for the current time. */
  public Timespec mtime() {
    return time(FATTR_MTIME, FATTR_MTIME_NOW, MTIME, MTIMENSEC);
  }

  /** The new change time, which only a writeback-caching kernel sends; {@link Timespec#OMIT} otherwise. */
  public Timespec ctime() {
    return time(FATTR_CTIME, 0, CTIME, CTIMENSEC);
  }

  private Timespec time(int setFlag, int nowFlag, long seconds, long nanos) {
    if ((valid & nowFlag) != 0) {
      return Timespec.NOW;
    }
    if ((valid & setFlag) == 0) {
      return Timespec.OMIT;
    }
    return new Timespec(buffer.get(JAVA_LONG, at + seconds), buffer.get(JAVA_INT, at + nanos));
  }
}
