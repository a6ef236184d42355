package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linux file calls that {@code java.nio} cannot make: the {@code *at} family relative to directory
 * descriptors, device nodes, whiteouts, atomic exchange, reflinks and holes.
 *
 * <p>Names are {@code byte[]} without a terminating NUL; failures throw {@link PosixException} with the errno, the
 * call and the path. Descriptors are plain {@code int}s; wrap them in {@link Fd} to close them by scope.
 */
public final class Posix {
  private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

  public static final int AT_FDCWD = -100;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_REMOVEDIR = 0x200;
  public static final int AT_SYMLINK_FOLLOW = 0x400;
  public static final int AT_EMPTY_PATH = 0x1000;

  private static final int PROT_READ = 1;
  private static final int PROT_WRITE = 2;
  private static final int MAP_PRIVATE = 2;
  private static final int MAP_ANONYMOUS = 0x20;
  private static final int GRND_INSECURE = 4;

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_ACCMODE = 3;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_NOCTTY = 0400;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DSYNC = 010000;
  public static final int O_DIRECT = AARCH64 ? 0200000 : 040000;
  public static final int O_LARGEFILE = AARCH64 ? 0400000 : 0100000;
  public static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
  public static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
  public static final int O_NOATIME = 01000000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_SYNC = 04010000;
  public static final int O_PATH = 010000000;
  public static final int O_TMPFILE = 020000000 | O_DIRECTORY;

  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 060000;
  public static final int S_IFDIR = 040000;
  public static final int S_IFCHR = 020000;
  public static final int S_IFIFO = 010000;
  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_ISVTX = 01000;

  public static final int RENAME_NOREPLACE = 1;
  public static final int RENAME_EXCHANGE = 2;
  public static final int RENAME_WHITEOUT = 4;

  private static final int F_GETFD = 1;

  public static final int SEEK_SET = 0;
  public static final int SEEK_CUR = 1;
  public static final int SEEK_END = 2;
  public static final int SEEK_DATA = 3;
  public static final int SEEK_HOLE = 4;

  public static final int LOCK_SH = 1;
  public static final int LOCK_EX = 2;
  public static final int LOCK_NB = 4;
  public static final int LOCK_UN = 8;

  public static final int FALLOC_FL_KEEP_SIZE = 1;
  public static final int FALLOC_FL_PUNCH_HOLE = 2;
  public static final int FALLOC_FL_ZERO_RANGE = 0x10;

  /** {@code ioctl(dest, FICLONE, src)}: share all of src's extents with dest (btrfs, xfs, bcachefs). */
  public static final long FICLONE = 0x40049409L;

  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int STATX_BTIME = 0x800;
  private static final int STATX_MNT_ID = 0x1000;
  private static final int STATX_MASK = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID;
  private static final long STATX_SIZE = 256;
  private static final long STATFS_SIZE = 120;

  private Posix() {}

  // ---------------------------------------------------------------- descriptors

