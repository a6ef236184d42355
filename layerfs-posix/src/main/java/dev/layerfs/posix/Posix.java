package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
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

  // Each downcall has a holder class of its own, so that a JVM links only the calls it makes, when it first makes
  // them: linking costs 5-30 ms per new signature (more on a loaded machine), and linking all of them when Posix
  // was first used took most of the mount daemon's start-up. The JIT treats H as a constant as before.
  private static final class OPENAT {
    static final MethodHandle H = Native.errnoCall("openat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
  }
  private static final class CLOSE {
    static final MethodHandle H = Native.errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }
  private static final class DUP {
    static final MethodHandle H = Native.errnoCall("dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }
  private static final class DUP2 {
    static final MethodHandle H = Native.errnoCall("dup2",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }
  private static final class STATX {
    static final MethodHandle H = Native.errnoCall("statx",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
  }
  private static final class MKNODAT {
    static final MethodHandle H = Native.errnoCall("mknodat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
  }
  private static final class MKDIRAT {
    static final MethodHandle H = Native.errnoCall("mkdirat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class RENAMEAT2 {
    static final MethodHandle H = Native.errnoCall("renameat2",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class LINKAT {
    static final MethodHandle H = Native.errnoCall("linkat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class SYMLINKAT {
    static final MethodHandle H = Native.errnoCall("symlinkat",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
  }
  private static final class READLINKAT {
    static final MethodHandle H = Native.errnoCall("readlinkat",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
  }
  private static final class UNLINKAT {
    static final MethodHandle H = Native.errnoCall("unlinkat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class FCHOWNAT {
    static final MethodHandle H = Native.errnoCall("fchownat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
  }
  private static final class FCHMODAT {
    static final MethodHandle H = Native.errnoCall("fchmodat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  }
  private static final class FCHMOD {
    static final MethodHandle H = Native.errnoCall("fchmod",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }
  private static final class UTIMENSAT {
    static final MethodHandle H = Native.errnoCall("utimensat",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  }
  private static final class GETDENTS64 {
    static final MethodHandle H = Native.errnoCall("getdents64",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  }
  private static final class COPY_FILE_RANGE {
    static final MethodHandle H = Native.errnoCall("copy_file_range",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  }
  private static final class IOCTL_INT {
    static final MethodHandle H = Native.errnoCall("ioctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), Linker.Option.firstVariadicArg(2));
  }
  private static final class IOCTL_PTR {
    static final MethodHandle H = Native.errnoCall("ioctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
  }
  private static final class FSYNC {
    static final MethodHandle H = Native.errnoCall("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }
  private static final class FDATASYNC {
    static final MethodHandle H = Native.errnoCall("fdatasync",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }
  private static final class FALLOCATE {
    static final MethodHandle H = Native.errnoCall("fallocate",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
  }
  private static final class LSEEK {
    static final MethodHandle H = Native.errnoCall("lseek",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
  }
  private static final class FTRUNCATE {
    static final MethodHandle H = Native.errnoCall("ftruncate",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
  }
  private static final class PREAD {
    static final MethodHandle H = Native.errnoCall("pread",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
  }
  private static final class PWRITE {
    static final MethodHandle H = Native.errnoCall("pwrite",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
  }
  private static final class READ {
    static final MethodHandle H = Native.errnoCall("read",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  }
  private static final class WRITE {
    static final MethodHandle H = Native.errnoCall("write",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  }
  private static final class WRITEV {
    static final MethodHandle H = Native.errnoCall("writev",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class FSTATFS {
    static final MethodHandle H = Native.errnoCall("fstatfs",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  }
  private static final class NAME_TO_HANDLE_AT {
    static final MethodHandle H = Native.errnoCall("name_to_handle_at",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
  }
  private static final class OPEN_BY_HANDLE_AT {
    static final MethodHandle H = Native.errnoCall("open_by_handle_at",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class FLOCK {
    static final MethodHandle H = Native.errnoCall("flock",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }
  private static final class GETEUID {
    static final MethodHandle H = Native.call("geteuid", FunctionDescriptor.of(JAVA_INT));
  }
  private static final class GETEGID {
    static final MethodHandle H = Native.call("getegid", FunctionDescriptor.of(JAVA_INT));
  }
  private static final class GETPID {
    static final MethodHandle H = Native.call("getpid", FunctionDescriptor.of(JAVA_INT));
  }
  private static final class UMASK {
    static final MethodHandle H = Native.call("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private Posix() {}

  // ---------------------------------------------------------------- descriptors

  /** {@code openat(2)}; {@code O_CLOEXEC} is always added, since the JVM may start child processes. */
  public static int openat(int dirfd, byte[] path, int flags, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      int fd = (int) OPENAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), flags | O_CLOEXEC, mode);
      return s.check(fd, "openat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      s.check((int) CLOSE.H.invokeExact(s.errno(), fd), "close", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** Closes a descriptor on a path where a failure to close cannot be acted on (after an error, read-only fds). */
  public static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try (Scratch s = Scratch.open()) {
      int ignored = (int) CLOSE.H.invokeExact(s.errno(), fd);
    } catch (Throwable t) {
      throw Native.unchecked(t);
    }
  }

  public static int dup(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check((int) DUP.H.invokeExact(s.errno(), fd), "dup", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code dup2(2)}: makes {@code newFd} a copy of {@code oldFd} (without close-on-exec), closing it first. */
  public static void dup2(int oldFd, int newFd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      int rc;
      do {
        rc = (int) DUP2.H.invokeExact(s.errno(), oldFd, newFd);
      } while (rc < 0 && s.lastErrno() == Errno.EINTR);
      s.check(rc, "dup2", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
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

  /** Like {@link #lstatat} but answers null when the name does not exist. */
  public static Stat lstatatOrNull(int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(STATX_SIZE);
      int rc = (int) STATX.H.invokeExact(s.errno(), dirfd, s.cstring(path), AT_SYMLINK_NOFOLLOW, STATX_MASK, buf);
      if (rc < 0 && s.lastErrno() == Errno.ENOENT) {
        return null;
      }
      s.check(rc, "statx", path);
      return decodeStatx(buf);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  private static Stat statx(int dirfd, byte[] path, int flags, String call) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(STATX_SIZE);
      int rc = (int) STATX.H.invokeExact(s.errno(), dirfd, s.cstring(path), flags, STATX_MASK, buf);
      s.check(rc, call, path);
      return decodeStatx(buf);
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      s.check((int) FSTATFS.H.invokeExact(s.errno(), fd, b), "fstatfs", null);
      return new StatFs(b.get(JAVA_LONG, 0), b.get(JAVA_LONG, 8), b.get(JAVA_LONG, 16), b.get(JAVA_LONG, 24),
          b.get(JAVA_LONG, 32), b.get(JAVA_LONG, 40), b.get(JAVA_LONG, 48), b.get(JAVA_LONG, 56),
          b.get(JAVA_LONG, 64), b.get(JAVA_LONG, 72), b.get(JAVA_LONG, 80));
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      s.check((int) FCHOWNAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), uid, gid, flags), "fchownat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code fchmodat(2)}, which follows symlinks: the kernel has no permissions on symlinks to change. */
  public static void fchmodat(int dirfd, byte[] path, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FCHMODAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), mode, 0), "fchmodat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void fchmod(int fd, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FCHMOD.H.invokeExact(s.errno(), fd, mode), "fchmod", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      int rc = (int) UTIMENSAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), times, flags);
      s.check(rc, "utimensat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  // ---------------------------------------------------------------- namespace

  public static void mkdirat(int dirfd, byte[] path, int mode) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) MKDIRAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), mode), "mkdirat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code mknodat(2)}: fifos, sockets, device nodes and (as char 0/0) overlay whiteouts. */
  public static void mknodat(int dirfd, byte[] path, int mode, long dev) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) MKNODAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), mode, dev), "mknodat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code renameat2(2)} with {@link #RENAME_NOREPLACE}, {@link #RENAME_EXCHANGE} or {@link #RENAME_WHITEOUT}. */
  public static void renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      int rc = (int) RENAMEAT2.H.invokeExact(s.errno(), olddirfd, s.cstring(oldpath), newdirfd, s.cstring(newpath),
          flags);
      s.check(rc, "renameat2", oldpath);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      int rc = (int) LINKAT.H.invokeExact(s.errno(), olddirfd, s.cstring(oldpath), newdirfd, s.cstring(newpath), flags);
      s.check(rc, "linkat", newpath);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void symlinkat(byte[] target, int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) SYMLINKAT.H.invokeExact(s.errno(), s.cstring(target), dirfd, s.cstring(path)), "symlinkat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code readlinkat(2)}: the target as bytes, however long (up to {@code PATH_MAX}). */
  public static byte[] readlinkat(int dirfd, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(Names.PATH_MAX + 1);
      long n = (long) READLINKAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), buf, (long) Names.PATH_MAX + 1);
      s.check(n, "readlinkat", path);
      return buf.asSlice(0, n).toArray(JAVA_BYTE);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void unlinkat(int dirfd, byte[] path, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) UNLINKAT.H.invokeExact(s.errno(), dirfd, s.cstring(path), flags), "unlinkat", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
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

  /** One {@code getdents64(2)} into {@code buf}: the bytes filled, 0 at the end of the directory. */
  static long getdents64(int fd, MemorySegment buf, byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check((long) GETDENTS64.H.invokeExact(s.errno(), fd, buf, buf.byteSize()), "getdents64", path);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  // ---------------------------------------------------------------- data

  public static long pread(int fd, MemorySegment buf, long offset) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = (long) PREAD.H.invokeExact(s.errno(), fd, buf, buf.byteSize(), offset);
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "pread", null);
        }
      }
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static long pwrite(int fd, MemorySegment buf, long offset) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = (long) PWRITE.H.invokeExact(s.errno(), fd, buf, buf.byteSize(), offset);
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "pwrite", null);
        }
      }
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** One {@code read(2)}, retried on EINTR; 0 at end of file. */
  public static long read(int fd, MemorySegment buf) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = (long) READ.H.invokeExact(s.errno(), fd, buf, buf.byteSize());
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "read", null);
        }
      }
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** One {@code write(2)}, retried on EINTR. */
  public static long write(int fd, MemorySegment buf) throws PosixException {
    try (Scratch s = Scratch.open()) {
      while (true) {
        long n = (long) WRITE.H.invokeExact(s.errno(), fd, buf, buf.byteSize());
        if (n >= 0 || s.lastErrno() != Errno.EINTR) {
          return s.check(n, "write", null);
        }
      }
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** One {@code writev(2)} of {@code count} {@code struct iovec}s at {@code iov}. */
  public static long writev(int fd, MemorySegment iov, int count) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check((long) WRITEV.H.invokeExact(s.errno(), fd, iov, count), "writev", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void ftruncate(int fd, long length) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FTRUNCATE.H.invokeExact(s.errno(), fd, length), "ftruncate", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void fsync(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FSYNC.H.invokeExact(s.errno(), fd), "fsync", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void fdatasync(int fd) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FDATASYNC.H.invokeExact(s.errno(), fd), "fdatasync", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  public static void fallocate(int fd, int mode, long offset, long length) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FALLOCATE.H.invokeExact(s.errno(), fd, mode, offset, length), "fallocate", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code lseek(2)}; with {@link #SEEK_DATA}/{@link #SEEK_HOLE} past the last data it throws ENXIO. */
  public static long lseek(int fd, long offset, int whence) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check((long) LSEEK.H.invokeExact(s.errno(), fd, offset, whence), "lseek", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      long n = (long) COPY_FILE_RANGE.H.invokeExact(s.errno(), in, offsets, out, offsets.asSlice(8), length, 0);
      return s.check(n, "copy_file_range", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code ioctl(2)} with an integer argument, such as {@link #FICLONE}. */
  public static int ioctl(int fd, long request, int arg) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check((int) IOCTL_INT.H.invokeExact(s.errno(), fd, request, arg), "ioctl", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code ioctl(2)} with a pointer to a structure the caller lays out. */
  public static int ioctl(int fd, long request, MemorySegment arg) throws PosixException {
    try (Scratch s = Scratch.open()) {
      return s.check((int) IOCTL_PTR.H.invokeExact(s.errno(), fd, request, arg), "ioctl", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** {@code flock(2)}; with {@link #LOCK_NB} a held lock fails with EWOULDBLOCK (EAGAIN). */
  public static void flock(int fd, int operation) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check((int) FLOCK.H.invokeExact(s.errno(), fd, operation), "flock", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      int rc = (int) NAME_TO_HANDLE_AT.H.invokeExact(s.errno(), dirfd, s.cstring(path), handle, mountId, flags);
      if (rc < 0 && s.lastErrno() == Errno.EOPNOTSUPP) {
        return null;
      }
      s.check(rc, "name_to_handle_at", path);
      int bytes = handle.get(JAVA_INT, 0);
      return new FileHandle(handle.get(JAVA_INT, 4), handle.asSlice(8, bytes).toArray(JAVA_BYTE),
          mountId.get(JAVA_INT, 0));
    } catch (Throwable t) {
      throw Native.propagate(t);
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
      int fd = (int) OPEN_BY_HANDLE_AT.H.invokeExact(s.errno(), mountFd, handle, flags | O_CLOEXEC);
      return s.check(fd, "open_by_handle_at", null);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  // ---------------------------------------------------------------- process

  public static int geteuid() {
    try {
      return (int) GETEUID.H.invokeExact();
    } catch (Throwable t) {
      throw Native.unchecked(t);
    }
  }

  public static int getegid() {
    try {
      return (int) GETEGID.H.invokeExact();
    } catch (Throwable t) {
      throw Native.unchecked(t);
    }
  }

  public static int getpid() {
    try {
      return (int) GETPID.H.invokeExact();
    } catch (Throwable t) {
      throw Native.unchecked(t);
    }
  }

  /** The process umask, read without changing it for longer than two calls. */
  public static synchronized int umask() {
    try {
      int old = (int) UMASK.H.invokeExact(022);
      int ignored = (int) UMASK.H.invokeExact(old);
      return old;
    } catch (Throwable t) {
      throw Native.unchecked(t);
    }
  }
}
