package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An in-memory filesystem implementing the raw interface, for tests: a tree of nodes with data, xattrs, link and
 * lookup counts, which counts every call that reaches it and can be told to fail or block.
 *
 * <p>One lock guards the tree; calls still arrive from several reader threads at once.
 */
final class MemoryFs implements RawFileSystem {

  final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  final Map<Long, Node> nodes = new ConcurrentHashMap<>();
  final AtomicLong largestWrite = new AtomicLong();
  final AtomicLong largestRead = new AtomicLong();
  final CountDownLatch destroyed = new CountDownLatch(1);
  final CountDownLatch blockingEntered = new CountDownLatch(1);
  final CountDownLatch interruptSeen = new CountDownLatch(1);
  volatile Connection connection;
  /** How long the kernel may cache entries and attributes. */
  volatile Duration timeout = Duration.ofSeconds(1);
  /** Whether opens keep the kernel's cached pages (FOPEN_KEEP_CACHE). */
  volatile boolean keepCache;
  /** LOOKUP of this name throws an unexpected exception. */
  volatile byte[] throwingName;
  /**
   * LOOKUP of this name throws an error that fails again while the reader turns it into an errno: an error escaping
   * the reader's own handling, as an OutOfMemoryError while logging or replying would.
   */
  volatile byte[] indescribableName;
  /** LOOKUP of this name waits until the request is interrupted. */
  volatile byte[] blockingName;

  private final AtomicLong nextId = new AtomicLong(2);
  private final AtomicLong nextHandle = new AtomicLong(1);
  private final Map<Long, Node> handles = new ConcurrentHashMap<>();
  private final int owner;

  final class Node {
    final long id;
    int mode;
    int uid;
    int gid;
    long rdev;
    int nlink;
    long lookups;
    byte[] data = new byte[0];
    long size;
    byte[] target;
    Node parent;
    Timespec atime;
    Timespec mtime;
    Timespec ctime;
    /** A real file whose opens go to passthrough. */
    Path backing;
    final TreeMap<byte[], Entry> byName = new TreeMap<>(Arrays::compareUnsigned);
    final TreeMap<Long, Entry> byCookie = new TreeMap<>();
    long nextCookie = 3;
    final TreeMap<byte[], byte[]> xattrs = new TreeMap<>(Arrays::compareUnsigned);

    Node(int mode, int uid, int gid) {
      this(nextId.getAndIncrement(), mode, uid, gid);
    }

    Node(long id, int mode, int uid, int gid) {
      this.id = id;
      this.mode = mode;
      this.uid = uid;
      this.gid = gid;
      this.nlink = isDirectory() ? 2 : 1;
      this.atime = this.mtime = this.ctime = now();
    }

    boolean isDirectory() {
      return (mode & Posix.S_IFMT) == Posix.S_IFDIR;
    }
  }

  record Entry(byte[] name, Node node, long cookie) {}

  MemoryFs() {
    owner = Posix.geteuid();
    Node root = new Node(Abi.ROOT_ID, Posix.S_IFDIR | 0755, owner, Posix.getegid());
    root.parent = root;
    nodes.put(root.id, root);
  }

  long calls(String operation) {
    LongAdder adder = calls.get(operation);
    return adder == null ? 0 : adder.sum();
  }

  private void count(String operation) {
    calls.computeIfAbsent(operation, k -> new LongAdder()).increment();
  }

  Node root() {
    return nodes.get(Abi.ROOT_ID);
  }

  /** Adds a file to the root whose opens are served from {@code backing} by passthrough. */
  synchronized Node addBackedFile(String name, Path backing) throws PosixException {
    Node node = new Node(Posix.S_IFREG | 0644, owner, Posix.getegid());
    node.backing = backing;
    node.size = Posix.lstatat(Posix.AT_FDCWD, Names.bytes(backing.toString())).size();
    link(root(), Names.bytes(name), node);
    nodes.put(node.id, node);
    return node;
  }

  /** Adds {@code count} empty files to a new directory {@code name} of the root. */
  synchronized void addDirectory(String name, int count, String prefix) {
    Node dir = new Node(Posix.S_IFDIR | 0755, owner, Posix.getegid());
    dir.parent = root();
    root().nlink++;
    link(root(), Names.bytes(name), dir);
    nodes.put(dir.id, dir);
    for (int i = 0; i < count; i++) {
      Node file = new Node(Posix.S_IFREG | 0644, owner, Posix.getegid());
      link(dir, Names.bytes(prefix + i), file);
      nodes.put(file.id, file);
    }
  }

