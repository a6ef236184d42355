package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.core.Node.Name;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.StatFs;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The overlay engine: one merged view of lower layers and an upper layer, with the kernel overlayfs's semantics
 * and on-disk format, served to any frontend through nodes and handles.
 *
 * <p>Every operation that turns nodes into layer paths holds the tree read lock; renames hold the write lock,
 * since they change the paths of whole subtrees. Changes to one directory's entries hold that directory's lock.
 * Data I/O through an open handle takes no lock at all.
 */
public final class Overlay implements AutoCloseable {
  /** {@code OVERLAYFS_SUPER_MAGIC}, the {@code f_type} the kernel's overlay reports. */
  public static final long OVERLAYFS_SUPER_MAGIC = 0x794c7630L;
  /** The longest redirect the kernel writes ({@code redirect_max}); longer renames fail with EXDEV. */
  static final int REDIRECT_MAX = 256;
  /** The default of {@link #nodeCacheLimit(int)}. */
  public static final int NODE_CACHE_LIMIT = 100_000;

  final OverlayOptions options;
  final Layer upper;
  final Layer[] lowers;
  final WorkDir work;
  final OverlayXattrs xattrs;
  final Inodes inodes;
  final int euid = Posix.geteuid();
  final int egid = Posix.getegid();
  final boolean privileged = euid == 0;
  final int processUmask = Caller.processUmask();
  /** Origin handles record a null uuid: {@code uuid=off}, honoured (as by the kernel) when all layers share one fs. */
  final boolean nullOriginUuid;
  final Node root;
  final ReentrantReadWriteLock tree = new ReentrantReadWriteLock();
  final Lookups lookups;
  final CopyUp copyUp;
  final Changes changes;
  final Protection protection;
  final FileAttr fileAttr;
  /** Bumped by every rename, which may change the paths of many nodes; cached paths compare against it. */
  volatile long pathGeneration;

  private final InUseLock inUse;
  private final AtomicInteger cachedNodes = new AtomicInteger();
  private volatile int nodeCacheLimit = NODE_CACHE_LIMIT;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Overlay(OverlayOptions options, Layer upper, Layer[] lowers, WorkDir work, InUseLock inUse,
      int filesystems) throws PosixException {
    this.options = options;
    this.upper = upper;
    this.lowers = lowers;
    this.work = work;
    this.inUse = inUse;
    this.xattrs = new OverlayXattrs(options.userXattr());
    this.inodes = new Inodes(filesystems);
    this.nullOriginUuid = options.uuid() == OverlayOptions.Uuid.OFF && filesystems == 1;
    this.lookups = new Lookups(this);
    this.copyUp = new CopyUp(this);
    this.changes = new Changes(this);
    this.protection = new Protection(this);
    this.fileAttr = new FileAttr(this);
    this.root = lookups.root();
  }

  /**
   * Opens an overlay, checking the options against the filesystem first: every message names the option and the
   * path at fault, and nothing is written before all checks pass.
   */
  public static Overlay open(OverlayOptions options) throws PosixException {
    List<Layer> opened = new ArrayList<>();
    InUseLock inUse = null;
    WorkDir work = null;
    try {
      LayerSet set = LayerSet.open(options, opened);
      if (set.upper() != null) {
        inUse = InUseLock.acquire(options);
        if (!options.readOnly()) {
          work = WorkDir.prepare(set.workFd(), options.workDir().toString(), options.volatileWrites());
        }
      }
      Overlay overlay = new Overlay(options, set.upper(), set.lowers(), work, inUse, set.filesystems());
      Posix.closeQuietly(set.workFd());
      overlay.markNewUpper();
      return overlay;
    } catch (PosixException | RuntimeException e) {
      if (work != null) {
        work.close();
      }
      if (inUse != null) {
        inUse.close();
      }
      opened.forEach(Layer::close);
      throw e;
    }
  }

