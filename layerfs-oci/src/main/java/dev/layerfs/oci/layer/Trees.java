package dev.layerfs.oci.layer;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Whole-tree operations on layer directories that must never follow a symlink out of the tree: removal, which
 * layers full of whiteouts, mode-0 directories and hostile links need, and disk usage.
 */
public final class Trees {
  private static final byte[] DOT = {'.'};

  private Trees() {}

  private record Inode(long dev, long ino) {}

  /** What a tree occupies. */
  public record Usage(long allocatedBytes, long apparentBytes, long files) {
    public static final Usage NONE = new Usage(0, 0, 0);

    public Usage plus(Usage other) {
      return new Usage(allocatedBytes + other.allocatedBytes, apparentBytes + other.apparentBytes,
          files + other.files);
    }
  }

  /** Removes {@code path} and everything under it, if it exists; symlinks are removed, never followed. */
  public static void delete(Path path) throws IOException {
    Path absolute = path.toAbsolutePath();
    byte[] name = Names.bytes(absolute.getFileName().toString());
    int parent = Fds.openDirectory(absolute.getParent());
    try {
      Stat st = Posix.lstatatOrNull(parent, name);
      if (st == null) {
        return;
      }
      remove(parent, name, st.isDirectory());
    } finally {
      Posix.closeQuietly(parent);
    }
  }

  private static void remove(int parent, byte[] name, boolean directory) throws PosixException {
    if (directory) {
      int fd = openForRemoval(parent, name);
      try {
        for (DirEntry e : Posix.readDirectory(fd, DOT)) {
          boolean dir = e.type() == DirEntry.DT_DIR
              || (e.type() == DirEntry.DT_UNKNOWN && Posix.lstatat(fd, e.name()).isDirectory());
          remove(fd, e.name(), dir);
        }
      } finally {
        Posix.closeQuietly(fd);
      }
      Posix.unlinkat(parent, name, Posix.AT_REMOVEDIR);
    } else {
      Posix.unlinkat(parent, name, 0);
    }
  }

  /** Opens a directory to empty it, first giving its owner access if its mode denies it (mode-0 work dirs). */
  private static int openForRemoval(int parent, byte[] name) throws PosixException {
    try {
      int fd = Fds.openDirectory(parent, name);
      if (Posix.geteuid() != 0 && (Posix.fstat(fd).mode() & 0300) != 0300) {
        Posix.fchmod(fd, 0700);
      }
      return fd;
    } catch (PosixException e) {
      if (e.errno() != Errno.EACCES) {
        throw e;
      }
      Posix.fchmodat(parent, name, 0700);
      return Fds.openDirectory(parent, name);
    }
  }

  /** The space a tree takes: allocated blocks and apparent sizes, each hard-linked file counted once. */
  public static Usage usage(Path dir) throws IOException {
    Set<Inode> seen = new HashSet<>();
    int fd = Fds.openDirectory(dir);
    try {
      Stat st = Posix.fstat(fd);
      long[] totals = {st.blocks() * 512, 0, 0};
      walk(fd, seen, totals);
      return new Usage(totals[0], totals[1], totals[2]);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  /** The usage of several trees together, so that files hard-linked between them count once. */
  public static Usage usage(Iterable<Path> dirs) throws IOException {
    Set<Inode> seen = new HashSet<>();
    long[] totals = new long[3];
    for (Path dir : dirs) {
      int fd = Fds.openDirectory(dir);
      try {
        totals[0] += Posix.fstat(fd).blocks() * 512;
        walk(fd, seen, totals);
      } finally {
        Posix.closeQuietly(fd);
      }
    }
    return new Usage(totals[0], totals[1], totals[2]);
  }

  private static void walk(int dirFd, Set<Inode> seen, long[] totals) throws PosixException {
    for (DirEntry e : Posix.readDirectory(dirFd, DOT)) {
      Stat st = Posix.lstatat(dirFd, e.name());
      if (st.isDirectory()) {
        totals[0] += st.blocks() * 512;
        int fd = Fds.openDirectory(dirFd, e.name());
        try {
          walk(fd, seen, totals);
        } finally {
          Posix.closeQuietly(fd);
        }
        continue;
      }
      if (st.nlink() > 1 && !seen.add(new Inode(st.dev(), st.ino()))) {
        continue;
      }
      totals[0] += st.blocks() * 512;
      totals[1] += st.isRegularFile() ? st.size() : 0;
      totals[2]++;
    }
  }
}
