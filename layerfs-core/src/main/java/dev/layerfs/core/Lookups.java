package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.core.Node.Name;
import dev.layerfs.core.Overlay.Location;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Fd;
import dev.layerfs.posix.FileHandle;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds names through the layers as the kernel's {@code ovl_lookup} does: upper first, then each lower layer,
 * stopping at a whiteout, an opaque directory or a non-directory, and following {@code overlay.redirect}.
 *
 * <p>Besides the kernel's whiteouts (character device 0/0, and empty files marked {@code overlay.whiteout}), lower
 * layers may use the OCI convention of fuse-overlayfs: a {@code .wh.NAME} file hides NAME, and a
 * {@code .wh..wh..opq} file makes its directory opaque. The whiteout files themselves are never seen, as the OCI
 * image spec requires and fuse-overlayfs does: a lookup of a {@code .wh.} name does not search the lower layers.
 */
final class Lookups {
  static final byte[] WH_PREFIX = Names.bytes(".wh.");

  /** Whether the first {@code length} bytes of {@code name} are an OCI whiteout: {@code .wh.} and a name it hides. */
  static boolean isOciWhiteout(byte[] name, int length) {
    return length > WH_PREFIX.length && Arrays.equals(name, 0, WH_PREFIX.length, WH_PREFIX, 0, WH_PREFIX.length);
  }
  static final byte[] WH_OPAQUE = Names.bytes(".wh..wh..opq");

  private final Overlay o;

  Lookups(Overlay overlay) {
    this.o = overlay;
  }

  Node root() throws PosixException {
    Lower[] lowers = new Lower[o.lowers.length];
    for (int i = 0; i < lowers.length; i++) {
      Layer layer = o.lowers[i];
      Stat st = Posix.fstat(layer.rootFd);
      DirMarks marks = DirMarks.read(o, layer, new byte[0]);
      lowers[i] = new Lower(layer, new byte[0], st.ino(), st.nlink(), marks.xwhiteouts());
    }
    Node root = new Node(null, null, Posix.S_IFDIR, lowers, o.upper != null);
    if (o.upper != null) {
      root.ino = Posix.fstat(o.upper.rootFd).ino();
      root.impure = DirMarks.read(o, o.upper, new byte[0]).impure();
    } else {
      root.ino = o.inodes.map(lowers[0].layer(), lowers[0].ino());
    }
    root.refs.set(1);
    return root;
  }

  Node child(Node dir, byte[] name, String call) throws PosixException {
    Node node = childOrNull(dir, name);
    if (node == null) {
      throw new PosixException(Errno.ENOENT, call, "/" + Names.printable(Names.join(path(dir), name)));
    }
    return node;
  }

  /** The cached node for a name, or the one the layers give, or null for no such name. */
  Node childOrNull(Node dir, byte[] name) throws PosixException {
    Resolved found = lookup(dir, name);
    return found == null ? null : found.node();
  }

  /**
   * Like {@link #childOrNull}, with the node's attributes: a node the layers have just given comes with the stat
   * its lookup made of the top object, so a cold lookup (a FUSE LOOKUP, a READDIRPLUS entry) stats it once.
   */
  NodeAttributes childWithAttributes(Node dir, byte[] name) throws PosixException {
    Resolved found = lookup(dir, name);
    if (found == null) {
      return null;
    }
    Node node = found.node();
    return new NodeAttributes(node, found.top() != null ? attributes(node, found.top()) : attributes(node));
  }

  /** A node and, when it was just resolved from the layers, its top object's stat (else null). */
  private record Resolved(Node node, Stat top) {}

