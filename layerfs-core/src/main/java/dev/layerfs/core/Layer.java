package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One layer directory, held open by an {@code O_PATH} descriptor so that every call is made relative to it and a
 * layer renamed or shadowed by a mount after start keeps working.
 *
 * <p>Paths inside a layer are byte strings without a leading slash; the empty path is the layer's root. A path
 * too long for one system call is walked in chunks, so depth is never limited by {@code PATH_MAX}.
 */
final class Layer implements AutoCloseable {
  private static final byte[] DOT = {'.'};
  /** Leaves room for the {@code /proc/self/fd/N/} prefix the xattr calls add. */
  private static final int DIRECT_PATH_MAX = Names.PATH_MAX - 64;

  final Path path;
  /** 0 for the upper layer, 1.. for lower layers from the top; used for ordering and messages. */
  final int index;
  final int rootFd;
  final long dev;
  /** Which distinct filesystem among the layers this one is on; inode numbers are made unique with it. */
  final int fsIndex;

  /** {@code FS_IOC_GETFSUUID}: the filesystem's uuid, as the kernel records it in origin handles. */
  private static final long FS_IOC_GETFSUUID = 0x80111500L;

  private volatile byte[] fsUuid;
  /** Set once a clone from this layer into upper failed: the filesystems cannot share extents. */
  volatile boolean cannotReflinkToUpper;

  Layer(Path path, int index, int rootFd, long dev, int fsIndex) {
    this.path = path;
    this.index = index;
    this.rootFd = rootFd;
    this.dev = dev;
    this.fsIndex = fsIndex;
  }

  boolean isUpper() {
    return index == 0;
  }

  /** Where a call on {@code path} should be made: a directory descriptor and a name relative to it. */
  Location locate(byte[] path) throws PosixException {
    if (path.length == 0) {
      return new Location(rootFd, DOT, -1);
    }
    if (path.length < DIRECT_PATH_MAX) {
      return new Location(rootFd, path, -1);
    }
    int fd = -1;
    int start = 0;
    try {
      while (path.length - start >= DIRECT_PATH_MAX) {
        int cut = lastSlashBefore(path, start, start + DIRECT_PATH_MAX);
        byte[] chunk = Arrays.copyOfRange(path, start, cut);
        int next = Posix.openat(fd < 0 ? rootFd : fd, chunk, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
        Posix.closeQuietly(fd);
        fd = next;
        start = cut + 1;
      }
      return new Location(fd, Arrays.copyOfRange(path, start, path.length), fd);
    } catch (PosixException e) {
      Posix.closeQuietly(fd);
      throw e;
    }
  }

  private static int lastSlashBefore(byte[] path, int from, int limit) throws PosixException {
    for (int i = limit - 1; i > from; i--) {
      if (path[i] == '/') {
        return i;
      }
    }
    throw new PosixException(Errno.ENAMETOOLONG, "walk", Names.printable(path));
  }

  Stat statOrNull(byte[] path) throws PosixException {
    try (Location at = locate(path)) {
      return Posix.lstatatOrNull(at.dirfd(), at.name());
    }
  }

  Stat stat(byte[] path) throws PosixException {
    try (Location at = locate(path)) {
      return Posix.lstatat(at.dirfd(), at.name());
    }
  }

  byte[] readlink(byte[] path) throws PosixException {
    try (Location at = locate(path)) {
      return Posix.readlinkat(at.dirfd(), at.name());
    }
  }

  /** Opens {@code path} in this layer, never following a final symlink. */
  int open(byte[] path, int flags, int mode) throws PosixException {
    try (Location at = locate(path)) {
      return Posix.openat(at.dirfd(), at.name(), flags | Posix.O_NOFOLLOW, mode);
    }
  }

  /** The 16-byte uuid of the layer's filesystem, or zeros when it has none (as the kernel's {@code s_uuid}). */
  byte[] fsUuid() {
    byte[] uuid = fsUuid;
    if (uuid == null) {
      uuid = new byte[16];
      try (Arena arena = Arena.ofConfined()) {
        int fd = Posix.openat(rootFd, DOT, Posix.O_RDONLY | Posix.O_DIRECTORY);
        try {
          MemorySegment buf = arena.allocate(17);
          Posix.ioctl(fd, FS_IOC_GETFSUUID, buf);
          int length = Math.min(16, buf.get(ValueLayout.JAVA_BYTE, 0));
          MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 1, uuid, 0, length);
        } finally {
          Posix.closeQuietly(fd);
        }
      } catch (PosixException e) {
        // No uuid (ENOTTY): the kernel writes zeros too.
      }
      fsUuid = uuid;
    }
    return uuid;
  }

  @Override
  public void close() {
    Posix.closeQuietly(rootFd);
  }

  @Override
  public String toString() {
    return (isUpper() ? "upperdir " : "lowerdir ") + path;
  }

  /** A directory descriptor and a name relative to it; closing releases the descriptor if the walk opened one. */
  record Location(int dirfd, byte[] name, int ownedFd) implements AutoCloseable {
    @Override
    public void close() {
      Posix.closeQuietly(ownedFd);
    }
  }
}
