package dev.layerfs.fuse.raw;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Constants of the kernel's FUSE ABI ({@code include/uapi/linux/fuse.h}, protocol 7.45) that more than one class
 * needs; a structure's field offsets live in the one class that reads or writes that structure.
 */
final class Abi {
  static final int MAJOR = 7;
  /** The newest minor version this server speaks. */
  static final int MINOR = 45;
  /** The oldest minor accepted: 7.12 (Linux 2.6.29) fixed the layouts of every structure used here but INIT's. */
  static final int MINIMUM_MINOR = 12;

  static final long ROOT_ID = 1;

  // struct fuse_in_header
  static final int IN_HEADER_SIZE = 40;
  static final long IN_LEN = 0;
  static final long IN_OPCODE = 4;
  static final long IN_UNIQUE = 8;
  static final long IN_NODEID = 16;
  static final long IN_UID = 24;
  static final long IN_GID = 28;
  static final long IN_PID = 32;
  static final long IN_TOTAL_EXTLEN = 36;

  // struct fuse_out_header
  static final int OUT_HEADER_SIZE = 16;
  static final long OUT_LEN = 0;
  static final long OUT_ERROR = 4;
  static final long OUT_UNIQUE = 8;

  // The INIT flags this server asks for (Init names them all); bits 32..63 travel in flags2.
  static final long ASYNC_READ = 1L << 0;
  static final long ATOMIC_O_TRUNC = 1L << 3;
  static final long BIG_WRITES = 1L << 5;
  static final long DONT_MASK = 1L << 6;
  static final long AUTO_INVAL_DATA = 1L << 12;
  static final long DO_READDIRPLUS = 1L << 13;
  static final long READDIRPLUS_AUTO = 1L << 14;
  static final long ASYNC_DIO = 1L << 15;
  static final long WRITEBACK_CACHE = 1L << 16;
  static final long PARALLEL_DIROPS = 1L << 18;
  static final long POSIX_ACL = 1L << 20;
  static final long MAX_PAGES = 1L << 22;
  static final long CACHE_SYMLINKS = 1L << 23;
  static final long NO_OPENDIR_SUPPORT = 1L << 24;
  static final long SETXATTR_EXT = 1L << 29;
  static final long INIT_EXT = 1L << 30;
  static final long DIRECT_IO_ALLOW_MMAP = 1L << 36;
  static final long PASSTHROUGH = 1L << 37;
  static final long NO_EXPORT_SUPPORT = 1L << 38;

  // fuse_open_out.open_flags
  static final int FOPEN_DIRECT_IO = 1 << 0;
  static final int FOPEN_KEEP_CACHE = 1 << 1;
  static final int FOPEN_CACHE_DIR = 1 << 3;
  static final int FOPEN_NOFLUSH = 1 << 5;
  static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;
  static final int FOPEN_PASSTHROUGH = 1 << 7;
  /** The only open flags the kernel accepts together with {@link #FOPEN_PASSTHROUGH} (fs/fuse/iomode.c). */
  static final int FOPEN_PASSTHROUGH_MASK =
      FOPEN_PASSTHROUGH | FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES | FOPEN_NOFLUSH;

  // enum fuse_notify_code
  static final int NOTIFY_INVAL_INODE = 2;
  static final int NOTIFY_INVAL_ENTRY = 3;

  // Device ioctls: _IOW(229, 1, struct fuse_backing_map) and _IOW(229, 2, uint32_t).
  static final long DEV_IOC_BACKING_OPEN = 0x4010e501L;
  static final long DEV_IOC_BACKING_CLOSE = 0x4004e502L;
  /** {@code FILESYSTEM_MAX_STACK_DEPTH}: the deepest a stack of filesystems may be. */
  static final int MAX_STACK_DEPTH = 2;

  private Abi() {}

  /** Zeroes {@code size} bytes (a multiple of 8) at {@code at} without allocating a slice. */
  static void zero(MemorySegment buffer, long at, int size) {
    for (long p = at; p < at + size; p += 8) {
      buffer.set(ValueLayout.JAVA_LONG, p, 0L);
    }
  }

  /** Rounds up to the 8-byte alignment of variable-length records ({@code FUSE_REC_ALIGN}). */
  static long align8(long size) {
    return (size + 7) & ~7L;
  }
}