  /**
   * Gives the upper layer its random {@code overlay.uuid} as the kernel does: with {@code uuid=auto} on the first
   * mount of a new upper layer only, with {@code uuid=on} whenever it has none, never with {@code null} or {@code off}.
   */
  private void markNewUpper() throws PosixException {
    OverlayOptions.Uuid mode = options.uuid();
    if (work == null || mode == OverlayOptions.Uuid.NULL || mode == OverlayOptions.Uuid.OFF) {
      return;
    }
    byte[] dot = {'.'};
    if (OverlayXattrs.read(upper.rootFd, dot, xattrs.uuid) != null
        || mode == OverlayOptions.Uuid.AUTO && OverlayXattrs.read(upper.rootFd, dot, xattrs.impure) != null) {
      return;
    }
    byte[] uuid = Posix.getrandom(16);
    uuid[6] = (byte) ((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (byte) ((uuid[8] & 0x3f) | 0x80);
    try {
      Xattrs.set(upper.rootFd, dot, xattrs.uuid, uuid, 0);
    } catch (PosixException e) {
      if (e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EPERM) {
        throw e;
      }
    }
  }

  public OverlayOptions options() {
    return options;
  }

  /** The merged root directory; it is never forgotten. */
  public Node root() {
    return root;
  }

  public boolean isReadOnly() {
    return work == null;
  }

  /** Whether {@code layer} is the lowest: nothing lies below it to hide, so its opaque marks change nothing. */
  boolean isBottom(Layer layer) {
    return layer == lowers[lowers.length - 1];
  }

  // ---------------------------------------------------------------- names and nodes

  /**
   * Finds {@code name} in directory {@code dir} and takes a reference on the node, which {@link #forget} gives
   * back; a FUSE frontend maps this one to one onto LOOKUP and FORGET.
   */
  public Node lookup(Node dir, byte[] name) throws PosixException {
    checkName(dir, name, "lookup");
    Node node = readLocked(() -> lookups.child(dir, name, "lookup"));
    node.refs.incrementAndGet();
    return node;
  }

  /** Like {@link #lookup} but answers null, and takes no reference, when the name does not exist. */
  public Node lookupIfExists(Node dir, byte[] name) throws PosixException {
    checkName(dir, name, "lookup");
    Node node = readLocked(() -> lookups.childOrNull(dir, name));
    if (node != null) {
      node.refs.incrementAndGet();
    }
    return node;
  }

  /**
   * Like {@link #lookupIfExists}, with the node's attributes as {@link #getattr} gives them: a name the layers are
   * asked about for the first time is stat'ed once, not once to find it and again for its attributes.
   */
  public NodeAttributes lookupWithAttributes(Node dir, byte[] name) throws PosixException {
    checkName(dir, name, "lookup");
    NodeAttributes found = readLocked(() -> lookups.childWithAttributes(dir, name));
    if (found != null) {
      found.node().refs.incrementAndGet();
    }
    return found;
  }

  /** Takes one more reference on a node, for a frontend that hands a node on to a second holder. */
  public void hold(Node node) {
    node.refs.incrementAndGet();
  }

  /** The directory a node is in now (the root for the root), for walking "..". */
  public Node parentOf(Node node) {
    return readLockedUnchecked(() -> node.parent == null ? node : node.parent);
  }

  /** Gives back {@code count} references taken by {@link #lookup}. */
  public void forget(Node node, long count) {
    if (node == root) {
      return;
    }
    int left = node.refs.addAndGet((int) -count);
    if (left < 0) {
      node.refs.set(0);
    }
  }

  /** The merged path of a node, as {@code /a/b}, for messages and frontends that show paths. */
  public String pathOf(Node node) {
    return readLockedUnchecked(() -> node.printablePath(pathGeneration));
  }

  /** The merged path of a node as bytes without a leading slash. */
  public byte[] rawPathOf(Node node) {
    return readLockedUnchecked(() -> node.path(pathGeneration).clone());
  }

  /**
   * How many nodes the cache holds before the unused ones are trimmed ({@link #NODE_CACHE_LIMIT} unless set). Nodes
   * a frontend holds references to (and their ancestors) are never trimmed, and each trim walks the whole cache, so
   * a frontend that holds up to N nodes should allow well over N, such as 2N.
   */
  public void nodeCacheLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("node cache limit " + limit);
    }
    nodeCacheLimit = limit;
  }