  private Resolved lookup(Node dir, byte[] name) throws PosixException {
    checkAlive(dir, "lookup");
    Name key = new Name(name);
    Node cached = dir.children.get(key);
    if (cached != null) {
      cached.recentlyUsed = true;
      return new Resolved(cached, null);
    }
    dir.dirLock.readLock().lock();
    try {
      cached = dir.children.get(key);
      if (cached != null) {
        return new Resolved(cached, null);
      }
      Resolved found = resolve(dir, name);
      if (found == null) {
        return null;
      }
      Node raced = dir.children.putIfAbsent(key, found.node());
      if (raced != null) {
        return new Resolved(raced, null);
      }
      o.cached(found.node());
      return found;
    } finally {
      dir.dirLock.readLock().unlock();
    }
  }

  /** Adds a node made by a create, link or rename to its directory's cache; call with the directory locked. */
  void insert(Node dir, Node child) {
    if (dir.children.put(new Name(child.name), child) == null) {
      o.cached(child);
    }
  }

  /** Forgets a name whose object was removed or replaced; open handles keep the node itself. */
  void detach(Node dir, byte[] name) {
    Node gone = dir.children.remove(new Name(name));
    if (gone != null) {
      gone.dead = true;
      o.uncached(1);
    }
  }

  /** Asks the layers what {@code name} in {@code dir} is, ignoring the cache. */
  private Resolved resolve(Node dir, byte[] name) throws PosixException {
    byte[] path = Names.join(path(dir), name);
    Stat upperStat = null;
    DirMarks upperMarks = DirMarks.NONE;
    if (dir.inUpper) {
      upperStat = o.upper.statOrNull(path);
      if (upperStat != null) {
        if (isWhiteout(o.upper, path, upperStat)) {
          return null;
        }
        if (!upperStat.isDirectory()) {
          return new Resolved(upperNonDirectory(dir, name, path, upperStat), upperStat);
        }
        upperMarks = DirMarks.read(o, o.upper, path);
      }
    }
    boolean searchLowers = upperStat == null || !upperMarks.opaque();
    LowerSearch search = new LowerSearch(dir, name, upperStat != null);
    if (searchLowers) {
      byte[] redirect = upperStat != null ? followedRedirect(upperMarks, path) : null;
      if (redirect != null) {
        search.run(dir.lowers, redirect);
      } else if (dir.lowers.length > 0 && !isOciWhiteout(name, name.length) && LowerNames.mayHave(dir, name)) {
        search.run(dir.lowers, name);
        if (search.top == null) {
          LowerNames.missed(dir);
        }
      }
    }
    if (search.file != null) {
      search.checkData(path);
      Node node = new Node(dir, name, search.top.type(), search.fileStack(), false);
      node.ino = o.inodes.map(search.file.layer(), search.file.ino());
      return new Resolved(node, search.top);
    }
    Lower[] found = search.dirs.toArray(new Lower[0]);
    if (upperStat == null) {
      if (found.length == 0) {
        return null;
      }
      Node node = new Node(dir, name, Posix.S_IFDIR, found, false);
      node.ino = o.inodes.map(found[0].layer(), found[0].ino());
      return new Resolved(node, search.top);
    }
    Node node = new Node(dir, name, Posix.S_IFDIR, found, true);
    node.opaque = upperMarks.opaque();
    node.redirect = upperMarks.redirect();
    node.impure = upperMarks.impure();
    node.hasOrigin = upperMarks.origin();
    if (found.length > 0) {
      node.ino = o.inodes.map(found[0].layer(), found[0].ino());
      if (!upperMarks.origin() && o.work != null) {
        o.copyUp.fixOrigin(dir, path, found[0]);
        node.hasOrigin = true;
        return new Resolved(node, null);  // the new xattr changed its ctime: stat it again
      }
    } else {
      node.ino = o.inodes.map(o.upper, upperStat.ino());
    }
    return new Resolved(node, upperStat);
  }

  private byte[] followedRedirect(DirMarks marks, byte[] path) throws PosixException {
    if (marks.redirect() == null) {
      return null;
    }
    if (!o.options.redirectDir().follows()) {
      throw new PosixException(Errno.EPERM, "lookup", "/" + Names.printable(path),
          "refusing to follow redirect (redirect_dir=" + o.options.redirectDir().name().toLowerCase() + ")");
    }
    return marks.redirect();
  }

