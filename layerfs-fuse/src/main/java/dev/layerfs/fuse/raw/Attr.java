package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Stat;
import java.lang.foreign.MemorySegment;

/**
 * The attributes of a file in a reply ({@code struct fuse_attr}), written straight into the reply buffer so that
 * answering GETATTR or LOOKUP allocates nothing.
 *
 * <p>Fields not set are zero. Views are reused: a filesystem must not keep one past the call it was given in.
 */
public final class Attr {
  static final int SIZE = 88;
  private static final long INO = 0;
  private static final long FILE_SIZE = 8;
  private static final long BLOCKS = 16;
  private static final long ATIME = 24;
  private static final long MTIME = 32;
  private static final long CTIME = 40;
  private static final long ATIMENSEC = 48;
  private static final long MTIMENSEC = 52;
  private static final long CTIMENSEC = 56;
  private static final long MODE = 60;
  private static final long NLINK = 64;
  private static final long UID = 68;
  private static final long GID = 72;
  private static final long RDEV = 76;
  private static final long BLKSIZE = 80;

  private MemorySegment buffer;
  private long at;

  Attr() {}

  void bind(MemorySegment buffer, long at) {
    this.buffer = buffer;
    this.at = at;
  }

  /** Copies every attribute {@code statx} reported, as a filesystem over real files answers. */
  public Attr set(Stat st) {
    return ino(st.ino()).size(st.size()).blocks(st.blocks()).mode(st.mode()).nlink(st.nlink()).uid(st.uid())
        .gid(st.gid()).rdev(st.rdev()).blksize(st.blksize())
        .atime(st.atime().seconds(), st.atime().nanos())
        .mtime(st.mtime().seconds(), st.mtime().nanos())
        .ctime(st.ctime().seconds(), st.ctime().nanos());
  }

  public Attr ino(long ino) {
    buffer.set(JAVA_LONG, at + INO, ino);
    return this;
  }

  public Attr size(long size) {
    buffer.set(JAVA_LONG, at + FILE_SIZE, size);
    return this;
  }

  /** The allocated size in 512-byte blocks. */
  public Attr blocks(long blocks) {
    buffer.set(JAVA_LONG, at + BLOCKS, blocks);
    return this;
  }

  public Attr atime(long seconds, int nanos) {
    buffer.set(JAVA_LONG, at + ATIME, seconds);
    buffer.set(JAVA_INT, at + ATIMENSEC, nanos);
    return this;
  }

  public Attr mtime(long seconds, int nanos) {
    buffer.set(JAVA_LONG, at + MTIME, seconds);
    buffer.set(JAVA_INT, at + MTIMENSEC, nanos);
    return this;
  }

  public Attr ctime(long seconds, int nanos) {
    buffer.set(JAVA_LONG, at + CTIME, seconds);
    buffer.set(JAVA_INT, at + CTIMENSEC, nanos);
    return this;
  }

  /** File type and permission bits, as {@code st_mode}. */
  public Attr mode(int mode) {
    buffer.set(JAVA_INT, at + MODE, mode);
    return this;
  }

  public Attr nlink(int nlink) {
    buffer.set(JAVA_INT, at + NLINK, nlink);
    return this;
  }

  public Attr uid(int uid) {
    buffer.set(JAVA_INT, at + UID, uid);
    return this;
  }

  public Attr gid(int gid) {
    buffer.set(JAVA_INT, at + GID, gid);
    return this;
  }

  /** The device number of a device node, as {@link Posix#makedev} builds it. */
  public Attr rdev(long rdev) {
    buffer.set(JAVA_INT, at + RDEV, encodeDev(rdev));
    return this;
  }

  /** The preferred I/O size; 0 lets the kernel choose. */
  public Attr blksize(int blksize) {
    buffer.set(JAVA_INT, at + BLKSIZE, blksize);
    return this;
  }

  /** The kernel's 32-bit device encoding ({@code new_encode_dev}), which FUSE uses for rdev both ways. */
  static int encodeDev(long dev) {
    int major = Posix.major(dev);
    int minor = Posix.minor(dev);
    return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
  }

  static long decodeDev(int dev) {
    return Posix.makedev((dev & 0xfff00) >>> 8, (dev & 0xff) | ((dev >>> 12) & 0xfff00));
  }
}
