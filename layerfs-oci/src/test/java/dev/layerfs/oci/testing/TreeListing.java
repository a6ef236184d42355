package dev.layerfs.oci.testing;

import dev.layerfs.core.testing.TreeSnapshot;
import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
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
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A directory tree as one line per path (type, mode, owner, size, content hash, link target, device numbers,
 * xattrs with binary values in hex, hard-link groups and optionally mtimes), so that two trees (a merged view and
 * an unpacked rootfs, say) compare with one equality and a failure shows the lines that differ.
 */
public final class TreeListing {
  private static final byte[] DOT = {'.'};

  private final TreeMap<String, String> lines;

  private TreeListing(TreeMap<String, String> lines) {
    this.lines = lines;
  }

  /** Lists {@code root} with mtimes. */
  public static TreeListing of(Path root) {
    return of(root, true, x -> true);
  }

  /**
   * Lists {@code root}; {@code times} adds each non-directory's mtime, {@code keepXattr} chooses which xattrs are
   * compared (a rootfs has none of the overlay's, a layer does).
   */
  public static TreeListing of(Path root, boolean times, Predicate<String> keepXattr) {
    TreeMap<String, String> lines = new TreeMap<>();
    Map<String, List<String>> inodes = new TreeMap<>();
    try {
      int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(root.toString()), Posix.O_RDONLY | Posix.O_DIRECTORY);
      try {
        Stat st = Posix.fstat(fd);
        lines.put("/", describe(st, "", times) + xattrs(fd, new byte[0], keepXattr));
        walk(fd, "", times, keepXattr, lines, inodes);
      } finally {
        Posix.closeQuietly(fd);
      }
    } catch (PosixException e) {
      throw new UncheckedIOException(e);
    }
    for (List<String> group : inodes.values()) {
      if (group.size() > 1) {
        Collections.sort(group);
        for (String path : group) {
          lines.put(path, lines.get(path) + " links" + group);
        }
      }
    }
    return new TreeListing(lines);
  }

  private static void walk(int dirFd, String prefix, boolean times, Predicate<String> keepXattr,
      TreeMap<String, String> lines, Map<String, List<String>> inodes) throws PosixException {
    for (DirEntry e : Posix.readDirectory(dirFd, DOT)) {
      String path = prefix + "/" + Names.printable(e.name());
      Stat st = Posix.lstatat(dirFd, e.name());
      StringBuilder line = new StringBuilder(describe(st, path, times));
      if (st.isRegularFile()) {
        line.append(" sha ").append(sha256(dirFd, e.name(), st.size()));
      } else if (st.isSymlink()) {
        line.append(" -> ").append(Names.printable(Posix.readlinkat(dirFd, e.name())));
      }
      line.append(xattrs(dirFd, e.name(), keepXattr));
      lines.put(path, line.toString());
      if (!st.isDirectory() && st.nlink() > 1) {
        inodes.computeIfAbsent(st.dev() + ":" + st.ino(), k -> new ArrayList<>()).add(path);
      }
      if (st.isDirectory()) {
        int fd = Posix.openat(dirFd, e.name(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
        try {
          walk(fd, path, times, keepXattr, lines, inodes);
        } finally {
          Posix.closeQuietly(fd);
        }
      }
    }
  }

  private static String describe(Stat st, String path, boolean times) {
    String type = switch (st.type()) {
      case Posix.S_IFDIR -> "d";
      case Posix.S_IFREG -> "f";
      case Posix.S_IFLNK -> "l";
      case Posix.S_IFCHR -> "c";
      case Posix.S_IFBLK -> "b";
      case Posix.S_IFIFO -> "p";
      default -> "s";
    };
    StringBuilder d = new StringBuilder(type).append(' ').append(Integer.toOctalString(st.permissions()))
        .append(' ').append(Integer.toUnsignedString(st.uid())).append(':').append(Integer.toUnsignedString(st.gid()));
    if (st.isRegularFile()) {
      d.append(" size ").append(st.size());
    }
    if (st.isCharDevice() || st.type() == Posix.S_IFBLK) {
      d.append(" dev ").append(Posix.major(st.rdev())).append(',').append(Posix.minor(st.rdev()));
    }
    if (times && !st.isDirectory() && !st.isSymlink()) {
      d.append(" mtime ").append(st.mtime().seconds()).append('.').append(st.mtime().nanos());
    }
    return d.toString();
  }

  private static String xattrs(int dirFd, byte[] name, Predicate<String> keep) throws PosixException {
    List<String> names;
    try {
      names = new ArrayList<>(Xattrs.list(dirFd, name));
    } catch (PosixException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        return "";
      }
      throw e;
    }
    Collections.sort(names);
    StringBuilder out = new StringBuilder();
    for (String x : names) {
      if (keep.test(x)) {
        out.append(' ').append(x).append("=0x").append(HexFormat.of().formatHex(Xattrs.get(dirFd, name, x)));
      }
    }
    return out.toString();
  }

  private static String sha256(int dirFd, byte[] name, long size) throws PosixException {
    int fd = Posix.openat(dirFd, name, Posix.O_RDONLY | Posix.O_NOFOLLOW);
    try (Arena arena = Arena.ofConfined()) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      MemorySegment buf = arena.allocate(1 << 16);
      byte[] bytes = new byte[1 << 16];
      long offset = 0;
      while (offset < size) {
        long n = Posix.pread(fd, buf, offset);
        if (n == 0) {
          break;
        }
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) n);
        sha.update(bytes, 0, (int) n);
        offset += n;
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  public Map<String, String> lines() {
    return Collections.unmodifiableMap(lines);
  }

  /** This listing without the given paths' lines (for example the root, whose times differ by tool). */
  public TreeListing without(Set<String> paths) {
    TreeMap<String, String> copy = new TreeMap<>(lines);
    paths.forEach(copy::remove);
    return new TreeListing(copy);
  }

  /** The lines that differ, for an assertion message. */
  public String diff(TreeListing other, String thisName, String otherName) {
    return TreeSnapshot.diffLines(lines, other.lines, thisName, otherName);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TreeListing t && lines.equals(t.lines);
  }

  @Override
  public int hashCode() {
    return lines.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    lines.forEach((k, v) -> s.append(k).append(": ").append(v).append('\n'));
    return s.toString();
  }

  /** Reads a file's bytes, for short checks. */
  public static byte[] read(Path file) {
    try {
      return java.nio.file.Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