  @Override
  public void init(Connection negotiated) {
    connection = negotiated;
  }

  @Override
  public void destroy() {
    count("destroy");
    destroyed.countDown();
  }

  @Override
  public void lookup(Request request, byte[] name, EntryOut out) throws IOException {
    count("lookup");
    if (Arrays.equals(name, throwingName)) {
      throw new IllegalStateException("lookup of a throwing name");
    }
    if (Arrays.equals(name, indescribableName)) {
      throw new PosixException(Errno.EIO, "lookup", "boom") {
        @Override
        public int errno() {
          throw new IllegalStateException("failing again while handled");
        }
      };
    }
    if (Arrays.equals(name, blockingName)) {
      blockUntilInterrupted(request);
    }
    synchronized (this) {
      Entry entry = directory(request.nodeId()).byName.get(name);
      if (entry == null) {
        throw FuseException.of(Errno.ENOENT);
      }
      answer(entry.node(), out);
    }
  }

  private void blockUntilInterrupted(Request request) throws IOException {
    blockingEntered.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!request.isInterrupted() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (request.isInterrupted()) {
      interruptSeen.countDown();
    }
    throw FuseException.of(Errno.EINTR);
  }

  @Override
  public synchronized void forget(long nodeId, long lookups) {
    count("forget");
    calls.computeIfAbsent("forgotten", k -> new LongAdder()).add(lookups);
    Node node = nodes.get(nodeId);
    if (node != null) {
      node.lookups -= lookups;
    }
  }

  @Override
  public synchronized void getattr(Request request, AttrOut out) throws IOException {
    count("getattr");
    fill(node(request.nodeId()), out.attrTimeout(timeout).attr());
  }

  @Override
  public synchronized void setattr(Request request, SetattrIn in, AttrOut out) throws IOException {
    count("setattr");
    Node node = node(request.nodeId());
    if (in.hasMode()) {
      node.mode = (node.mode & Posix.S_IFMT) | (in.mode() & 07777);
    }
    if (in.hasUid()) {
      node.uid = in.uid();
    }
    if (in.hasGid()) {
      node.gid = in.gid();
    }
    if (in.hasSize()) {
      resize(node, in.size());
    }
    node.atime = time(in.atime(), node.atime);
    node.mtime = time(in.mtime(), node.mtime);
    node.ctime = now();
    fill(node, out.attrTimeout(timeout).attr());
  }

  @Override
  public synchronized byte[] readlink(Request request) throws IOException {
    count("readlink");
    Node node = node(request.nodeId());
    if (node.target == null) {
      throw FuseException.of(Errno.EINVAL);
    }
    return node.target;
  }

  @Override
  public synchronized void symlink(Request request, byte[] name, byte[] target, EntryOut out) throws IOException {
    count("symlink");
    Node node = create(request, name, Posix.S_IFLNK | 0777);
    node.target = target;
    node.size = target.length;
    answer(node, out);
  }

  @Override
  public synchronized void mknod(Request request, byte[] name, int mode, long rdev, int umask, EntryOut out)
      throws IOException {
    count("mknod");
    Node node = create(request, name, mode & ~umask);
    node.rdev = rdev;
    answer(node, out);
  }

  @Override
  public synchronized void mkdir(Request request, byte[] name, int mode, int umask, EntryOut out)
      throws IOException {
    count("mkdir");
    Node node = create(request, name, Posix.S_IFDIR | (mode & ~umask & 07777));
    node.parent = node(request.nodeId());
    node.parent.nlink++;
    answer(node, out);
  }

  @Override
  public synchronized void unlink(Request request, byte[] name) throws IOException {
    count("unlink");
    Node dir = directory(request.nodeId());
    Entry entry = existing(dir, name);
    if (entry.node().isDirectory()) {
      throw FuseException.of(Errno.EISDIR);
    }
    unlink(dir, entry);
  }

  @Override
  public synchronized void rmdir(Request request, byte[] name) throws IOException {
    count("rmdir");
    Node dir = directory(request.nodeId());
    Entry entry = existing(dir, name);
    if (!entry.node().isDirectory()) {
      throw FuseException.of(Errno.ENOTDIR);
    }
    if (!entry.node().byName.isEmpty()) {
      throw FuseException.of(Errno.ENOTEMPTY);
    }
    unlink(dir, entry);
    dir.nlink--;
  }