  void cached(Node node) {
    cachedNodes.incrementAndGet();
  }

  /**
   * Drops unreferenced nodes nobody used since the last trim, leaves first, once the cache is over its limit: lookups
   * never fail for it, they only ask the layers again. Called after an operation let go of the tree read lock, since
   * the trim needs the write lock, which a holder of the read lock can never take (trying from {@link #cached}, under
   * the read lock, never succeeded). Past twice the limit it waits for the
   * lock rather than leaving the trim to a later operation, so that a busy overlay's cache stays bounded too.
   */
  private void trimCacheIfFull() {
    int cached = cachedNodes.get();
    int limit = nodeCacheLimit;
    if (cached <= limit || tree.getReadHoldCount() > 0 || tree.isWriteLockedByCurrentThread()) {
      return;
    }
    Lock write = tree.writeLock();
    if (cached > 2 * limit) {
      write.lock();
    } else if (!write.tryLock()) {
      return;
    }
    try {
      if (cachedNodes.get() > limit) {
        cachedNodes.addAndGet(-trim(root));
      }
    } finally {
      write.unlock();
    }
  }

  private static int trim(Node dir) {
    int removed = 0;
    var it = dir.children.values().iterator();
    while (it.hasNext()) {
      Node child = it.next();
      if (child.children != null) {
        removed += trim(child);
      }
      boolean leaf = child.children == null || child.children.isEmpty();
      if (leaf && child.refs.get() <= 0 && !child.recentlyUsed) {
        it.remove();
        removed++;
      } else {
        child.recentlyUsed = false;
      }
    }
    return removed;
  }

  void uncached(int count) {
    cachedNodes.addAndGet(-count);
  }

  // ---------------------------------------------------------------- attributes

  /** The merged attributes: the top copy's, with this overlay's inode number and the link count rules. */
  public Stat getattr(Node node) throws PosixException {
    return readLocked(() -> lookups.attributes(node));
  }

  public Stat setattr(Node node, SetAttr change) throws PosixException {
    checkWritable("setattr");
    return readLocked(() -> changes.setattr(node, change));
  }

  public byte[] readlink(Node node) throws PosixException {
    if (node.type != Posix.S_IFLNK) {
      throw new PosixException(Errno.EINVAL, "readlink", pathOf(node));
    }
    return readLocked(() -> lookups.onTop(node, at -> at.layer().readlink(at.path())));
  }

  // ---------------------------------------------------------------- creating

  /** Creates and opens a regular file, as {@code open(O_CREAT)}; EEXIST with {@code O_EXCL} when it exists. */
  public OpenFile create(Node dir, byte[] name, int flags, int mode, Caller caller) throws PosixException {
    checkWritable("create");
    checkName(dir, name, "create");
    return readLocked(() -> changes.createFile(dir, name, flags, mode, caller));
  }

  public Node mkdir(Node dir, byte[] name, int mode, Caller caller) throws PosixException {
    return make(dir, name, Posix.S_IFDIR | (mode & 07777), 0, null, caller, "mkdir");
  }

  /** Creates a fifo, socket or device node; a character device 0/0 (a whiteout) is refused as the kernel does. */
  public Node mknod(Node dir, byte[] name, int mode, long rdev, Caller caller) throws PosixException {
    int type = mode & Posix.S_IFMT;
    if (type == 0) {
      mode |= Posix.S_IFREG;
    } else if (type == Posix.S_IFDIR || type == Posix.S_IFLNK) {
      throw new PosixException(Errno.EINVAL, "mknod", Names.printable(name));
    }
    if (type == Posix.S_IFCHR && rdev == 0) {
      throw new PosixException(Errno.EPERM, "mknod", Names.printable(name), "a whiteout cannot be created");
    }
    return make(dir, name, mode, rdev, null, caller, "mknod");
  }

