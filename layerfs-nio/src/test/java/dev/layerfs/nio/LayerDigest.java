package dev.layerfs.nio;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * A digest of everything about a layer directory that a write could change: names (as bytes), types, inode
 * numbers, modes, owners, sizes, contents, link targets, modification and change times, and every extended
 * attribute. Tests take one before and after using a view, to prove the lower layers were never touched.
 */
final class LayerDigest {
  private LayerDigest() {}

  static String of(Path layer) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(layer.toString()), Posix.O_PATH | Posix.O_DIRECTORY);
      try {
        digestEntry(digest, fd, new byte[] {'.'}, new byte[0]);
      } finally {
        Posix.closeQuietly(fd);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (PosixException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void digestEntry(MessageDigest digest, int dirfd, byte[] name, byte[] relative)
      throws PosixException {
    Stat st = Posix.lstatat(dirfd, name);
    digest.update(relative);
    digest.update(Names.bytes("|" + st.ino() + " " + Integer.toOctalString(st.mode()) + " " + st.uid() + ":"
        + st.gid() + " " + st.size() + " " + st.nlink() + " " + st.rdev() + " " + st.mtime() + " " + st.ctime()
        + "|"));
    for (String attr : Xattrs.list(dirfd, name).stream().sorted().toList()) {
      digest.update(Names.bytes(attr));
      byte[] value = Xattrs.get(dirfd, name, attr);
      digest.update(value == null ? new byte[0] : value);
    }
    if (st.isSymlink()) {
      digest.update(Posix.readlinkat(dirfd, name));
    } else if (st.isRegularFile()) {
      int fd = Posix.openat(dirfd, name, Posix.O_RDONLY | Posix.O_NOFOLLOW);
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buffer = arena.allocate(1 << 16);
        long offset = 0;
        long n;
        while ((n = Posix.pread(fd, buffer, offset)) > 0) {
          digest.update(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
          offset += n;
        }
      } finally {
        Posix.closeQuietly(fd);
      }
    } else if (st.isDirectory()) {
      int fd = Posix.openat(dirfd, name, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
      try {
        List<DirEntry> entries = Posix.readDirectory(fd, new byte[] {'.'}).stream()
            .sorted(Comparator.comparing(DirEntry::name, Names::compare)).toList();
        for (DirEntry e : entries) {
          digestEntry(digest, fd, e.name(), Names.join(relative, e.name()));
        }
      } finally {
        Posix.closeQuietly(fd);
      }
    }
  }

  /** True for a kernel whiteout: a character device 0/0, as seen on the default file system. */
  static boolean isWhiteout(Path onDisk) throws IOException {
    var unix = Files.readAttributes(onDisk, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
    return ((Integer) unix.get("mode") & 0170000) == 0020000 && (Long) unix.get("rdev") == 0L;
  }
}