  /**
   * An upper non-directory: its inode number is its origin's when the origin can still be found. A regular file's
   * marks (origin, metacopy, redirect) are found with one {@code listxattr} and only the present ones read: one
   * call for a file made in upper, two for a copied-up one (the kernel reads origin and metacopy for each).
   */
  private Node upperNonDirectory(Node dir, byte[] name, byte[] path, Stat st) throws PosixException {
    byte[] originValue;
    try (Layer.Location at = o.upper.locate(path)) {
      if (!st.isRegularFile()) {
        originValue = OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.origin);
      } else {
        List<String> names = listXattrs(at);
        originValue = names.contains(o.xattrs.origin)
            ? OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.origin) : null;
        byte[] metacopy = names.contains(o.xattrs.metacopy)
            ? OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.metacopy) : null;
        if (metacopy != null) {
          byte[] redirect = names.contains(o.xattrs.redirect)
              ? OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.redirect) : null;
          return upperMetacopy(dir, name, path, st, metacopy, redirect);
        }
      }
    }
    Lower origin = originValue == null || originValue.length == 0 ? null : findOrigin(dir, name, originValue);
    Node node = new Node(dir, name, st.type(), origin == null ? new Lower[0] : new Lower[] {origin}, true);
    node.ino = node.hasConstIno() ? o.inodes.map(origin.layer(), origin.ino()) : o.inodes.map(o.upper, st.ino());
    return node;
  }

  /**
   * An upper metacopy file: its data is found as the kernel's {@code ovl_lookup} finds it, by looking the name (or
   * the file's redirect) up in the lower layers and following lower metacopy files down to a file with data; the
   * origin handle plays no part. No data below is EIO.
   */
  private Node upperMetacopy(Node dir, byte[] name, byte[] path, Stat st, byte[] metacopy, byte[] redirect)
      throws PosixException {
    String where = "/" + Names.printable(path);
    OverlayXattrs.checkMetacopy(metacopy, where);
    if (redirect != null) {
      DirMarks.checkRedirect(redirect, o.upper, path);
    }
    LowerSearch search = new LowerSearch(dir, name, false);
    search.followingMetacopy = true;
    search.followingRedirect = redirect != null;
    search.run(dir.lowers, redirect != null ? redirect : name);
    search.checkData(path);
    Node node = new Node(dir, name, Posix.S_IFREG, search.fileStack(), true);
    node.metacopy = new Node.Metacopy();
    node.redirect = redirect;
    node.ino = node.hasConstIno() ? o.inodes.map(node.lowers[0].layer(), node.lowers[0].ino())
        : o.inodes.map(o.upper, st.ino());
    return node;
  }

  private static List<String> listXattrs(Layer.Location at) throws PosixException {
    try {
      return Xattrs.list(at.dirfd(), at.name());
    } catch (PosixException e) {
      if (e.errno() != Errno.EOPNOTSUPP) {
        throw e;
      }
      return List.of();
    }
  }

  /**
   * Finds the lower object an origin handle names: first where it most likely is (the same name below), which
   * needs no privilege, then by opening the handle, which needs {@code CAP_DAC_READ_SEARCH}.
   */
  private Lower findOrigin(Node dir, byte[] name, byte[] value) throws PosixException {
    Origin origin = Origin.decode(value);
    if (origin == null) {
      return null;
    }
    for (Lower base : dir.lowers) {
      byte[] path = Names.join(base.path(), name);
      Stat st = statOrNull(base.layer(), path);
      if (st == null) {
        continue;
      }
      FileHandle fh;
      try (Layer.Location at = base.layer().locate(path)) {
        fh = Posix.nameToHandleAt(at.dirfd(), at.name(), 0);
      }
      if (fh != null && origin.matches(fh)) {
        return new Lower(base.layer(), path, st.ino(), st.nlink(), false);
      }
      break;
    }
    if (!o.privileged) {
      return null;
    }
    for (Layer layer : o.lowers) {
      try (Fd mount = new Fd(Posix.openat(layer.rootFd, new byte[] {'.'}, Posix.O_RDONLY | Posix.O_DIRECTORY));
          Fd fd = new Fd(Posix.openByHandleAt(mount.value(), origin.handle(), Posix.O_PATH))) {
        Stat st = Posix.fstat(fd.value());
        if (st.dev() == layer.dev) {
          return new Lower(layer, null, st.ino(), st.nlink(), false);
        }
      } catch (PosixException e) {
        // Not on this layer's filesystem, or gone: try the next layer.
      }
    }
    return null;
  }

  /** True when a lower layer below {@code dir} shows {@code name}: removing the name then needs a whiteout. */
  boolean lowerPositive(Node dir, byte[] name) throws PosixException {
    if (isOciWhiteout(name, name.length)) {
      return false;
    }
    for (Lower base : dir.lowers) {
      byte[] path = Names.join(base.path(), name);
      Stat st = statOrNull(base.layer(), path);
      if (st != null) {
        return !isWhiteout(base.layer(), path, st);
      }
      if (hasOciWhiteout(base.layer(), base.path(), name)) {
        return false;
      }
    }
    return false;
  }

  /** The merged attributes of a node. */
  Stat attributes(Node node) throws PosixException {
    return attributes(node, onTop(node, at -> at.layer().stat(at.path())));
  }

  /**
   * The overlay's attributes of a node from its top object's stat: the overlay's device and inode number, and for
   * a metacopy file the blocks its data takes, as the kernel's {@code ovl_getattr} reports.
   */
  private Stat attributes(Node node, Stat st) throws PosixException {
    Stat mapped = st.withDevIno(o.upper != null ? o.upper.dev : o.lowers[0].dev, node.ino);
    Lower data = node.lowerData();
    if (data != null) {
      mapped = mapped.withBlocks(data.layer().stat(data.path()).blocks());
    }
    boolean merged = node.isDirectory() && (node.inUpper ? node.lowers.length > 0 : node.lowers.length > 1);
    return merged ? mapped.withNlink(1) : mapped;
  }

  /** Where the object visible at a node is: its upper copy, or the top lower one. */
  private Location top(Node node) throws PosixException {
    checkAlive(node, "stat");
    if (node.inUpper) {
      return new Location(o.upper, path(node));
    }
    Lower lower = node.lowers[0];
    return new Location(lower.layer(), lower.path());
  }

  /**
   * Where a regular file's data is: the lower data file of a metacopy file, else its top object. A metacopy node
   * may be stale when the file's data was copied up through a hard link looked up on its own (links made through
   * this overlay share the state): the upper file says.
   */
  Location data(Node node) throws PosixException {
    Lower data = node.lowerData();
    if (data != null && node.inUpper) {
      try (Layer.Location at = o.upper.locate(path(node))) {
        if (OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.metacopy) == null) {
          node.metacopy.dataCopiedUp = true;
          data = null;
        }
      }
    }
    return data != null ? new Location(data.layer(), data.path()) : top(node);
  }

  /** A call on the real object behind a node. */
  interface OnTop<T> {
    T call(Location at) throws PosixException;
  }

  /**
   * Runs a call on the real object behind a node while its parent directory cannot remove or replace the name
   * (removal holds the directory's write lock): the call reaches the object the name had when it started, never
   * the whiteout that replaces it or a file created after it.
   */
  <T> T onTop(Node node, OnTop<T> call) throws PosixException {
    return guarded(node, false, call);
  }

  /** Like {@link #onTop}, on the object that holds a regular file's data ({@link #data}). */
  <T> T onData(Node node, OnTop<T> call) throws PosixException {
    return guarded(node, true, call);
  }

  private <T> T guarded(Node node, boolean data, OnTop<T> call) throws PosixException {
    Node parent = node.parent;
    if (parent == null) {
      return call.call(top(node));
    }
    parent.dirLock.readLock().lock();
    try {
      return call.call(data ? data(node) : top(node));
    } finally {
      parent.dirLock.readLock().unlock();
    }
  }

  byte[] path(Node node) {
    return node.path(o.pathGeneration);
  }

  private void checkAlive(Node node, String call) throws PosixException {
    if (node.dead) {
      throw new PosixException(Errno.ENOENT, call, node.toString(), "the name was removed");
    }
  }

  /** A whiteout as the kernel sees one: a character device 0/0, or an empty file marked {@code overlay.whiteout}. */
  boolean isWhiteout(Layer layer, byte[] path, Stat st) throws PosixException {
    if (st.isCharDevice()) {
      return st.rdev() == 0;
    }
    return st.isRegularFile() && st.size() == 0 && isXattrWhiteout(layer, path);
  }

  boolean isXattrWhiteout(Layer layer, byte[] path) throws PosixException {
    try (Layer.Location at = layer.locate(path)) {
      return OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.whiteout) != null;
    }
  }

  /**
   * Whether a lower layer holds an OCI whiteout ({@code .wh.NAME}) for {@code name}, hiding it in the layers below;
   * the bottom layer has none below, so its whiteouts change nothing and are not looked for.
   */
  boolean hasOciWhiteout(Layer layer, byte[] dirPath, byte[] name) throws PosixException {
    if (layer.isUpper() || o.isBottom(layer)) {
      return false;
    }
    byte[] wh = Arrays.copyOf(WH_PREFIX, WH_PREFIX.length + name.length);
    System.arraycopy(name, 0, wh, WH_PREFIX.length, name.length);
    if (wh.length > Names.NAME_MAX) {
      return false;
    }
    return statOrNull(layer, Names.join(dirPath, wh)) != null;
  }

  /** Like {@link Layer#statOrNull} but a path through a non-directory is absent too. */
  static Stat statOrNull(Layer layer, byte[] path) throws PosixException {
    try {
      return layer.statOrNull(path);
    } catch (PosixException e) {
      if (e.errno() == Errno.ENOTDIR || e.errno() == Errno.ENAMETOOLONG) {
        return null;
      }
      throw e;
    }
  }

  /** The walk down the lower layers for one name, collecting the directories that merge. */
  private final class LowerSearch {
    final List<Lower> dirs = new ArrayList<>();
    final Node dir;
    final byte[] name;
    final boolean upperIsDirectory;
    /** The topmost lower non-directory found (the kernel's first lower, whose inode number a file keeps). */
    Lower file;
    /** The file holding the data, when the walk followed a metacopy file down to it. */
    Lower data;
    /** The stat of the topmost object found: the non-directory, or the first directory of the stack. */
    Stat top;
    /** The walk goes on below a metacopy file for its data; a metacopy=off overlay refuses to (EPERM). */
    boolean followingMetacopy;
    /** A metacopy file's redirect is being followed; redirect_dir=nofollow refuses to (EPERM). */
    boolean followingRedirect;
    private boolean stopAll;
    private boolean stopAfterLayer;
    /** Where the walk is: the name looked for (a path from the root after an absolute redirect) in which layers. */
    private boolean absolute;
    private byte[] target;
    private Lower[] stack;
    private int i;

    LowerSearch(Node dir, byte[] name, boolean upperIsDirectory) {
      this.dir = dir;
      this.name = name;
      this.upperIsDirectory = upperIsDirectory;
    }

    void run(Lower[] parentStack, byte[] lookupName) throws PosixException {
      absolute = lookupName.length > 0 && lookupName[0] == '/';
      target = absolute ? Arrays.copyOfRange(lookupName, 1, lookupName.length) : lookupName;
      stack = absolute ? o.root.lowers : parentStack;
      i = 0;
      while (i < stack.length) {
        checkFollowing();
        Lower base = stack[i];
        Layer layer = base.layer();
        byte[] path = absolute ? target : Names.join(base.path(), target);
        stopAfterLayer = false;
        if (absolute && !walkIntermediates(layer, path)) {
          if (stopAll) {
            return;
          }
          i++;
          continue;
        }
        Stat st = statOrNull(layer, path);
        if (st == null) {
          int slash = lastSlash(path);
          byte[] parent = slash < 0 ? new byte[0] : Arrays.copyOf(path, slash);
          if (hasOciWhiteout(layer, parent, Arrays.copyOfRange(path, slash + 1, path.length))) {
            return;
          }
          if (stopAfterLayer) {
            return;
          }
          i++;
          continue;
        }
        if (isWhiteout(layer, path, st)) {
          return;
        }
        if (top == null) {
          top = st;
        }
        if (followingMetacopy && !st.isRegularFile()) {
          return;
        }
        if (!st.isDirectory()) {
          if (upperIsDirectory || !dirs.isEmpty()) {
            return;
          }
          Lower found = new Lower(layer, path, st.ino(), st.nlink(), false);
          if (file == null) {
            file = found;
          }
          byte[] redirect = st.isRegularFile() ? metacopyRedirect(layer, path) : null;
          if (redirect == null) {
            if (followingMetacopy) {
              data = found;
            }
            return;
          }
          followingMetacopy = true;
          if (redirect.length == 0) {
            i++;
            continue;
          }
          followingRedirect = true;
          redirectBelow(layer, redirect);
          continue;
        }
        DirMarks marks = DirMarks.read(o, layer, path);
        dirs.add(new Lower(layer, path, st.ino(), st.nlink(), marks.xwhiteouts()));
        boolean absoluteRedirect = marks.redirect() != null && marks.redirect()[0] == '/';
        if (marks.opaque() || (stopAfterLayer && !absoluteRedirect)) {
          return;
        }
        byte[] redirect = marks.redirect();
        if (redirect != null && o.options.redirectDir().follows()) {
          redirectBelow(layer, redirect);
          continue;
        }
        i++;
      }
    }

    /**
     * Goes on in the layers below {@code layer} at a redirect: an absolute one from the root's lower directories, a
     * relative one as a new last name.
     */
    private void redirectBelow(Layer layer, byte[] redirect) {
      if (redirect[0] == '/') {
        absolute = true;
        target = Arrays.copyOfRange(redirect, 1, redirect.length);
        stack = o.root.lowers;
        i = layer.index;
      } else {
        target = absolute ? replaceLast(target, redirect) : redirect;
        i++;
      }
    }

    /**
     * Walks the directories of an absolute redirect in one layer one by one, as the kernel does, never through a
     * symlink: answers false when the layer has nothing there, with {@link #stopAll} set when a whiteout or a
     * non-directory on the way hides all layers below; an opaque directory on the way stops the search after this
     * layer.
     */
    private boolean walkIntermediates(Layer layer, byte[] path) throws PosixException {
      stopAll = false;
      for (int i = 0; i < path.length; i++) {
        if (path[i] != '/') {
          continue;
        }
        byte[] prefix = Arrays.copyOf(path, i);
        Stat st = statOrNull(layer, prefix);
        if (st == null) {
          return false;
        }
        if (!st.isDirectory() || isWhiteout(layer, prefix, st)) {
          stopAll = true;
          return false;
        }
        stopAfterLayer |= DirMarks.read(o, layer, prefix).opaque();
      }
      return true;
    }

    /**
     * Null for a file with its own data; for a metacopy file its redirect, or an empty name when it has none (the
     * walk then looks for the same name below).
     */
    private byte[] metacopyRedirect(Layer layer, byte[] path) throws PosixException {
      try (Layer.Location at = layer.locate(path)) {
        byte[] metacopy = OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.metacopy);
        if (metacopy == null) {
          return null;
        }
        OverlayXattrs.checkMetacopy(metacopy, layer + "/" + Names.printable(path));
        byte[] redirect = OverlayXattrs.read(at.dirfd(), at.name(), o.xattrs.redirect);
        if (redirect == null) {
          return new byte[0];
        }
        DirMarks.checkRedirect(redirect, layer, path);
        return redirect;
      }
    }

    /** The kernel refuses to look further below a metacopy file or through its redirect unless the options allow. */
    private void checkFollowing() throws PosixException {
      if (followingMetacopy && !o.options.metacopy()) {
        throw new PosixException(Errno.EPERM, "lookup", where(), "refusing to follow metacopy origin (metacopy=off)");
      }
      if (followingRedirect && !o.options.redirectDir().follows()) {
        throw new PosixException(Errno.EPERM, "lookup", where(), "refusing to follow redirect (redirect_dir="
            + o.options.redirectDir().name().toLowerCase(java.util.Locale.ROOT) + ")");
      }
    }

    private String where() {
      return "/" + Names.printable(Names.join(path(dir), name));
    }

    /** A metacopy file whose data was not found is EIO, as in the kernel. */
    void checkData(byte[] path) throws PosixException {
      if (followingMetacopy && data == null) {
        throw new PosixException(Errno.EIO, "lookup", "/" + Names.printable(path), "metacopy with no lower data found");
      }
    }

    /** The lower objects of a non-directory: the top one and, for a metacopy file, the one with the data. */
    Lower[] fileStack() {
      return data == null || data == file ? new Lower[] {file} : new Lower[] {file, data};
    }
  }

  private static int lastSlash(byte[] path) {
    for (int i = path.length - 1; i >= 0; i--) {
      if (path[i] == '/') {
        return i;
      }
    }
    return -1;
  }

  private static byte[] replaceLast(byte[] path, byte[] name) {
    int slash = lastSlash(path);
    return slash < 0 ? name : Names.join(Arrays.copyOf(path, slash), name);
  }

  /** The overlay marks of one directory in one layer, read with one {@code listxattr} in the common case. */
  record DirMarks(boolean opaque, boolean xwhiteouts, byte[] redirect, boolean impure, boolean origin) {
    static final DirMarks NONE = new DirMarks(false, false, null, false, false);

    static DirMarks read(Overlay o, Layer layer, byte[] path) throws PosixException {
      OverlayXattrs x = o.xattrs;
      boolean ociOpaque = !layer.isUpper() && !o.isBottom(layer)
          && statOrNull(layer, Names.join(path, WH_OPAQUE)) != null;
      List<String> names;
      try (Layer.Location at = layer.locate(path)) {
        names = listXattrs(at);
        boolean any = false;
        for (String n : names) {
          any |= x.isPrivate(n);
        }
        if (!any) {
          return ociOpaque ? new DirMarks(true, false, null, false, false) : NONE;
        }
        byte[] opaque = names.contains(x.opaque) ? OverlayXattrs.read(at.dirfd(), at.name(), x.opaque) : null;
        byte[] redirect = names.contains(x.redirect) ? OverlayXattrs.read(at.dirfd(), at.name(), x.redirect) : null;
        if (redirect != null) {
          checkRedirect(redirect, layer, path);
        }
        boolean xwhiteouts = !layer.isUpper() && opaque != null && opaque.length == 1 && opaque[0] == 'x';
        return new DirMarks(OverlayXattrs.isYes(opaque) || ociOpaque, xwhiteouts, redirect,
            names.contains(x.impure), names.contains(x.origin));
      }
    }

    static void checkRedirect(byte[] redirect, Layer layer, byte[] path) throws PosixException {
      if (!validRedirect(redirect)) {
        throw new PosixException(Errno.EINVAL, "lookup", layer + "/" + Names.printable(path),
            "invalid redirect '" + Names.printable(redirect) + "'");
      }
    }

    private static boolean validRedirect(byte[] r) {
      if (r.length == 0) {
        return false;
      }
      if (r[0] != '/') {
        return lastSlash(r) < 0;
      }
      for (int i = 1; i < r.length; i++) {
        if (r[i] == '/' && (r[i - 1] == '/' || i == r.length - 1)) {
          return false;
        }
      }
      return r.length > 1;
    }
  }
}