  public Node symlink(Node dir, byte[] name, byte[] target, Caller caller) throws PosixException {
    if (target.length == 0 || target.length >= Names.PATH_MAX) {
      throw new PosixException(target.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "symlink",
          Names.printable(name));
    }
    return make(dir, name, Posix.S_IFLNK | 0777, 0, target, caller, "symlink");
  }

  private Node make(Node dir, byte[] name, int mode, long rdev, byte[] target, Caller caller, String call)
      throws PosixException {
    checkWritable(call);
    checkName(dir, name, call);
    Node node = readLocked(() -> changes.make(dir, name, mode, rdev, target, caller, call));
    node.refs.incrementAndGet();
    return node;
  }

  /** A hard link: the source is copied up first, and both names then report its inode number. */
  public Node link(Node source, Node dir, byte[] name) throws PosixException {
    checkWritable("link");
    checkName(dir, name, "link");
    Node node = readLocked(() -> changes.link(source, dir, name));
    node.refs.incrementAndGet();
    return node;
  }

  // ---------------------------------------------------------------- removing and renaming

  public void unlink(Node dir, byte[] name) throws PosixException {
    checkWritable("unlink");
    checkName(dir, name, "unlink");
    readLockedDo(() -> changes.remove(dir, name, false));
  }

  public void rmdir(Node dir, byte[] name) throws PosixException {
    checkWritable("rmdir");
    checkName(dir, name, "rmdir");
    readLockedDo(() -> changes.remove(dir, name, true));
  }

  /** {@code renameat2}: flags 0, {@code RENAME_NOREPLACE} or {@code RENAME_EXCHANGE}; others are EINVAL. */
  public void rename(Node oldDir, byte[] oldName, Node newDir, byte[] newName, int flags) throws PosixException {
    checkWritable("rename");
    checkName(oldDir, oldName, "rename");
    checkName(newDir, newName, "rename");
    if ((flags & ~(Posix.RENAME_NOREPLACE | Posix.RENAME_EXCHANGE)) != 0
        || flags == (Posix.RENAME_NOREPLACE | Posix.RENAME_EXCHANGE)) {
      throw new PosixException(Errno.EINVAL, "rename", Names.printable(oldName), "unsupported flags " + flags);
    }
    Lock write = tree.writeLock();
    write.lock();
    try {
      new Rename(this, oldDir, oldName, newDir, newName, flags).run();
      pathGeneration++;
    } finally {
      write.unlock();
    }
  }

  // ---------------------------------------------------------------- files and directories

  /** Opens a file; a write mode or {@code O_TRUNC} copies it up first, as the kernel does. */
  public OpenFile open(Node node, int flags) throws PosixException {
    if (node.isDirectory() && (flags & Posix.O_ACCMODE) != Posix.O_RDONLY) {
      throw new PosixException(Errno.EISDIR, "open", pathOf(node));
    }
    if (OpenFile.writes(flags) && node.type == Posix.S_IFREG) {
      checkWritable("open");
    }
    return readLocked(() -> OpenFile.open(this, node, flags));
  }

  /**
   * Lists a directory whole: a snapshot, so offsets stay stable however the directory changes meanwhile. To read a
   * directory that may be huge, {@link #openDirectory} instead.
   */
  public DirectoryListing readDirectory(Node dir) throws PosixException {
    if (!dir.isDirectory()) {
      throw new PosixException(Errno.ENOTDIR, "readdir", pathOf(dir));
    }
    return readLocked(() -> MergedDirectory.list(this, dir));
  }

  /**
   * Opens a directory for reading by offset: streamed from its real directory when it merges nothing, as the
   * kernel's overlay does, so that listing it needs no memory for its entries; read merged otherwise.
   */
  public OpenDirectory openDirectory(Node dir) throws PosixException {
    if (!dir.isDirectory()) {
      throw new PosixException(Errno.ENOTDIR, "opendir", pathOf(dir));
    }
    return new OpenDirectory(this, dir, readLocked(() -> !MergedDirectory.isMerged(dir)));
  }

