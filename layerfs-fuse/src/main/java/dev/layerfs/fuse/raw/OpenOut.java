package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * The answer to OPEN, CREATE and OPENDIR ({@code struct fuse_open_out}): the filesystem's handle for the open file
 * and how the kernel should do its I/O.
 *
 * <p>Views are reused: do not keep one past the call.
 */
public final class OpenOut {
  static final int SIZE = 16;
  private static final long FH = 0;
  private static final long OPEN_FLAGS = 8;
  private static final long BACKING_ID = 12;

  private MemorySegment buffer;
  private long at;
  private Backings backings;
  private Backings.Candidate candidate;

  OpenOut() {}

  /** Points this view at a zeroed {@code fuse_open_out}; {@code backings} is null where passthrough cannot be. */
  OpenOut bind(MemorySegment buffer, long at, Backings backings) {
    this.buffer = buffer;
    this.at = at;
    this.backings = backings;
    this.candidate = null;
    Abi.zero(buffer, at, SIZE);
    return this;
  }

  /** The filesystem's handle for this open file, given back in READ, WRITE, RELEASE and the like. */
  public OpenOut handle(long fh) {
    buffer.set(JAVA_LONG, at + FH, fh);
    return this;
  }

  public long handle() {
    return buffer.get(JAVA_LONG, at + FH);
  }

  /** Bypasses the page cache: every read and write of this open file reaches the filesystem as it is made. */
  public OpenOut directIo() {
    return flag(Abi.FOPEN_DIRECT_IO);
  }

  /** Keeps pages cached from earlier opens, for files known not to have changed since. */
  public OpenOut keepCache() {
    return flag(Abi.FOPEN_KEEP_CACHE);
  }

  /**
   * Spares the FLUSH request at each {@code close}, for files whose FLUSH would do nothing (no locks kept by the
   * filesystem, no writeback cache).
   */
  public OpenOut noFlush() {
    return flag(Abi.FOPEN_NOFLUSH);
  }

  /** Lets the kernel cache the listing of this open directory. */
  public OpenOut cacheDir() {
    return flag(Abi.FOPEN_CACHE_DIR);
  }

  /**
   * Asks the kernel to serve reads, writes and mmap of this open file from {@code fd} itself, so that its data
   * never passes through the daemon (FUSE passthrough, Linux 6.9).
   *
   * <p>The kernel takes its own reference to the file, so {@code fd} may be closed as soon as this returns. This is a
   * request, not a promise: it is ignored for directories, when the connection has no passthrough (not negotiated,
   * or not privileged), and when the kernel refuses the file; the open file is then served through
   * {@link RawFileSystem#read} and {@link RawFileSystem#write} as usual, which a filesystem must therefore implement
   * anyway. The kernel allows one backing file per node at a time: while a node is open in passthrough, every
   * further open of it must name the same file (any descriptor of it), or fails with EBUSY. Passthrough excludes
   * {@link #keepCache()}, which is then dropped.
   */
  public void passthrough(int fd) {
    if (backings == null) {
      return;
    }
    discardPassthrough();
    candidate = backings.register(fd);
  }

  /**
   * {@link #passthrough(int)} for a file whose device and inode number the filesystem knows already (from a stat
   * of {@code fd}'s file), which saves asking for them.
   */
  public void passthrough(int fd, long dev, long ino) {
    if (backings == null) {
      return;
    }
    discardPassthrough();
    candidate = backings.register(fd, dev, ino);
  }

  /** The backing file {@link #passthrough} registered, or null. */
  Backings.Candidate candidate() {
    return candidate;
  }

  /** Gives back the registered backing file when the open it was for failed. */
  void discardPassthrough() {
    if (candidate != null) {
      backings.discard(candidate);
      candidate = null;
    }
  }

  int flags() {
    return buffer.get(JAVA_INT, at + OPEN_FLAGS);
  }

  void backing(int backingId) {
    buffer.set(JAVA_INT, at + OPEN_FLAGS, (flags() | Abi.FOPEN_PASSTHROUGH) & Abi.FOPEN_PASSTHROUGH_MASK);
    buffer.set(JAVA_INT, at + BACKING_ID, backingId);
  }

  private OpenOut flag(int flag) {
    buffer.set(JAVA_INT, at + OPEN_FLAGS, flags() | flag);
    return this;
  }
}
