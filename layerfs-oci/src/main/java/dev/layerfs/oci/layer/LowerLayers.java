package dev.layerfs.oci.layer;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The merged view of read-only layer directories in the kernel's format, as overlayfs looks names up in them:
 * the top layer first, a whiteout hides what is below, an opaque directory stops the merge, a non-directory ends
 * it. Diff needs it to tell what a renamed or opaque directory hides; apply to refuse paths through a lower
 * symlink.
 *
 * <p>Every directory is reached through open descriptors, one component at a time, never by a path string.
 */
final class LowerLayers implements AutoCloseable {
  private static final byte[] DOT = {'.'};

  private final OverlayNamespace namespace;
  private final int[] roots;
  private final List<String> names;

  private LowerLayers(OverlayNamespace namespace, int[] roots, List<String> names) {
    this.namespace = namespace;
    this.roots = roots;
    this.names = names;
  }

  /** Opens the layers, the top one first; an empty list gives a view with nothing in it. */
  static LowerLayers open(List<Path> layers, OverlayNamespace namespace) throws IOException {
    int[] fds = new int[layers.size()];
    int opened = 0;
    try {
      for (Path layer : layers) {
        fds[opened] = Fds.openDirectory(layer);
        opened++;
      }
    } catch (PosixException e) {
      for (int i = 0; i < opened; i++) {
        Posix.closeQuietly(fds[i]);
      }
      throw new IOException("lower layer " + layers.get(opened) + ": " + e.getMessage(), e);
    }
    return new LowerLayers(namespace, fds, layers.stream().map(Path::toString).toList());
  }

  boolean isEmpty() {
    return roots.length == 0;
  }

  /** The merged root: every layer's root directory. */
  Stack root() {
    int[] layers = new int[roots.length];
    Arrays.setAll(layers, i -> i);
    return new Stack(layers, roots.clone(), false);
  }

  /**
   * Looks {@code name} up in a merged directory: null when no layer has it or a whiteout hides it, else the
   * topmost object and, for a directory, the stack of real directories it merges.
   */
  Found child(Stack dir, byte[] name) throws PosixException {
    Found found = null;
    List<Integer> layers = new ArrayList<>();
    List<Integer> fds = new ArrayList<>();
    try {
      for (int i = 0; i < dir.fds.length; i++) {
        Stat st = Posix.lstatatOrNull(dir.fds[i], name);
        if (st == null) {
          continue;
        }
        if (isWhiteout(namespace, dir.fds[i], name, st)) {
          break;
        }
        if (found == null) {
          found = new Found(dir.layers[i], dir.fds[i], name, st, null);
          if (!st.isDirectory()) {
            return found;
          }
        } else if (!st.isDirectory()) {
          break;
        }
        layers.add(dir.layers[i]);
        fds.add(Fds.openDirectory(dir.fds[i], name));
        if (isOpaque(namespace, dir.fds[i], name)) {
          break;
        }
      }
    } catch (PosixException | RuntimeException e) {
      fds.forEach(Posix::closeQuietly);
      throw e;
    }
    if (found == null) {
      return null;
    }
    Stack stack = new Stack(layers.stream().mapToInt(Integer::intValue).toArray(),
        fds.stream().mapToInt(Integer::intValue).toArray(), true);
    return new Found(found.layer, found.parentFd, name, found.stat, stack);
  }

  /**
   * The object at {@code path} from the root, or null. Its {@code parentFd} is -1 (the directories on the way are
   * closed); a directory's stack must be closed by the caller.
   */
  Found lookup(EntryPath path) throws PosixException {
    if (path.isRoot()) {
      throw new IllegalArgumentException("the root is not looked up");
    }
    Stack dir = root();
    try {
      for (int i = 0; ; i++) {
        Found found = child(dir, path.parts()[i]);
        if (found == null) {
          return null;
        }
        if (i == path.depth() - 1) {
          return new Found(found.layer, -1, found.name, found.stat, found.stack);
        }
        if (!found.stat.isDirectory()) {
          return null;
        }
        dir.close();
        dir = found.stack;
      }
    } finally {
      dir.close();
    }
  }

  /** The lower directories under {@code name} in {@code dir}: an empty stack when no layer has a directory there. */
  Stack directory(Stack dir, byte[] name) throws PosixException {
    return dir == null || dir.isEmpty() ? Stack.empty() : directoryOrEmpty(child(dir, name));
  }