  /** Flushes a directory's upper copy, so entries created in it survive a crash. */
  public void fsyncDirectory(Node dir) throws PosixException {
    if (options.volatileWrites() || !dir.inUpper) {
      return;
    }
    readLockedDo(() -> {
      int fd = upper.open(dir.path(pathGeneration), Posix.O_RDONLY | Posix.O_DIRECTORY, 0);
      try {
        Posix.fsync(fd);
      } finally {
        Posix.closeQuietly(fd);
      }
    });
  }

  // ---------------------------------------------------------------- extended attributes
  // An attribute's name is bytes, carried as a string of one char per byte: Xattrs.name makes one from bytes,
  // Xattrs.ofText from text (as UTF-8). An ASCII name such as user.x is itself.

  /**
   * The value of {@code name} (one char per byte, see {@link Xattrs#name}) as seen through the overlay: private
   * attributes are absent (ENODATA).
   */
  public byte[] getxattr(Node node, String name) throws PosixException {
    byte[] value = getxattrIfPresent(node, name);
    if (value == null) {
      throw new PosixException(Errno.ENODATA, "getxattr " + Xattrs.printable(name), pathOf(node));
    }
    return value;
  }

  /**
   * Like {@link #getxattr} but answers null when the object has no such attribute: the usual answer to the
   * {@code security.*} queries {@code ls -l} and every write make, which a FUSE frontend then answers without building
   * an exception with its path and stack.
   */
  public byte[] getxattrIfPresent(Node node, String name) throws PosixException {
    return readLocked(() -> lookups.onTop(node, at -> {
      try (Layer.Location loc = at.layer().locate(at.path())) {
        return Xattrs.get(loc.dirfd(), loc.name(), xattrs.toReal(name));
      }
    }));
  }

  /** The names of {@code node}'s attributes but the overlay's private ones, one char per byte. */
  public List<String> listxattr(Node node) throws PosixException {
    return readLocked(() -> lookups.onTop(node, at -> {
      try (Layer.Location loc = at.layer().locate(at.path())) {
        return xattrs.toView(Xattrs.list(loc.dirfd(), loc.name()));
      }
    }));
  }

  /** Sets {@code name} (one char per byte), copying the object up first; {@code flags} as {@code setxattr(2)}. */
  public void setxattr(Node node, String name, byte[] value, int flags) throws PosixException {
    checkWritable("setxattr");
    readLockedDo(() -> changes.setxattr(node, name, value, flags));
  }

  /** Removes {@code name} (one char per byte), copying the object up first; ENODATA when absent. */
  public void removexattr(Node node, String name) throws PosixException {
    checkWritable("removexattr");
    readLockedDo(() -> changes.removexattr(node, name));
  }

  // ---------------------------------------------------------------- inode flags

  /**
   * The inode flags ({@code FS_IOC_GETFLAGS}, what {@code lsattr} shows) of a regular file or directory: its top
   * copy's, with the immutable and append-only flags an upper copy keeps in {@code overlay.protattr}; ENOTTY for
   * other types.
   */
  public int getFlags(Node node) throws PosixException {
    return readLocked(() -> fileAttr.getFlags(node));
  }

  /**
   * Sets the inode flags ({@code FS_IOC_SETFLAGS}, what {@code chattr} does) as the kernel's overlay does: the object
   * is copied up, immutable and append-only go to {@code overlay.protattr}, the others onto the upper copy. Like the
   * kernel's {@code fileattr_set}, it does not check {@code CAP_LINUX_IMMUTABLE}: that is the caller's (the VFS's)
   * check.
   */
  public void setFlags(Node node, int flags) throws PosixException {
    checkWritable("ioctl FS_IOC_SETFLAGS");
    readLockedDo(() -> fileAttr.setFlags(node, flags));
  }

  /** {@code FS_IOC_FSGETXATTR}: the extended flags and hints, as {@link #getFlags}. */
  public InodeFlags.FsxAttr getFsxAttr(Node node) throws PosixException {
    return readLocked(() -> fileAttr.getFsx(node));
  }

