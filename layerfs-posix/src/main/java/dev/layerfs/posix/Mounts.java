package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * {@code mount(2)} and {@code umount2(2)}, which a FUSE server needs to attach its {@code /dev/fuse} connection to
 * a directory when it runs with {@code CAP_SYS_ADMIN}.
 */
public final class Mounts {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;

  public static final int MNT_DETACH = 2;
  public static final int UMOUNT_NOFOLLOW = 8;

  private static final int AT_STATX_DONT_SYNC = 0x4000;
  private static final long STATX_SIZE = 256;


  private Mounts() {}

  /** {@code mount(2)}; {@code data} is the filesystem's option string, such as FUSE's {@code fd=N,rootmode=…}. */
  public static void mount(String source, byte[] target, String type, long flags, String data)
      throws PosixException {
    try (Scratch s = Scratch.open()) {
      long rc = s.call(Syscalls.MOUNT, s.address(s.cstring(source.getBytes(StandardCharsets.UTF_8))),
          s.address(s.cstring(target)), s.address(s.cstring(type.getBytes(StandardCharsets.UTF_8))), flags,
          s.address(s.cstring(data.getBytes(StandardCharsets.UTF_8))));
      s.check(rc, "mount", target);
    }
  }

  /** {@code umount2(2)} with {@link #MNT_DETACH} and {@link #UMOUNT_NOFOLLOW} as flags. */
  public static void umount2(byte[] target, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      s.check(s.call(Syscalls.UMOUNT2, s.address(s.cstring(target)), flags), "umount2", target);
    }
  }

  /**
   * The device number ({@code st_dev}) of the filesystem that {@code path} lies on, taken from the kernel's cache
   * ({@code AT_STATX_DONT_SYNC}) so that a FUSE mount is not asked for attributes, which could block.
   */
  public static long deviceOf(byte[] path) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(STATX_SIZE);
      long rc = s.call(Syscalls.STATX, Posix.AT_FDCWD, s.address(s.cstring(path)),
          Posix.AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, 0, s.address(buf));
      s.check(rc, "statx", path);
      return Posix.makedev(buf.get(JAVA_INT, 136), buf.get(JAVA_INT, 140));
    }
  }
}
