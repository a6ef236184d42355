package dev.layerfs.oci.layer;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What each layer of an image does to the image's files, as {@code dive} shows it: bytes of files it adds, bytes of
 * files it replaces, bytes of lower files it deletes (whiteouts, opaque directories), and bytes it wastes on files
 * that a later layer replaces or deletes, so they take space but are never seen.
 */
public final class LayerAnalysis {
  private static final byte[] DOT = {'.'};

  /**
   * One layer's effect, in bytes of regular files (a hard-linked file counts once).
   *
   * @param added files at paths no lower layer has
   * @param changed files that replace a lower layer's file at the same path
   * @param deleted lower files this layer's whiteouts and opaque directories remove
   * @param wasted this layer's files that later layers replace or delete
   * @param files non-directory entries of the layer, whiteouts included
   */
  public record Stats(long added, long changed, long deleted, long wasted, long files) {}

  private record Inode(long dev, long ino) {}

  private final OverlayNamespace namespace;
  private LowerLayers below;
  private int[] above;
  private long added;
  private long changed;
  private long deleted;
  private long wasted;
  private long files;
  private final Set<Inode> counted = new HashSet<>();

  private LayerAnalysis(OverlayNamespace namespace) {
    this.namespace = namespace;
  }

  /** The statistics of each layer of a stack given bottom first, in that order. */
  public static List<Stats> of(List<Path> layers, OverlayNamespace namespace) throws IOException {
    List<Stats> stats = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      stats.add(new LayerAnalysis(namespace).analyze(layers, i));
    }
    return stats;
  }

  private Stats analyze(List<Path> layers, int index) throws IOException {
    List<Path> lower = new ArrayList<>(layers.subList(0, index));
    java.util.Collections.reverse(lower);
    above = new int[layers.size() - index - 1];
    try (LowerLayers opened = LowerLayers.open(lower, namespace)) {
      below = opened;
      for (int j = 0; j < above.length; j++) {
        above[j] = Fds.openDirectory(layers.get(index + 1 + j));
      }
      int fd = Fds.openDirectory(layers.get(index));
      try (LowerLayers.Stack root = opened.root()) {
        walk(fd, root, EntryPath.ROOT);
      } finally {
        Posix.closeQuietly(fd);
      }
    } finally {
      for (int fd : above) {
        Posix.closeQuietly(fd);
      }
    }
    return new Stats(added, changed, deleted, wasted, files);
  }

  private void walk(int dirFd, LowerLayers.Stack lower, EntryPath path) throws IOException {
    for (DirEntry e : Posix.readDirectory(dirFd, DOT)) {
      Stat st = Posix.lstatat(dirFd, e.name());
      EntryPath child = path.child(e.name());
      try (LowerLayers.Found found = lower.isEmpty() ? null : below.child(lower, e.name())) {
        if (LowerLayers.isWhiteout(namespace, dirFd, e.name(), st)) {
          files++;
          if (found != null) {
            deleted += size(found);
          }
          continue;
        }
        if (st.isDirectory()) {
          LowerLayers.Stack hidden = found != null && found.stack() != null ? found.stack()
              : LowerLayers.Stack.empty();
          int fd = Fds.openDirectory(dirFd, e.name());
          try {
            if (LowerLayers.isOpaque(namespace, dirFd, e.name())) {
              deletedUnder(fd, hidden);
            }
            walk(fd, hidden, child);
          } finally {
            Posix.closeQuietly(fd);
          }
          continue;
        }
        files++;
        if (!st.isRegularFile() || (st.nlink() > 1 && !counted.add(new Inode(st.dev(), st.ino())))) {
          continue;
        }
        if (found != null && !found.stat().isDirectory()) {
          changed += st.size();
        } else {
          added += st.size();
        }
        if (shadowed(child)) {
          wasted += st.size();
        }
      }
    }
  }

  /** The lower files an opaque directory hides without replacing them. */
  private void deletedUnder(int dirFd, LowerLayers.Stack hidden) throws PosixException {
    if (hidden.isEmpty()) {
      return;
    }
    for (byte[] name : below.names(hidden)) {
      Stat mine = Posix.lstatatOrNull(dirFd, name);
      try (LowerLayers.Found found = below.child(hidden, name)) {
        if (found == null) {
          continue;
        }
        if (mine == null) {
          deleted += size(found);
        } else if (mine.isDirectory() && found.stat().isDirectory()) {
          int fd = Fds.openDirectory(dirFd, name);
          try {
            deletedUnder(fd, found.stack());
          } finally {
            Posix.closeQuietly(fd);
          }
        }
      }
    }
  }

  /** The bytes of regular files in a lower object: a file's size, or all a merged directory holds. */
  private long size(LowerLayers.Found found) throws PosixException {
    if (!found.stat().isDirectory()) {
      return found.stat().isRegularFile() ? found.stat().size() : 0;
    }
    long total = 0;
    for (byte[] name : below.names(found.stack())) {
      try (LowerLayers.Found child = below.child(found.stack(), name)) {
        if (child != null) {
          total += size(child);
        }
      }
    }
    return total;
  }

  /** Whether a later layer replaces or deletes {@code path}, or a directory above it. */
  private boolean shadowed(EntryPath path) throws PosixException {
    for (int layer : above) {
      for (int depth = 1; depth <= path.depth(); depth++) {
        byte[] prefix = path.prefix(depth).bytes();
        Stat st = Posix.lstatatOrNull(layer, prefix);
        if (st == null) {
          break;
        }
        if (depth == path.depth()) {
          return true;
        }
        if (!st.isDirectory()) {
          return true;
        }
        int slash = lastSlash(prefix);
        int parent = slash < 0 ? Posix.dup(layer) : Posix.openat(layer, java.util.Arrays.copyOf(prefix, slash),
            Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
        try {
          if (LowerLayers.isOpaque(namespace, parent, path.parts()[depth - 1])) {
            return true;
          }
        } finally {
          Posix.closeQuietly(parent);
        }
      }
    }
    return false;
  }

  private static int lastSlash(byte[] path) {
    for (int i = path.length - 1; i >= 0; i--) {
      if (path[i] == '/') {
        return i;
      }
    }
    return -1;
  }
}