  @Override
  public synchronized void rename(Request request, byte[] name, long newParent, byte[] newName, int flags)
      throws IOException {
    count("rename");
    Node from = directory(request.nodeId());
    Node to = directory(newParent);
    Entry source = existing(from, name);
    Entry target = to.byName.get(newName);
    if (flags == Posix.RENAME_EXCHANGE) {
      if (target == null) {
        throw FuseException.of(Errno.ENOENT);
      }
      from.byName.remove(name);
      from.byCookie.remove(source.cookie());
      to.byName.remove(newName);
      to.byCookie.remove(target.cookie());
      link(from, name, target.node());
      link(to, newName, source.node());
      return;
    }
    if (flags == Posix.RENAME_NOREPLACE && target != null) {
      throw FuseException.of(Errno.EEXIST);
    }
    if (flags != 0 && flags != Posix.RENAME_NOREPLACE) {
      throw FuseException.of(Errno.EINVAL);
    }
    if (target != null) {
      if (target.node().isDirectory() && !source.node().isDirectory()) {
        throw FuseException.of(Errno.EISDIR);
      }
      if (!target.node().isDirectory() && source.node().isDirectory()) {
        throw FuseException.of(Errno.ENOTDIR);
      }
      if (target.node().isDirectory() && !target.node().byName.isEmpty()) {
        throw FuseException.of(Errno.ENOTEMPTY);
      }
      unlink(to, target);
    }
    from.byName.remove(name);
    from.byCookie.remove(source.cookie());
    link(to, newName, source.node());
    if (source.node().isDirectory() && from != to) {
      from.nlink--;
      to.nlink++;
      source.node().parent = to;
    }
  }

  @Override
  public synchronized void link(Request request, long nodeId, byte[] newName, EntryOut out) throws IOException {
    count("link");
    Node dir = directory(request.nodeId());
    Node node = node(nodeId);
    if (node.isDirectory()) {
      throw FuseException.of(Errno.EPERM);
    }
    if (dir.byName.containsKey(newName)) {
      throw FuseException.of(Errno.EEXIST);
    }
    link(dir, newName, node);
    node.nlink++;
    node.ctime = now();
    answer(node, out);
  }

  @Override
  public void open(Request request, int flags, OpenOut out) throws IOException {
    count("open");
    Node node;
    synchronized (this) {
      node = node(request.nodeId());
      if ((flags & Posix.O_TRUNC) != 0) {
        resize(node, 0);
      }
    }
    opened(node, flags, out);
  }

  @Override
  public synchronized void create(Request request, byte[] name, int flags, int mode, int umask, EntryOut entry,
      OpenOut open) throws IOException {
    count("create");
    Node node = create(request, name, Posix.S_IFREG | (mode & ~umask & 07777));
    answer(node, entry);
    opened(node, flags, open);
  }