  /**
   * The lower directories an upper directory renamed from elsewhere stands for, found as the kernel follows its
   * redirect xattr: a name in the parent's lower directories, or an absolute path from the root. {@code where} names
   * the upper directory in the error about a redirect that is neither.
   */
  Stack redirected(Stack parentBelow, byte[] redirect, String where) throws IOException {
    if (isName(redirect)) {
      return directory(parentBelow, redirect);
    }
    return directoryOrEmpty(lookup(absolutePath(redirect, "upper directory '" + where + "'")));
  }

  private static Stack directoryOrEmpty(Found found) {
    if (found == null) {
      return Stack.empty();
    }
    if (!found.stat().isDirectory()) {
      found.close();
      return Stack.empty();
    }
    return found.stack();
  }

  /**
   * Opens the file that holds the data of a metacopy file (the kernel's {@code metacopy=on}: the metadata copied up,
   * the data left below), found as the kernel's lookup continues below one: in the layers under {@code above} (-1
   * for an upper file), by the file's own name in {@code dir}, the lower directories of its parent, or by its
   * redirect (a name in the same directories, or an absolute path walked in each layer from its root); a lower
   * metacopy file on the way sends the search further down, by its own redirect if it has one. A whiteout or an
   * object that is not a regular file ends the search. {@code where} names the file in errors.
   */
  Data metacopyData(Stack dir, int above, byte[] name, byte[] redirect, String where) throws IOException {
    byte[] wanted = name;
    EntryPath absolute = null;
    int from = above + 1;
    while (true) {
      if (redirect != null && isName(redirect)) {
        wanted = redirect;
        absolute = absolute == null ? null : absolute.parent().child(redirect);
      } else if (redirect != null) {
        absolute = absolutePath(redirect, "'" + where + "'");
      }
      Candidate found = absolute == null ? inDirectory(dir, from, wanted) : fromRoots(from, absolute);
      if (found == null) {
        throw new IOException("'" + where + "' is a metacopy file (" + namespace.metacopy() + ") whose data no "
            + "lower layer below it has");
      }
      try {
        if (readXattr(found.dirFd, found.name, namespace.metacopy()) == null) {
          int fd = Posix.openat(found.dirFd, found.name, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK);
          return new Data(fd, Posix.fstat(fd));
        }
        redirect = readXattr(found.dirFd, found.name, namespace.redirect());
        from = found.layer + 1;
      } finally {
        found.close();
      }
    }
  }

  /** The path an absolute redirect names; {@code what} names its owner in the error about any other value. */
  private EntryPath absolutePath(byte[] redirect, String what) throws IOException {
    String invalid = what + " has an invalid " + namespace.redirect() + " '" + Names.printable(redirect) + "'";
    if (redirect.length == 0 || redirect[0] != '/') {
      throw new IOException(invalid);
    }
    EntryPath path;
    try {
      path = EntryPath.parse(Arrays.copyOfRange(redirect, 1, redirect.length));
    } catch (EntryPath.ProblemException e) {
      throw new IOException(invalid + ": " + e.getMessage());
    }
    if (path.isRoot()) {
      throw new IOException(invalid);
    }
    return path;
  }

  private static boolean isName(byte[] name) {
    if (name.length == 0) {
      return false;
    }
    for (byte b : name) {
      if (b == '/') {
        return false;
      }
    }
    return true;
  }

  /** The topmost regular file {@code name} in the directories of {@code dir} from layer {@code from} down. */
  private Candidate inDirectory(Stack dir, int from, byte[] name) throws PosixException {
    if (dir == null) {
      return null;
    }
    for (int i = 0; i < dir.fds.length; i++) {
      if (dir.layers[i] < from) {
        continue;
      }
      Stat st = Posix.lstatatOrNull(dir.fds[i], name);
      if (st != null) {
        return st.isRegularFile() && !isWhiteout(namespace, dir.fds[i], name, st)
            ? new Candidate(dir.layers[i], dir.fds[i], name, false) : null;
      }
    }
    return null;
  }