  /** {@code openat(2)}; {@code O_CLOEXEC} is always added, since the JVM may start child processes. */
  public static int openat(int dirfd, byte[] path, int flags, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      int fd = (int) s.call(Syscalls.OPENAT, dirfd, s.address(s.cstring(path)), flags | O_CLOEXEC, mode);
      return s.check(fd, "openat", path);
    }
  }

  public static int openat(int dirfd, byte[] path, int flags) throws PosixException {
    return openat(dirfd, path, flags, 0);
  }

  public static int open(String path, int flags) throws PosixException {
    return openat(AT_FDCWD, Names.bytes(path), flags, 0);
  }

  public static void close(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.CLOSE, fd), "close", null);
    }
  }

  /** Closes a descriptor on a path where a failure to close cannot be acted on (after an error, read-only fds). */
  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try (Scratch s = Scratch.open()) {
      s.call(Syscalls.CLOSE, fd);
    }
  }

  public static int dup(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return (int) s.check(s.call(Syscalls.DUP, fd), "dup", null);
    }
  }

  /**
   * {@code dup2(2)}: makes {@code newFd} a copy of {@code oldFd} (without close-on-exec), closing it first. Made as
   * glibc makes it where the kernel has no dup2 (aarch64): {@code dup3} with no flags, or for equal descriptors
   * only the check that {@code oldFd} is open.
   */
  public static void dup2(int oldFd, int newFd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      long rc;
      do {
        rc = oldFd == newFd ? s.call(Syscalls.FCNTL, oldFd, F_GETFD) : s.call(Syscalls.DUP3, oldFd, newFd, 0);
      } while (rc < 0 && s.lastErrno() == Errno.EINTR);
      s.check(rc, "dup2", null);
    }
  }

  // ---------------------------------------------------------------- metadata

  /** {@code statx(2)} of {@code path} relative to {@code dirfd}, never following a final symlink. */
  public static Stat lstatat(int dirfd, byte[] path) throws PosixException {
    return statx(dirfd, path, AT_SYMLINK_NOFOLLOW, "statx");
  }

  /** {@code statx(2)} of what an open (or {@code O_PATH}) descriptor refers to. */
  public static Stat fstat(int fd) throws PosixException {
    return statx(fd, new byte[0], AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, "fstat");
  }

  /**
   * The {@code stx_attributes} of {@code path} relative to {@code dirfd} (such as {@code STATX_ATTR_IMMUTABLE}), never
   * following a final symlink: the inode flags of any file type, without opening it.
   */
  public static long statxAttributes(int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(STATX_SIZE);
      int flags = path.length == 0 ? AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW : AT_SYMLINK_NOFOLLOW;
      s.check((int) s.call(Syscalls.STATX, dirfd, s.address(s.cstring(path)), flags, 0, s.address(buf)), "statx",
          path);
      return buf.get(JAVA_LONG, 8);
    }
  }

  /** Like {@link #lstatat} but answers null when the name does not exist. */
  public static Stat lstatatOrNull(int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(STATX_SIZE);
      int rc = (int) s.call(Syscalls.STATX, dirfd, s.address(s.cstring(path)), AT_SYMLINK_NOFOLLOW, STATX_MASK,
          s.address(buf));
      if (rc < 0 && s.lastErrno() == Errno.ENOENT) {
        return null;
      }
      s.check(rc, "statx", path);
      return decodeStatx(buf);
    }
  }

  private static Stat statx(int dirfd, byte[] path, int flags, String call) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(STATX_SIZE);
      int rc = (int) s.call(Syscalls.STATX, dirfd, s.address(s.cstring(path)), flags, STATX_MASK, s.address(buf));
      s.check(rc, call, path);
      return decodeStatx(buf);
    }
  }

  private static Stat decodeStatx(MemorySegment b) {
    return new Stat(
        makedev(b.get(JAVA_INT, 136), b.get(JAVA_INT, 140)),
        b.get(JAVA_LONG, 32),
        Short.toUnsignedInt(b.get(JAVA_SHORT, 28)),
        b.get(JAVA_INT, 16),
        b.get(JAVA_INT, 20),
        b.get(JAVA_INT, 24),
        makedev(b.get(JAVA_INT, 128), b.get(JAVA_INT, 132)),
        b.get(JAVA_LONG, 40),
        b.get(JAVA_INT, 4),
        b.get(JAVA_LONG, 48),
        timespec(b, 64),
        timespec(b, 112),
        timespec(b, 96),
        timespec(b, 80),
        b.get(JAVA_LONG, 144));
  }

  private static Timespec timespec(MemorySegment b, long offset) {
    return new Timespec(b.get(JAVA_LONG, offset), b.get(JAVA_INT, offset + 8));
  }

  public static StatFs fstatfs(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment b = s.allocate(STATFS_SIZE);
      s.check(s.call(Syscalls.FSTATFS, fd, s.address(b)), "fstatfs", null);
      return new StatFs(b.get(JAVA_LONG, 0), b.get(JAVA_LONG, 8), b.get(JAVA_LONG, 16), b.get(JAVA_LONG, 24),
          b.get(JAVA_LONG, 32), b.get(JAVA_LONG, 40), b.get(JAVA_LONG, 48), b.get(JAVA_LONG, 56),
          b.get(JAVA_LONG, 64), b.get(JAVA_LONG, 72), b.get(JAVA_LONG, 80));
    }
  }

  public static long makedev(int major, int minor) {
    long ma = Integer.toUnsignedLong(major);
    long mi = Integer.toUnsignedLong(minor);
    return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
  }

  public static int major(long dev) {
    return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL));
  }

  public static int minor(long dev) {
    return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0xffL));
  }

  public static void fchownat(int dirfd, byte[] path, int uid, int gid, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FCHOWNAT, dirfd, s.address(s.cstring(path)), uid, gid, flags), "fchownat", path);
    }
  }

  /** {@code fchmodat(2)}, which follows symlinks: the kernel has no permissions on symlinks to change. */
  public static void fchmodat(int dirfd, byte[] path, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FCHMODAT, dirfd, s.address(s.cstring(path)), mode), "fchmodat", path);
    }
  }

  public static void fchmod(int fd, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FCHMOD, fd, mode), "fchmod", null);
    }
  }

  /**
   * {@code utimensat(2)}; {@link Timespec#NOW} and {@link Timespec#OMIT} have their kernel meanings. An empty
   * path with {@link #AT_EMPTY_PATH} sets the times of {@code dirfd} itself.
   */
  public static void utimensat(int dirfd, byte[] path, Timespec atime, Timespec mtime, int flags)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment times = s.allocate(32);
      times.set(JAVA_LONG, 0, atime.seconds());
      times.set(JAVA_LONG, 8, atime.nanos());
      times.set(JAVA_LONG, 16, mtime.seconds());
      times.set(JAVA_LONG, 24, mtime.nanos());
      long rc = s.call(Syscalls.UTIMENSAT, dirfd, s.address(s.cstring(path)), s.address(times), flags);
      s.check(rc, "utimensat", path);
    }
  }

  // ---------------------------------------------------------------- namespace

  public static void mkdirat(int dirfd, byte[] path, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.MKDIRAT, dirfd, s.address(s.cstring(path)), mode), "mkdirat", path);
    }
  }

  /**
   * {@code mknodat(2)}: fifos, sockets, device nodes and (as char 0/0) overlay whiteouts. The kernel takes the
   * device number as 32 bits, whose encoding is the low half of {@link #makedev}'s; a larger one fails with
   * EOVERFLOW, as glibc's wrapper does.
   */
  public static void mknodat(int dirfd, byte[] path, int mode, long dev) throws PosixException {
    if ((dev >>> 32) != 0) {
      throw new PosixException(Errno.EOVERFLOW, "mknodat", path);
    }
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.MKNODAT, dirfd, s.address(s.cstring(path)), mode, dev), "mknodat", path);
    }
  }

  /** {@code renameat2(2)} with {@link #RENAME_NOREPLACE}, {@link #RENAME_EXCHANGE} or {@link #RENAME_WHITEOUT}. */
  public static void renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      long rc = s.call(Syscalls.RENAMEAT2, olddirfd, s.address(s.cstring(oldpath)), newdirfd,
          s.address(s.cstring(newpath)), flags);
      s.check(rc, "renameat2", oldpath);
    }
  }

  public static void linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      long rc = s.call(Syscalls.LINKAT, olddirfd, s.address(s.cstring(oldpath)), newdirfd,
          s.address(s.cstring(newpath)), flags);
      s.check(rc, "linkat", newpath);
    }
  }

  public static void symlinkat(byte[] target, int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      long rc = s.call(Syscalls.SYMLINKAT, s.address(s.cstring(target)), dirfd, s.address(s.cstring(path)));
      s.check(rc, "symlinkat", path);
    }
  }

  /** {@code readlinkat(2)}: the target as bytes, however long (up to {@code PATH_MAX}). */
  public static byte[] readlinkat(int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(Names.PATH_MAX + 1);
      long n = s.call(Syscalls.READLINKAT, dirfd, s.address(s.cstring(path)), s.address(buf), Names.PATH_MAX + 1);
      s.check(n, "readlinkat", path);
      return buf.asSlice(0, n).toArray(JAVA_BYTE);
    }
  }

  public static void unlinkat(int dirfd, byte[] path, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.UNLINKAT, dirfd, s.address(s.cstring(path)), flags), "unlinkat", path);
    }
  }

  /**
   * Reads every entry of a directory with {@code getdents64(2)}, except "." and "..".
   *
   * <p>{@code dirfd} may be an {@code O_PATH} descriptor: the directory is opened afresh for reading, so the
   * caller's descriptor keeps its offset. For directories that may be huge, read with {@link DirectoryReader}.
   */
  public static List<DirEntry> readDirectory(int dirfd, byte[] path) throws PosixException {
    List<DirEntry> entries = new ArrayList<>();
    try (DirectoryReader reader = DirectoryReader.open(dirfd, path)) {
      for (; reader.hasEntry(); reader.advance()) {
        if (!reader.isDotOrDotDot()) {
          entries.add(new DirEntry(reader.name(), reader.ino(), reader.type()));
        }
      }
    }
    return entries;
  }

  /** One {@code getdents64(2)} into {@code into}: the bytes filled, 0 at the end of the directory. */
  static int getdents64(int fd, byte[] into, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(into.length);
      int n = (int) s.check(s.call(Syscalls.GETDENTS64, fd, s.address(buf), into.length), "getdents64", path);
      MemorySegment.copy(buf, JAVA_BYTE, 0, into, 0, n);
      return n;
    }
  }

  // ---------------------------------------------------------------- data

  public static long pread(int fd, MemorySegment buf, long offset) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = s.call(Syscalls.PREAD64, fd, s.address(buf), buf.byteSize(), offset);
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "pread", null);
        }
      }
    }
  }

  public static long pwrite(int fd, MemorySegment buf, long offset) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = s.call(Syscalls.PWRITE64, fd, s.address(buf), buf.byteSize(), offset);
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "pwrite", null);
        }
      }
    }
  }

  /** One {@code read(2)}, retried on EINTR; 0 at end of file. */
  public static long read(int fd, MemorySegment buf) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = s.call(Syscalls.READ, fd, s.address(buf), buf.byteSize());
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "read", null);
        }
      }
    }
  }

  /** One {@code write(2)}, retried on EINTR. */
  public static long write(int fd, MemorySegment buf) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = s.call(Syscalls.WRITE, fd, s.address(buf), buf.byteSize());
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "write", null);
        }
      }
    }
  }

  /** One {@code writev(2)} of {@code count} {@code struct iovec}s at {@code iov}. */
  public static long writev(int fd, MemorySegment iov, int count) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check(s.call(Syscalls.WRITEV, fd, s.address(iov), count), "writev", null);
    }
  }

  public static void ftruncate(int fd, long length) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FTRUNCATE, fd, length), "ftruncate", null);
    }
  }

  public static void fsync(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FSYNC, fd), "fsync", null);
    }
  }

  /** {@code syncfs(2)}: forces everything written to {@code fd}'s filesystem to disk. */
  public static void syncfs(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.SYNCFS, fd), "syncfs", null);
    }
  }

  public static void fdatasync(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FDATASYNC, fd), "fdatasync", null);
    }
  }

  public static void fallocate(int fd, int mode, long offset, long length) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FALLOCATE, fd, mode, offset, length), "fallocate", null);
    }
  }

  /** {@code lseek(2)}; with {@link #SEEK_DATA}/{@link #SEEK_HOLE} past the last data it throws ENXIO. */
  public static long lseek(int fd, long offset, int whence) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check(s.call(Syscalls.LSEEK, fd, offset, whence), "lseek", null);
    }
  }

  /**
   * {@code copy_file_range(2)} between explicit offsets (the descriptors' own offsets are untouched); answers the
   * bytes copied, 0 at the end of the source.
   */
  public static long copyFileRange(int in, long inOffset, int out, long outOffset, long length)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment offsets = s.allocate(16);
      offsets.set(JAVA_LONG, 0, inOffset);
      offsets.set(JAVA_LONG, 8, outOffset);
      long n = s.call(Syscalls.COPY_FILE_RANGE, in, s.address(offsets), out, s.address(offsets.asSlice(8)), length, 0);
      return s.check(n, "copy_file_range", null);
    }
  }

  /** {@code ioctl(2)} with an integer argument, such as {@link #FICLONE}. */
  public static int ioctl(int fd, long request, int arg) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return (int) s.check(s.call(Syscalls.IOCTL, fd, request, arg), "ioctl", null);
    }
  }

  /** {@code ioctl(2)} with a pointer to a structure the caller lays out. */
  public static int ioctl(int fd, long request, MemorySegment arg) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return (int) s.check(s.call(Syscalls.IOCTL, fd, request, s.address(arg)), "ioctl", null);
    }
  }

  /** {@code flock(2)}; with {@link #LOCK_NB} a held lock fails with EWOULDBLOCK (EAGAIN). */
  public static void flock(int fd, int operation) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.FLOCK, fd, operation), "flock", null);
    }
  }

  // ---------------------------------------------------------------- file handles

  /**
   * {@code name_to_handle_at(2)}: the filesystem's persistent handle of a file as {@code handle_type} and the
   * opaque bytes, or null when the filesystem cannot make handles (EOPNOTSUPP).
   */
  public static FileHandle nameToHandleAt(int dirfd, byte[] path, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      int maxBytes = 128;
      MemorySegment handle = s.allocate(8 + maxBytes);
      handle.set(JAVA_INT, 0, maxBytes);
      MemorySegment mountId = s.allocate(4);
      long rc = s.call(Syscalls.NAME_TO_HANDLE_AT, dirfd, s.address(s.cstring(path)), s.address(handle),
          s.address(mountId), flags);
      if (rc < 0 && s.lastErrno() == Errno.EOPNOTSUPP) {
        return null;
      }
      s.check(rc, "name_to_handle_at", path);
      int bytes = handle.get(JAVA_INT, 0);
      return new FileHandle(handle.get(JAVA_INT, 4), handle.asSlice(8, bytes).toArray(JAVA_BYTE),
          mountId.get(JAVA_INT, 0));
    }
  }

  /**
   * {@code open_by_handle_at(2)}; needs {@code CAP_DAC_READ_SEARCH}. {@code mountFd} is any descriptor on the
   * filesystem except an {@code O_PATH} one (EBADF).
   */
  public static int openByHandleAt(int mountFd, FileHandle fh, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment handle = s.allocate(8 + fh.bytes().length);
      handle.set(JAVA_INT, 0, fh.bytes().length);
      handle.set(JAVA_INT, 4, fh.type());
      MemorySegment.copy(fh.bytes(), 0, handle, JAVA_BYTE, 8, fh.bytes().length);
      int fd = (int) s.call(Syscalls.OPEN_BY_HANDLE_AT, mountFd, s.address(handle), flags | O_CLOEXEC);
      return s.check(fd, "open_by_handle_at", null);
    }
  }

  // ---------------------------------------------------------------- process

  public static int geteuid() {
    try (Scratch s = Scratch.open()) {
      return (int) s.call(Syscalls.GETEUID);
    }
  }

  /**
   * Anonymous private memory from {@code mmap(2)}, unmapped when {@code arena} closes. Unlike {@link Arena#allocate},
   * which zeroes (and so touches) every page at once, its pages cost nothing until first written: a FUSE reader's
   * 1 MiB request and reply buffers mostly hold a few hundred bytes.
   */
  public static MemorySegment mmapAnonymous(long size, Arena arena) throws PosixException {
    long address;
    try (Scratch s = Scratch.open()) {
      address = s.check(s.call(Syscalls.MMAP, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
          "mmap", null);
    }
    try {
      return MemorySegment.ofAddress(address).reinterpret(size, arena, mapped -> munmap(mapped.address(), size));
    } catch (RuntimeException e) {
      munmap(address, size);
      throw e;
    }
  }

  private static void munmap(long address, long size) {
    try (Scratch s = Scratch.open()) {
      s.call(Syscalls.MUNMAP, address, size);
    }
  }

  /**
   * {@code getrandom(2)}: {@code count} bytes from the kernel's random source, as the kernel's overlay takes its
   * UUIDs; without the JDK's {@code SecureRandom}, whose provider set-up costs a short-lived process 15-40 ms. Like the
   * kernel's, it does not wait for the source to be initialized at early boot ({@code GRND_INSECURE}, Linux 5.6; on
   * older kernels the call may wait).
   */
  public static byte[] getrandom(int count) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(count);
      int flags = GRND_INSECURE;
      for (long filled = 0; filled < count; ) {
        long n = s.call(Syscalls.GETRANDOM, s.address(buf) + filled, count - filled, flags);
        if (n < 0 && s.lastErrno() == Errno.EINVAL && flags != 0) {
          flags = 0;
        } else if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          filled += s.check(n, "getrandom", null);
        }
      }
      return buf.toArray(JAVA_BYTE);
    }
  }

  public static int getegid() {
    try (Scratch s = Scratch.open()) {
      return (int) s.call(Syscalls.GETEGID);
    }
  }

  public static int getpid() {
    try (Scratch s = Scratch.open()) {
      return (int) s.call(Syscalls.GETPID);
    }
  }

  /** The process umask, read without changing it for longer than two calls. */
  public static synchronized int umask() {
    try (Scratch s = Scratch.open()) {
      int old = (int) s.call(Syscalls.UMASK, 022);
      s.call(Syscalls.UMASK, old);
      return old;
    }
  }
}