  private void opened(Node node, int flags, OpenOut out) throws PosixException {
    long handle = nextHandle.getAndIncrement();
    handles.put(handle, node);
    out.handle(handle);
    if (keepCache) {
      out.keepCache();
    }
    if (node.backing != null) {
      int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(node.backing.toString()), flags & Posix.O_ACCMODE);
      try {
        out.passthrough(fd);
      } finally {
        Posix.close(fd);
      }
    }
  }

  @Override
  public void read(Request request, long handle, long offset, ReadOut out) throws IOException {
    count("read");
    largestRead.accumulateAndGet(out.buffer().byteSize(), Math::max);
    Node node = handle(handle);
    if (node.backing != null) {
      int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(node.backing.toString()), Posix.O_RDONLY);
      try {
        out.length((int) Posix.pread(fd, out.buffer(), offset));
      } finally {
        Posix.close(fd);
      }
      return;
    }
    synchronized (this) {
      int length = (int) Math.max(0, Math.min(out.buffer().byteSize(), node.size - offset));
      MemorySegment.copy(node.data, (int) Math.min(offset, node.size), out.buffer(), JAVA_BYTE, 0, length);
      out.length(length);
      node.atime = now();
    }
  }

  @Override
  public int write(Request request, long handle, long offset, MemorySegment data) throws IOException {
    count("write");
    largestWrite.accumulateAndGet(data.byteSize(), Math::max);
    Node node = handle(handle);
    if (node.backing != null) {
      int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(node.backing.toString()), Posix.O_WRONLY);
      try {
        return (int) Posix.pwrite(fd, data, offset);
      } finally {
        Posix.close(fd);
      }
    }
    synchronized (this) {
      long end = offset + data.byteSize();
      if (end > node.size) {
        resize(node, end);
      }
      MemorySegment.copy(data, JAVA_BYTE, 0, node.data, (int) offset, (int) data.byteSize());
      node.mtime = node.ctime = now();
      return (int) data.byteSize();
    }
  }

  @Override
  public void flush(Request request, long handle) {
    count("flush");
  }

  @Override
  public void release(Request request, long handle, int flags) {
    count("release");
    handles.remove(handle);
  }

  @Override
  public void fsync(Request request, long handle, boolean dataOnly) {
    count("fsync");
  }

  @Override
  public synchronized void opendir(Request request, int flags, OpenOut out) throws IOException {
    count("opendir");
    long handle = nextHandle.getAndIncrement();
    handles.put(handle, directory(request.nodeId()));
    out.handle(handle);
  }

  @Override
  public synchronized void readdir(Request request, long handle, long offset, DirentWriter out) throws IOException {
    count("readdir");
    list(handle(handle), offset, out);
  }

  @Override
  public synchronized void readdirplus(Request request, long handle, long offset, DirentWriter out)
      throws IOException {
    count("readdirplus");
    list(handle(handle), offset, out);
  }

  /** Lists "." (offset 1), ".." (offset 2), then the entries in cookie order, each entry's cookie its offset. */
  private void list(Node dir, long offset, DirentWriter out) {
    if (offset < 1 && !add(out, new byte[] {'.'}, dir, 1, false)) {
      return;
    }
    if (offset < 2 && !add(out, new byte[] {'.', '.'}, dir.parent, 2, false)) {
      return;
    }
    for (Entry entry : dir.byCookie.tailMap(offset, false).values()) {
      if (!add(out, entry.name(), entry.node(), entry.cookie(), true)) {
        return;
      }
    }
  }

  private boolean add(DirentWriter out, byte[] name, Node node, long offset, boolean lookup) {
    int type = DirEntry.typeOfMode(node.mode);
    if (!out.isPlus()) {
      return out.add(name, node.id, type, offset);
    }
    EntryOut entry = out.addPlus(name, node.id, type, offset);
    if (entry == null) {
      return false;
    }
    if (lookup) {
      answer(node, entry);
    }
    return true;
  }

  @Override
  public void releasedir(Request request, long handle) {
    count("releasedir");
    handles.remove(handle);
  }

  @Override
  public void statfs(Request request, StatfsOut out) {
    count("statfs");
    out.blocks(1000, 600, 500).files(1000, 900).blockSize(4096, 4096).nameMax(255);
  }

  @Override
  public synchronized void setxattr(Request request, byte[] name, byte[] value, int flags) throws IOException {
    count("setxattr");
    Node node = node(request.nodeId());
    boolean exists = node.xattrs.containsKey(name);
    if ((flags & Xattrs.XATTR_CREATE) != 0 && exists) {
      throw FuseException.of(Errno.EEXIST);
    }
    if ((flags & Xattrs.XATTR_REPLACE) != 0 && !exists) {
      throw FuseException.of(Errno.ENODATA);
    }
    node.xattrs.put(name, value);
  }

  @Override
  public synchronized void getxattr(Request request, byte[] name, XattrOut out) throws IOException {
    count("getxattr");
    byte[] value = node(request.nodeId()).xattrs.get(name);
    if (value == null) {
      throw FuseException.of(Errno.ENODATA);
    }
    out.value(value);
  }

  @Override
  public synchronized void listxattr(Request request, XattrOut out) throws IOException {
    count("listxattr");
    for (byte[] name : node(request.nodeId()).xattrs.keySet()) {
      out.name(name);
    }
  }

  @Override
  public synchronized void removexattr(Request request, byte[] name) throws IOException {
    count("removexattr");
    if (node(request.nodeId()).xattrs.remove(name) == null) {
      throw FuseException.of(Errno.ENODATA);
    }
  }

  @Override
  public void access(Request request, int mask) {
    count("access");
  }

  @Override
  public synchronized void fallocate(Request request, long handle, long offset, long length, int mode)
      throws IOException {
    count("fallocate");
    if (mode != 0) {
      throw FuseException.of(Errno.EOPNOTSUPP);
    }
    Node node = handle(handle);
    if (offset + length > node.size) {
      resize(node, offset + length);
    }
  }

  @Override
  public synchronized long lseek(Request request, long handle, long offset, int whence) throws IOException {
    count("lseek");
    Node node = handle(handle);
    if (offset >= node.size) {
      throw FuseException.of(Errno.ENXIO);
    }
    return whence == Posix.SEEK_DATA ? offset : node.size;
  }

  @Override
  public synchronized long copyFileRange(Request request, long handleIn, long offsetIn, long nodeOut,
      long handleOut, long offsetOut, long length, int flags) throws IOException {
    count("copy_file_range");
    Node in = handle(handleIn);
    Node out = handle(handleOut);
    long copied = Math.max(0, Math.min(length, in.size - offsetIn));
    if (offsetOut + copied > out.size) {
      resize(out, offsetOut + copied);
    }
    System.arraycopy(in.data, (int) offsetIn, out.data, (int) offsetOut, (int) copied);
    return copied;
  }

  // ---------------------------------------------------------------- helpers, called holding the lock

  private Node create(Request request, byte[] name, int mode) throws FuseException {
    Node dir = directory(request.nodeId());
    if (dir.byName.containsKey(name)) {
      throw FuseException.of(Errno.EEXIST);
    }
    Node node = new Node(mode, request.uid(), request.gid());
    link(dir, name, node);
    nodes.put(node.id, node);
    dir.mtime = dir.ctime = now();
    return node;
  }

  private void link(Node dir, byte[] name, Node node) {
    Entry entry = new Entry(name, node, dir.nextCookie++);
    dir.byName.put(name, entry);
    dir.byCookie.put(entry.cookie(), entry);
  }

  private void unlink(Node dir, Entry entry) {
    dir.byName.remove(entry.name());
    dir.byCookie.remove(entry.cookie());
    entry.node().nlink -= entry.node().isDirectory() ? 2 : 1;
    entry.node().ctime = dir.mtime = dir.ctime = now();
  }

  private void answer(Node node, EntryOut out) {
    node.lookups++;
    out.nodeId(node.id).entryTimeout(timeout).attrTimeout(timeout);
    fill(node, out.attr());
  }

  private void fill(Node node, Attr attr) {
    attr.ino(node.id).size(node.size).blocks((node.size + 511) / 512).mode(node.mode).nlink(node.nlink)
        .uid(node.uid).gid(node.gid).rdev(node.rdev).blksize(4096)
        .atime(node.atime.seconds(), node.atime.nanos())
        .mtime(node.mtime.seconds(), node.mtime.nanos())
        .ctime(node.ctime.seconds(), node.ctime.nanos());
  }

  private void resize(Node node, long size) {
    if (size > node.data.length) {
      node.data = Arrays.copyOf(node.data, (int) Math.max(size, node.data.length * 2L));
    } else if (size < node.size) {
      Arrays.fill(node.data, (int) size, (int) node.size, (byte) 0);
    }
    node.size = size;
    node.mtime = node.ctime = now();
  }

  private Node node(long id) throws FuseException {
    Node node = nodes.get(id);
    if (node == null) {
      throw FuseException.of(Errno.ESTALE);
    }
    return node;
  }

  private Node directory(long id) throws FuseException {
    Node node = node(id);
    if (!node.isDirectory()) {
      throw FuseException.of(Errno.ENOTDIR);
    }
    return node;
  }

  private Entry existing(Node dir, byte[] name) throws FuseException {
    Entry entry = dir.byName.get(name);
    if (entry == null) {
      throw FuseException.of(Errno.ENOENT);
    }
    return entry;
  }

  private Node handle(long handle) throws FuseException {
    Node node = handles.get(handle);
    if (node == null) {
      throw FuseException.of(Errno.EBADF);
    }
    return node;
  }

  private static Timespec time(Timespec requested, Timespec current) {
    if (requested == Timespec.OMIT) {
      return current;
    }
    return requested == Timespec.NOW ? now() : requested;
  }

  private static Timespec now() {
    Instant now = Instant.now();
    return new Timespec(now.getEpochSecond(), now.getNano());
  }
}
