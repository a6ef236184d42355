package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.MemorySegment;

/**
 * Inode flags, what {@code lsattr} shows and {@code chattr} changes: {@code FS_IOC_GETFLAGS}/{@code SETFLAGS} and
 * the XFS-style {@code FS_IOC_FSGETXATTR}/{@code FSSETXATTR}, on an open descriptor of a regular file or directory.
 *
 * <p>A filesystem without them fails with ENOTTY (or EOPNOTSUPP for a flag it lacks), which callers pass on.
 */
public final class InodeFlags {
  /** {@code _IOR('f', 1, long)}; the kernel reads and writes an {@code int} nevertheless. */
  public static final long FS_IOC_GETFLAGS = 0x80086601L;
  /** {@code _IOW('f', 2, long)}. */
  public static final long FS_IOC_SETFLAGS = 0x40086602L;
  /** {@code _IOR('X', 31, struct fsxattr)}. */
  public static final long FS_IOC_FSGETXATTR = 0x801c581fL;
  /** {@code _IOW('X', 32, struct fsxattr)}. */
  public static final long FS_IOC_FSSETXATTR = 0x401c5820L;
  /** {@code sizeof(struct fsxattr)}: five 32-bit fields and 8 bytes of padding. */
  public static final int FSXATTR_SIZE = 28;

  public static final int FS_SYNC_FL = 0x8;
  public static final int FS_IMMUTABLE_FL = 0x10;
  public static final int FS_APPEND_FL = 0x20;
  public static final int FS_NODUMP_FL = 0x40;
  public static final int FS_NOATIME_FL = 0x80;

  public static final int FS_XFLAG_IMMUTABLE = 0x8;
  public static final int FS_XFLAG_APPEND = 0x10;

  /** {@code STATX_ATTR_IMMUTABLE} and {@code STATX_ATTR_APPEND}: the same bits as the inode flags. */
  public static final long STATX_ATTR_IMMUTABLE = 0x10;
  public static final long STATX_ATTR_APPEND = 0x20;

  private InodeFlags() {}

  /** {@code struct fsxattr}: the extended flags and the XFS hints that travel with them. */
  public record FsxAttr(int xflags, int extsize, int nextents, int projid, int cowextsize) {
    /** Reads one from its 28 bytes in native order. */
    public static FsxAttr decode(MemorySegment from) {
      return new FsxAttr(from.get(JAVA_INT, 0), from.get(JAVA_INT, 4), from.get(JAVA_INT, 8),
          from.get(JAVA_INT, 12), from.get(JAVA_INT, 16));
    }

    /** Writes its 28 bytes, padding zeroed. */
    public void encode(MemorySegment to) {
      to.asSlice(0, FSXATTR_SIZE).fill((byte) 0);
      to.set(JAVA_INT, 0, xflags);
      to.set(JAVA_INT, 4, extsize);
      to.set(JAVA_INT, 8, nextents);
      to.set(JAVA_INT, 12, projid);
      to.set(JAVA_INT, 16, cowextsize);
    }

    public FsxAttr withXflags(int newXflags) {
      return new FsxAttr(newXflags, extsize, nextents, projid, cowextsize);
    }
  }

  /** The {@code FS_*_FL} flags of an open file; {@code path} names it in errors. */
  public static int get(int fd, String path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment flags = s.allocate(8);
      ioctl(fd, FS_IOC_GETFLAGS, flags, "ioctl FS_IOC_GETFLAGS", path);
      return flags.get(JAVA_INT, 0);
    }
  }

  /** Sets the {@code FS_*_FL} flags of an open file. */
  public static void set(int fd, int flags, String path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment arg = s.allocate(8);
      arg.set(JAVA_INT, 0, flags);
      ioctl(fd, FS_IOC_SETFLAGS, arg, "ioctl FS_IOC_SETFLAGS", path);
    }
  }

  /** The {@code struct fsxattr} of an open file. */
  public static FsxAttr getFsx(int fd, String path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(FSXATTR_SIZE);
      ioctl(fd, FS_IOC_FSGETXATTR, buf, "ioctl FS_IOC_FSGETXATTR", path);
      return FsxAttr.decode(buf);
    }
  }

  /** Sets the {@code struct fsxattr} of an open file. */
  public static void setFsx(int fd, FsxAttr attr, String path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(FSXATTR_SIZE);
      attr.encode(buf);
      ioctl(fd, FS_IOC_FSSETXATTR, buf, "ioctl FS_IOC_FSSETXATTR", path);
    }
  }

  private static void ioctl(int fd, long request, MemorySegment arg, String call, String path)
      throws PosixException {
    try {
      Posix.ioctl(fd, request, arg);
    } catch (PosixException e) {
      throw new PosixException(e.errno(), call, path);
    }
  }
}