  /** {@code FS_IOC_FSSETXATTR}, as {@link #setFlags}. */
  public void setFsxAttr(Node node, InodeFlags.FsxAttr attr) throws PosixException {
    checkWritable("ioctl FS_IOC_FSSETXATTR");
    readLockedDo(() -> fileAttr.setFsx(node, attr));
  }

  // ---------------------------------------------------------------- filesystem

  /** The upper layer's (or top lower's) figures, with the overlay's magic and the longest name of all layers. */
  public StatFs statfs() throws PosixException {
    Layer top = upper != null ? upper : lowers[0];
    StatFs fs = Posix.fstatfs(top.rootFd);
    long nameMax = fs.nameMax();
    for (Layer l : lowers) {
      nameMax = Math.max(nameMax, Posix.fstatfs(l.rootFd).nameMax());
    }
    return new StatFs(OVERLAYFS_SUPER_MAGIC, fs.blockSize(), fs.blocks(), fs.freeBlocks(), fs.availableBlocks(),
        fs.files(), fs.freeFiles(), fs.fsid(), nameMax, fs.fragmentSize(), fs.flags());
  }

  /** Flushes the upper filesystem, as {@code syncfs} would. */
  public void sync() throws PosixException {
    if (upper == null || options.volatileWrites()) {
      return;
    }
    int fd = Posix.openat(upper.rootFd, new byte[] {'.'}, Posix.O_RDONLY | Posix.O_DIRECTORY);
    try {
      Posix.fsync(fd);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  /** Releases the layers and the upper/work lock; open handles keep working until closed. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Lock write = tree.writeLock();
    write.lock();
    try {
      if (work != null) {
        work.close();
      }
      if (upper != null) {
        upper.close();
      }
      for (Layer l : lowers) {
        l.close();
      }
      if (inUse != null) {
        inUse.close();
      }
    } finally {
      write.unlock();
    }
  }

  // ---------------------------------------------------------------- shared helpers

  void checkWritable(String call) throws PosixException {
    if (work == null) {
      throw new PosixException(Errno.EROFS, call, null);
    }
  }

  void checkName(Node dir, byte[] name, String call) throws PosixException {
    if (name.length == 0 || Names.isDotOrDotDot(name)) {
      throw new PosixException(name.length == 0 ? Errno.ENOENT : Errno.EINVAL, call, Names.printable(name));
    }
    for (byte b : name) {
      if (b == '/' || b == 0) {
        throw new PosixException(Errno.EINVAL, call, Names.printable(name), "a name cannot contain '/' or NUL");
      }
    }
    if (name.length > Names.NAME_MAX) {
      throw new PosixException(Errno.ENAMETOOLONG, call, Names.printable(name));
    }
    if (!dir.isDirectory()) {
      throw new PosixException(Errno.ENOTDIR, call, pathOf(dir));
    }
    if (closed.get()) {
      throw new PosixException(Errno.EIO, call, Names.printable(name), "the overlay is closed");
    }
  }

  interface LockedCall<T> {
    T call() throws PosixException;
  }

  <T> T readLocked(LockedCall<T> call) throws PosixException {
    Lock read = tree.readLock();
    read.lock();
    try {
      if (closed.get()) {
        throw new PosixException(Errno.EIO, "overlay", options.upperDir() != null ? options.upperDir().toString()
            : options.lowerDirs().get(0).toString(), "the overlay is closed");
      }
      return call.call();
    } finally {
      read.unlock();
      trimCacheIfFull();
    }
  }

  interface LockedAction {
    void run() throws PosixException;
  }

  void readLockedDo(LockedAction action) throws PosixException {
    readLocked(() -> {
      action.run();
      return null;
    });
  }

  private <T> T readLockedUnchecked(java.util.function.Supplier<T> call) {
    Lock read = tree.readLock();
    read.lock();
    try {
      return call.get();
    } finally {
      read.unlock();
    }
  }

  /** Where an object is: a layer and the path in it. */
  record Location(Layer layer, byte[] path) {}

  /** The layers opened and checked, and a descriptor of the workdir. */
  private record LayerSet(Layer upper, Layer[] lowers, int workFd, int filesystems) {
    static LayerSet open(OverlayOptions o, List<Layer> opened) throws PosixException {
      List<Long> devices = new ArrayList<>();
      Layer upper = null;
      int workFd = -1;
      if (o.upperDir() != null) {
        int fd = openDir("upperdir", o.upperDir());
        Stat st = Posix.fstat(fd);
        devices.add(st.dev());
        upper = new Layer(o.upperDir(), 0, fd, st.dev(), 0);
        opened.add(upper);
        workFd = openDir("workdir", o.workDir());
        Stat work = Posix.fstat(workFd);
        if (work.mountId() != st.mountId()) {
          Posix.closeQuietly(workFd);
          throw new OverlayOptionException(Errno.EINVAL, "workdir", o.workDir().toString(),
              "workdir and upperdir must reside under the same mount (upperdir is " + o.upperDir() + ")");
        }
      }
      Layer[] lowers = new Layer[o.lowerDirs().size()];
      for (int i = 0; i < lowers.length; i++) {
        Path p = o.lowerDirs().get(i);
        int fd = openDir("lowerdir", p);
        Stat st = Posix.fstat(fd);
        int fsIndex = devices.indexOf(st.dev());
        if (fsIndex < 0) {
          fsIndex = devices.size();
          devices.add(st.dev());
        }
        lowers[i] = new Layer(p, i + 1, fd, st.dev(), fsIndex);
        opened.add(lowers[i]);
      }
      try {
        LayerOverlap.check(o);
      } catch (PosixException e) {
        Posix.closeQuietly(workFd);
        throw e;
      }
      return new LayerSet(upper, lowers, workFd, devices.size());
    }

    private static int openDir(String option, Path path) throws PosixException {
      try {
        return Posix.openat(Posix.AT_FDCWD, Names.bytes(path.toString()), Posix.O_PATH | Posix.O_DIRECTORY);
      } catch (PosixException e) {
        String problem = switch (e.errno()) {
          case Errno.ENOENT -> "no such directory";
          case Errno.ENOTDIR -> "is not a directory";
          case Errno.EACCES -> "permission denied";
          default -> e.getMessage();
        };
        int errno = e.errno() == Errno.ENOTDIR ? Errno.EINVAL : e.errno();
        throw new OverlayOptionException(errno, option, path.toString(), problem);
      }
    }
  }

  /** The kernel's checks that no layer lies inside another, which would let writes change a lower layer. */
  private static final class LayerOverlap {
    private LayerOverlap() {}

    static void check(OverlayOptions o) throws PosixException {
      List<Path> reals = new ArrayList<>();
      List<String> roles = new ArrayList<>();
      if (o.upperDir() != null) {
        Path up = real(o.upperDir());
        Path wk = real(o.workDir());
        if (up.startsWith(wk) || wk.startsWith(up)) {
          throw new OverlayOptionException(Errno.EINVAL, "workdir", o.workDir().toString(),
              "workdir and upperdir must be separate subtrees (upperdir is " + o.upperDir() + ")");
        }
        reals.add(up);
        roles.add("upperdir");
        reals.add(wk);
        roles.add("workdir");
      }
      for (Path lower : o.lowerDirs()) {
        Path r = real(lower);
        for (int i = 0; i < reals.size(); i++) {
          Path other = reals.get(i);
          if (r.equals(other)) {
            throw new OverlayOptionException(Errno.ELOOP, "lowerdir", lower.toString(),
                "conflicting lowerdir path: the same directory is also " + roles.get(i) + " " + other);
          }
          if (r.startsWith(other) || other.startsWith(r)) {
            throw new OverlayOptionException(Errno.ELOOP, "lowerdir", lower.toString(),
                "overlapping lowerdir path: it and " + roles.get(i) + " " + other + " contain one another");
          }
        }
        reals.add(r);
        roles.add("lowerdir");
      }
    }

    private static Path real(Path p) throws PosixException {
      try {
        return p.toRealPath();
      } catch (IOException e) {
        throw new PosixException(Errno.ENOENT, "realpath", p.toString(), e.toString());
      }
    }
  }
}
