package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.core.Overlay;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Turns paths into engine nodes, name by name, following symbolic links the way the kernel's path walk does: a
 * link in the middle of a path is always followed, the last one only when asked, relative targets from the link's
 * directory, absolute targets from the view's root (the view is its own root, as in a container), and more than
 * {@value #MAX_SYMLINKS} links make the walk fail with ELOOP.
 *
 * <p>Every node kept across engine calls holds a reference, so the engine's cache cannot drop it meanwhile; a walk
 * gives back all but the ones it answers, and the caller gives those back by closing the answer.
 */
final class PathResolver {
  /** Linux's {@code MAXSYMLINKS}. */
  static final int MAX_SYMLINKS = 40;
  private static final byte[][] NO_NAMES = new byte[0][];
  private static final byte[] DOT_DOT = {'.', '.'};

  private final Overlay overlay;

  PathResolver(Overlay overlay) {
    this.overlay = overlay;
  }

  /**
   * The node a path names, and the directory it was found in. References are held on both, except on the node
   * the walk started from, which its owner holds.
   */
  final class Found implements AutoCloseable {
    final Node node;
    /** The directory the node was found in, or null when the path named the start of the walk. */
    final Node parent;
    /** The node's name in {@link #parent}, or null with it. */
    final byte[] name;
    private final boolean nodeHeld;
    private final boolean parentHeld;
    private final byte[][] realNames;

    private Found(Node node, boolean nodeHeld, Node parent, boolean parentHeld, byte[] name, byte[][] realNames) {
      this.node = node;
      this.nodeHeld = nodeHeld;
      this.parent = parent;
      this.parentHeld = parentHeld;
      this.name = name;
      this.realNames = realNames;
    }

    /** The names from the root to the node with every link resolved, or null when the walk did not start there. */
    byte[][] realNames() {
      return realNames;
    }

    @Override
    public void close() {
      if (nodeHeld) {
        overlay.forget(node, 1);
      }
      if (parentHeld) {
        overlay.forget(parent, 1);
      }
    }
  }

  /** A directory and a name in it, for the calls that make, remove or rename a name. */
  final class Entry implements AutoCloseable {
    final Node dir;
    final byte[] name;
    private final boolean dirHeld;

    private Entry(Node dir, boolean dirHeld, byte[] name) {
      this.dir = dir;
      this.dirHeld = dirHeld;
      this.name = name;
    }

    boolean isDotOrDotDot() {
      return PathBytes.isDot(name) || PathBytes.isDotDot(name);
    }

    @Override
    public void close() {
      if (dirHeld) {
        overlay.forget(dir, 1);
      }
    }
  }

  /** Walks {@code path} from {@code base} (from the root when it is absolute). */
  Found find(Node base, OverlayPath path, boolean followFinal) throws IOException {
    return walk(base, path, path.names(), followFinal, false);
  }

  /** As {@link #find}, but answers null rather than throwing when a name on the way does not exist. */
  Found findIfExists(Node base, OverlayPath path, boolean followFinal) throws IOException {
    return walk(base, path, path.names(), followFinal, true);
  }

  /** A node whose reference someone else holds, in the shape of a walk's answer; closing it gives nothing back. */
  Found borrowed(Node node) {
    return new Found(node, false, null, false, null, null);
  }

  /**
   * The directory that holds the last name of {@code path}, and that name; null for a path with no name, the
   * root or the empty path. As in the kernel's path walk, a parent that is not a directory is ENOTDIR before the
   * name is looked at.
   */
  Entry entry(Node base, OverlayPath path) throws IOException {
    byte[][] names = path.names();
    if (names.length == 0) {
      return null;
    }
    Found dir = walk(base, path, Arrays.copyOf(names, names.length - 1), true, false);
    if (dir.parentHeld) {
      overlay.forget(dir.parent, 1);
    }
    if (!dir.node.isDirectory()) {
      if (dir.nodeHeld) {
        overlay.forget(dir.node, 1);
      }
      throw Errors.of(Errno.ENOTDIR, "lookup", path);
    }
    return new Entry(dir.node, dir.nodeHeld, names[names.length - 1]);
  }

  private Found walk(Node base, OverlayPath path, byte[][] names, boolean followFinal, boolean missingIsNull)
      throws IOException {
    Node root = overlay.root();
    Node[] stack = new Node[Math.max(4, names.length + 1)];
    byte[][] walked = new byte[stack.length][];
    stack[0] = path.isAbsolute() ? root : base;
    int depth = 1;
    byte[][] queue = names;
    int next = 0;
    int links = 0;
    try {
      while (next < queue.length) {
        byte[] name = queue[next++];
        if (PathBytes.isDot(name)) {
          continue;
        }
        if (PathBytes.isDotDot(name)) {
          if (depth > 1) {
            overlay.forget(stack[--depth], 1);
          } else if (stack[0] != root) {
            queue = concat(split(overlay.rawPathOf(stack[0])), new byte[][] {DOT_DOT}, queue, next);
            next = 0;
            stack[0] = root;
          }
          continue;
        }
        Node child = overlay.lookupIfExists(stack[depth - 1], name);
        if (child == null) {
          if (missingIsNull) {
            release(stack, depth);
            return null;
          }
          throw Errors.of(Errno.ENOENT, "lookup", path);
        }
        if (child.type() == Posix.S_IFLNK && (next < queue.length || followFinal)) {
          byte[] target;
          try {
            if (++links > MAX_SYMLINKS) {
              throw Errors.of(Errno.ELOOP, "lookup", path);
            }
            target = overlay.readlink(child);
          } finally {
            overlay.forget(child, 1);
          }
          queue = concat(split(target), NO_NAMES, queue, next);
          next = 0;
          if (target.length > 0 && target[0] == '/') {
            while (depth > 1) {
              overlay.forget(stack[--depth], 1);
            }
            stack[0] = root;
          }
          continue;
        }
        if (depth == stack.length) {
          stack = Arrays.copyOf(stack, depth * 2);
          walked = Arrays.copyOf(walked, depth * 2);
        }
        walked[depth] = name;
        stack[depth++] = child;
      }
    } catch (PosixException e) {
      release(stack, depth);
      throw Errors.translate(e, path);
    } catch (IOException | RuntimeException e) {
      release(stack, depth);
      throw e;
    }
    for (int i = 1; i < depth - 2; i++) {
      overlay.forget(stack[i], 1);
    }
    byte[][] real = stack[0] == root ? Arrays.copyOfRange(walked, 1, depth) : null;
    if (depth == 1) {
      return new Found(stack[0], false, null, false, null, real);
    }
    return new Found(stack[depth - 1], true, stack[depth - 2], depth > 2, walked[depth - 1], real);
  }

  private void release(Node[] stack, int depth) {
    for (int i = 1; i < depth; i++) {
      overlay.forget(stack[i], 1);
    }
  }

  /** The names of a path given as bytes; empty names (repeated slashes) are skipped. */
  static byte[][] split(byte[] path) {
    int count = 0;
    for (int i = 0; i < path.length; i++) {
      if (path[i] != '/' && (i == 0 || path[i - 1] == '/')) {
        count++;
      }
    }
    byte[][] out = new byte[count][];
    int k = 0;
    int start = -1;
    for (int i = 0; i <= path.length; i++) {
      boolean slash = i == path.length || path[i] == '/';
      if (slash && start >= 0) {
        out[k++] = Arrays.copyOfRange(path, start, i);
        start = -1;
      } else if (!slash && start < 0) {
        start = i;
      }
    }
    return out;
  }

  private static byte[][] concat(byte[][] first, byte[][] second, byte[][] rest, int from) {
    byte[][] out = new byte[first.length + second.length + rest.length - from][];
    System.arraycopy(first, 0, out, 0, first.length);
    System.arraycopy(second, 0, out, first.length, second.length);
    System.arraycopy(rest, from, out, first.length + second.length, rest.length - from);
    return out;
  }
}