  /**
   * The topmost regular file at {@code path}, walked within each layer from {@code from} down (as the kernel follows
   * an absolute redirect): a layer without the path is passed over; a whiteout, a non-directory on the way or an
   * object that is not a regular file at its end ends the search.
   */
  private Candidate fromRoots(int from, EntryPath path) throws PosixException {
    byte[][] parts = path.parts();
    for (int layer = from; layer < roots.length; layer++) {
      int dirFd = roots[layer];
      boolean owned = false;
      try {
        for (int i = 0; ; i++) {
          Stat st = Posix.lstatatOrNull(dirFd, parts[i]);
          if (st == null) {
            break;
          }
          if (isWhiteout(namespace, dirFd, parts[i], st)) {
            return null;
          }
          if (i == path.depth() - 1) {
            if (!st.isRegularFile()) {
              return null;
            }
            Candidate found = new Candidate(layer, dirFd, parts[i], owned);
            owned = false;
            return found;
          }
          if (!st.isDirectory()) {
            return null;
          }
          int next = Fds.openDirectory(dirFd, parts[i]);
          if (owned) {
            Posix.closeQuietly(dirFd);
          }
          dirFd = next;
          owned = true;
        }
      } finally {
        if (owned) {
          Posix.closeQuietly(dirFd);
        }
      }
    }
    return null;
  }

  /** A regular file found in a layer; {@code dirFd} is closed with it when the search opened it. */
  private record Candidate(int layer, int dirFd, byte[] name, boolean ownsDir) implements AutoCloseable {
    @Override
    public void close() {
      if (ownsDir) {
        Posix.closeQuietly(dirFd);
      }
    }
  }

  /** The open data file of a metacopy file and its status; the caller closes {@code fd}. */
  record Data(int fd, Stat stat) {}

  /**
   * The names of a merged directory that are visible: each layer's names, top first, without the ones a
   * whiteout or an opaque directory hides. Order is unspecified.
   */
  List<byte[]> names(Stack dir) throws PosixException {
    Map<String, byte[]> all = new LinkedHashMap<>();
    for (int fd : dir.fds) {
      for (DirEntry e : Posix.readDirectory(fd, DOT)) {
        all.putIfAbsent(new String(e.name(), StandardCharsets.ISO_8859_1), e.name());
      }
    }
    List<byte[]> visible = new ArrayList<>();
    for (byte[] name : all.values()) {
      try (Found found = child(dir, name)) {
        if (found != null) {
          visible.add(name);
        }
      }
    }
    return visible;
  }

  /** The layer's directory as given, for messages. */
  String layerName(int layer) {
    return names.get(layer);
  }

  @Override
  public void close() {
    for (int fd : roots) {
      Posix.closeQuietly(fd);
    }
  }

  /** The kernel's two whiteouts: a 0/0 character device, or a size-0 file with the whiteout attribute. */
  static boolean isWhiteout(OverlayNamespace namespace, int dirFd, byte[] name, Stat st) throws PosixException {
    if (st.isCharDevice() && st.rdev() == 0) {
      return true;
    }
    return st.isRegularFile() && st.size() == 0 && readXattr(dirFd, name, namespace.whiteout()) != null;
  }

  /** The kernel's test: the opaque attribute is exactly {@code y}. */
  static boolean isOpaque(OverlayNamespace namespace, int dirFd, byte[] name) throws PosixException {
    byte[] value = readXattr(dirFd, name, namespace.opaque());
    return value != null && value.length == 1 && value[0] == 'y';
  }

  /** An attribute's value, or null when it is absent or the filesystem has no attributes. */
  static byte[] readXattr(int dirFd, byte[] name, String attr) throws PosixException {
    try {
      return Xattrs.get(dirFd, name, attr);
    } catch (PosixException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        return null;
      }
      throw e;
    }
  }

  /** The real directories of one merged directory, top first, as open descriptors. */
  static final class Stack implements AutoCloseable {
    final int[] layers;
    final int[] fds;
    private final boolean owned;

    Stack(int[] layers, int[] fds, boolean owned) {
      this.layers = layers;
      this.fds = fds;
      this.owned = owned;
    }

    static Stack empty() {
      return new Stack(new int[0], new int[0], true);
    }

    boolean isEmpty() {
      return fds.length == 0;
    }

    @Override
    public void close() {
      if (owned) {
        for (int fd : fds) {
          Posix.closeQuietly(fd);
        }
      }
    }
  }

  /**
   * The topmost object of a name: the layer it is in, its directory's descriptor there (owned by the stack it
   * was looked up in), its status and, for a directory, its own stack.
   */
  record Found(int layer, int parentFd, byte[] name, Stat stat, Stack stack) implements AutoCloseable {
    @Override
    public void close() {
      if (stack != null) {
        stack.close();
      }
    }
  }
}
