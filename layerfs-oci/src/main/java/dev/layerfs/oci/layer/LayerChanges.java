package dev.layerfs.oci.layer;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an upper directory changes in the view of its lower layers, as {@code docker diff} lists it: a name the
 * lower layers lack is added (A), one they have is changed (C), a whiteout of one they have is deleted (D). A
 * directory that holds changes is itself changed, as Docker reports it; an opaque directory deletes the lower
 * names it does not replace; a renamed directory is added at its new place with all it contains (its old place is
 * deleted by the whiteout the rename left).
 */
public final class LayerChanges {
  private static final byte[] DOT = {'.'};

  /** The three kinds {@code docker diff} prints. */
  public enum Kind { ADDED, CHANGED, DELETED }

  /** One change: its kind and its path from the root, without a leading slash. */
  public record Change(Kind kind, byte[] path) {}

  private final OverlayNamespace namespace;
  private final LowerLayers lowers;
  private final List<Change> changes = new ArrayList<>();

  private LayerChanges(OverlayNamespace namespace, LowerLayers lowers) {
    this.namespace = namespace;
    this.lowers = lowers;
  }

  /** The changes of {@code upper} over {@code lowers} (the top one first), sorted by path. */
  public static List<Change> of(Path upper, List<Path> lowers, OverlayNamespace namespace) throws IOException {
    try (LowerLayers below = LowerLayers.open(lowers, namespace)) {
      LayerChanges walk = new LayerChanges(namespace, below);
      int fd = Fds.openDirectory(upper);
      try (LowerLayers.Stack root = below.root()) {
        walk.directory(fd, root, EntryPath.ROOT);
      } finally {
        Posix.closeQuietly(fd);
      }
      walk.changes.sort((a, b) -> Arrays.compareUnsigned(a.path, b.path));
      return walk.changes;
    }
  }

  private void directory(int dirFd, LowerLayers.Stack below, EntryPath path) throws IOException {
    Set<String> present = new HashSet<>();
    for (DirEntry e : Posix.readDirectory(dirFd, DOT)) {
      present.add(key(e.name()));
      Stat st = Posix.lstatat(dirFd, e.name());
      EntryPath child = path.child(e.name());
      try (LowerLayers.Found lower = below.isEmpty() ? null : lowers.child(below, e.name())) {
        if (LowerLayers.isWhiteout(namespace, dirFd, e.name(), st)) {
          if (lower != null) {
            add(Kind.DELETED, child);
          }
          continue;
        }
        add(lower != null ? Kind.CHANGED : Kind.ADDED, child);
        if (!st.isDirectory()) {
          continue;
        }
        int fd = Fds.openDirectory(dirFd, e.name());
        try {
          if (LowerLayers.isOpaque(namespace, dirFd, e.name())) {
            LowerLayers.Stack hidden = lower != null && lower.stack() != null ? lower.stack() : LowerLayers.Stack.empty();
            deletedBelow(fd, hidden, child);
            directory(fd, hidden, child);
          } else {
            byte[] redirect = LowerLayers.readXattr(dirFd, e.name(), namespace.redirect());
            if (redirect != null) {
              whole(fd, lowers.redirected(below, redirect, child.display()), child);
            } else {
              directory(fd, lower != null && lower.stack() != null ? lower.stack() : LowerLayers.Stack.empty(), child);
            }
          }
        } finally {
          Posix.closeQuietly(fd);
        }
      }
    }
  }

  /** The lower names an opaque directory hides without replacing them. */
  private void deletedBelow(int dirFd, LowerLayers.Stack hidden, EntryPath path) throws PosixException {
    if (hidden.isEmpty()) {
      return;
    }
    for (byte[] name : lowers.names(hidden)) {
      if (Posix.lstatatOrNull(dirFd, name) == null) {
        add(Kind.DELETED, path.child(name));
      }
    }
  }

  /** Everything in a renamed directory is new at its new path. */
  private void whole(int upperFd, LowerLayers.Stack below, EntryPath path) throws IOException {
    try (below) {
      Set<String> seen = new HashSet<>();
      if (upperFd >= 0) {
        for (DirEntry e : Posix.readDirectory(upperFd, DOT)) {
          seen.add(key(e.name()));
          Stat st = Posix.lstatat(upperFd, e.name());
          if (LowerLayers.isWhiteout(namespace, upperFd, e.name(), st)) {
            continue;
          }
          add(Kind.ADDED, path.child(e.name()));
          if (st.isDirectory()) {
            int fd = Fds.openDirectory(upperFd, e.name());
            try {
              boolean opaque = LowerLayers.isOpaque(namespace, upperFd, e.name());
              whole(fd, opaque ? LowerLayers.Stack.empty() : lowers.directory(below, e.name()),
                  path.child(e.name()));
            } finally {
              Posix.closeQuietly(fd);
            }
          }
        }
      }
      if (below.isEmpty()) {
        return;
      }
      for (byte[] name : lowers.names(below)) {
        if (seen.contains(key(name))) {
          continue;
        }
        add(Kind.ADDED, path.child(name));
        LowerLayers.Found found = lowers.child(below, name);
        if (found != null && found.stat().isDirectory()) {
          whole(-1, found.stack(), path.child(name));
        } else if (found != null) {
          found.close();
        }
      }
    }
  }

  private void add(Kind kind, EntryPath path) {
    changes.add(new Change(kind, path.bytes()));
  }

  private static String key(byte[] name) {
    return new String(name, StandardCharsets.ISO_8859_1);
  }
}
