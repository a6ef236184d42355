package dev.layerfs.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.layerfs.core.Caller;
import dev.layerfs.core.Node;
import dev.layerfs.core.NodeAttributes;
import dev.layerfs.core.OpenDirectory;
import dev.layerfs.core.OpenFile;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.SetAttr;
import dev.layerfs.fuse.NodeTable.Entry;
import dev.layerfs.fuse.NodeTable.IoMode;
import dev.layerfs.fuse.raw.AttrOut;
import dev.layerfs.fuse.raw.Connection;
import dev.layerfs.fuse.raw.DirentWriter;
import dev.layerfs.fuse.raw.EntryOut;
import dev.layerfs.fuse.raw.FuseException;
import dev.layerfs.fuse.raw.OpenOut;
import dev.layerfs.fuse.raw.RawFileSystem;
import dev.layerfs.fuse.raw.ReadOut;
import dev.layerfs.fuse.raw.Request;
import dev.layerfs.fuse.raw.SetattrIn;
import dev.layerfs.fuse.raw.StatfsOut;
import dev.layerfs.fuse.raw.XattrOut;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node bridge: serves an {@link Overlay} over FUSE, mapping node ids to engine nodes, file handles to
 * {@link OpenFile}s and directory handles to {@link OpenDirectory}s (go-fuse's split between the raw protocol and
 * the node layer). READDIR offsets are the engine's: those of the real directory for one that merges nothing, which
 * is streamed, positions in a snapshot for a merged one.
 *
 * <p><b>References.</b> Every answer that hands the kernel an entry (LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE,
 * READDIRPLUS) takes exactly one engine reference, and FORGET gives them back, so the engine's node cache and this
 * bridge's tables shrink as the kernel forgets.
 *
 * <p><b>Caching.</b> Names and attributes only change through this mount (the layers must not be changed behind an
 * overlay's back, as with the kernel's), so entries, negative entries and attributes are cached for a long time.
 * What the kernel cannot know is the overlay's side effects: a copy-up of a directory makes it a merge directory
 * (link count 1) and adds an entry to its parent's upper copy. Every operation that may copy up therefore notes the
 * lower-only nodes on its path before and tells the kernel to drop the attributes of those that were copied up, and
 * of their parents. Files with several links are never cached, since a change through one name changes the others.
 *
 * <p><b>Data.</b> Open regular files whose data is in the upper layer, and every file of a read-only overlay, are
 * served by FUSE passthrough when the session has it (root): reads and writes never enter the daemon. A file whose
 * data is in a lower layer (a metacopy file's too) opened for reading on a writable overlay is served through the
 * page cache instead, because a writer may copy it up while it
 * is open, and the kernel's overlay makes the reader see the new data from then on: a passthrough open would keep
 * reading the lower file. All opens of one node share one mode while any is open, since the kernel refuses to mix
 * passthrough and cached opens of an inode.
 */
public final class OverlayFileSystem implements RawFileSystem {
  private static final Duration NEVER = Duration.ZERO;
  private static final long TRIM_INTERVAL_MILLIS = 200;
  /** Quiet trim intervals after the last trim before the heap is compacted: 5 s. */
  private static final int COMPACT_AFTER_INTERVALS = 25;
  /** The heap in use below which a walk never compacts it. */
  private static final long COMPACT_FLOOR_BYTES = 32L << 20;
  /** Trim intervals between two compactions during a walk (each stopped the daemon for 30–45 ms in a walk): 2 s. */
  private static final int COMPACT_EVERY_INTERVALS = 10;

  private final Overlay overlay;
  private final Settings settings;
  private final NodeTable nodes;
  private final Handles<OpenFile> files = new Handles<>();
  private final Handles<OpenDirectory> directories = new Handles<>();
  private final DirectoryCursors cursors;
  /** Orders renames against each other, so parent links of moved entries stay true. */
  private final ReentrantLock renames = new ReentrantLock();
  private volatile Connection connection;
  private volatile Thread trimmer;

  /**
   * How the bridge serves the overlay.
   *
   * @param timeout how long the kernel may cache names and attributes
   * @param syncWrites whether fsync reaches the upper layer ({@code fsync=0} of fuse-overlayfs turns it off)
   * @param passthroughLowerReads serve lower files opened for reading by passthrough even on a writable overlay,
   *     which is faster for cold reads but lets a reader open across a copy-up keep seeing the old data
   * @param nodeLimit how many node ids the kernel may hold before the oldest are invalidated, so that it forgets
   *     them and the daemon's memory stays flat however many files are walked
   */
  public record Settings(Duration timeout, boolean syncWrites, boolean passthroughLowerReads, int nodeLimit) {
    public static final Settings DEFAULT = new Settings(Duration.ofDays(1), true, false, 20_000);

    public Settings withTimeout(Duration newTimeout) {
      return new Settings(newTimeout, syncWrites, passthroughLowerReads, nodeLimit);
    }

    public Settings withSyncWrites(boolean newSyncWrites) {
      return new Settings(timeout, newSyncWrites, passthroughLowerReads, nodeLimit);
    }

    public Settings withPassthroughLowerReads(boolean value) {
      return new Settings(timeout, syncWrites, value, nodeLimit);
    }

    public Settings withNodeLimit(int limit) {
      return new Settings(timeout, syncWrites, passthroughLowerReads, limit);
    }
  }

  public OverlayFileSystem(Overlay overlay, Settings settings) {
    this.overlay = overlay;
    this.settings = settings;
    this.nodes = new NodeTable(overlay);
    this.cursors = new DirectoryCursors(overlay);
    // The engine's cache keeps what the kernel holds plus as many unused nodes, so names the kernel was made to
    // forget are found again without asking the layers, and the daemon's heap stays bounded by the node limit.
    overlay.nodeCacheLimit((int) Math.min(Integer.MAX_VALUE, 2L * Math.max(1, settings.nodeLimit())));
  }

  public Overlay overlay() {
    return overlay;
  }

  /** Node ids the kernel currently holds, the root included: it falls as the kernel forgets. */
  public int knownNodes() {
    return nodes.size();
  }

  /** Files, and directories opened with handles (kernels before 5.1), the kernel holds open. */
  public int openHandles() {
    return files.size() + directories.size();
  }

  @Override
  public void init(Connection negotiated) {
    this.connection = negotiated;
    trimmer = Thread.ofPlatform().name("layerfs-trim").daemon(true).start(this::trimLoop);
  }

  /**
   * Keeps the node ids the kernel holds near {@link Settings#nodeLimit}: the kernel only forgets under memory
   * pressure, so past the limit the oldest names are invalidated (from this thread, never from a request handler,
   * since the kernel takes the directory's lock), and the kernel then forgets their nodes unless they are in use.
   * It also compacts the heap during and after such walks, so that the daemon's memory follows what it holds.
   */
  private void trimLoop() {
    try {
      int quiet = -1; // intervals since the last trim, or -1 once the heap was compacted after it
      int sinceCompaction = 0;
      long compactAbove = COMPACT_FLOOR_BYTES;
      while (!Thread.currentThread().isInterrupted()) {
        Thread.sleep(TRIM_INTERVAL_MILLIS);
        sinceCompaction++;
        int excess = nodes.size() - settings.nodeLimit();
        if (excess <= 0) {
          if (quiet >= 0 && ++quiet == COMPACT_AFTER_INTERVALS) {
            // The daemon's collector grows the heap while a walk promotes nodes that die soon after, and gives
            // memory back only after a full collection: one, once the kernel stopped handing out new names.
            compactAbove = compactHeap();
            sinceCompaction = 0;
            quiet = -1;
          }
          continue;
        }
        quiet = 0;
        // During a walk too, at most every 2 s once the heap in use doubled: the collector would rather grow the
        // heap to its limit than collect the nodes the kernel forgot after the last interval's invalidations.
        if (sinceCompaction >= COMPACT_EVERY_INTERVALS && heapInUse() > compactAbove) {
          compactAbove = compactHeap();
          sinceCompaction = 0;
        }
        for (Entry e : nodes.oldest(excess + settings.nodeLimit() / 4)) {
          Entry parent = e.parent;
          try {
            connection.invalidateEntry(parent.id, e.name);
          } catch (IOException ended) {
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      // destroyed
    }
  }

  /**
   * Collects the whole heap and answers the heap in use above which a walk compacts it next: twice what is left,
   * but short of the limit, so that a walk that keeps much alive still compacts.
   */
  private static long compactHeap() {
    System.gc();
    long left = heapInUse();
    return Math.max(COMPACT_FLOOR_BYTES, Math.min(2 * left, (left + Runtime.getRuntime().maxMemory()) / 2));
  }

  private static long heapInUse() {
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  /** Closes what the kernel left open and gives back its references; the session is over. */
  @Override
  public void destroy() {
    Thread t = trimmer;
    if (t != null) {
      t.interrupt();
    }
    for (OpenFile file : files.drain()) {
      file.close();
    }
    for (OpenDirectory open : directories.drain()) {
      open.close();
    }
    cursors.closeAll();
    nodes.forgetAll();
  }

  // ---------------------------------------------------------------- names

  @Override
  public void lookup(Request request, byte[] name, EntryOut out) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    NodeAttributes found = overlay.lookupWithAttributes(dir.node, name);
    if (found == null) {
      out.nodeId(0).entryTimeout(settings.timeout());
      return;
    }
    answerEntry(found.node(), found.attributes(), dir, name, out);
  }

  @Override
  public void forget(long nodeId, long lookups) {
    if (nodes.forget(nodeId, lookups)) {
      cursors.forget(nodeId);
    }
  }

  /** Answers an entry for a node the caller took one engine reference on, which the node table then holds. */
  private void answerEntry(Node node, Entry parent, byte[] name, EntryOut out) throws PosixException {
    Stat st;
    try {
      st = overlay.getattr(node);
    } catch (PosixException | RuntimeException e) {
      overlay.forget(node, 1);
      throw e;
    }
    answerEntry(node, st, parent, name, out);
  }

  /** Answers an entry for a node the caller took one engine reference on, with its attributes. */
  private void answerEntry(Node node, Stat st, Entry parent, byte[] name, EntryOut out) {
    Entry entry = nodes.add(node, parent, name);
    out.nodeId(entry.id).entryTimeout(settings.timeout()).attrTimeout(attrTimeout(st));
    out.attr().set(st);
  }

  private Duration attrTimeout(Stat st) {
    return !st.isDirectory() && st.nlink() > 1 ? NEVER : settings.timeout();
  }

  // ---------------------------------------------------------------- attributes

  @Override
  public void getattr(Request request, AttrOut out) throws IOException {
    Entry entry = nodes.get(request.nodeId());
    Stat st = attributes(entry);
    out.attrTimeout(attrTimeout(st)).attr().set(st);
  }

  /** The node's attributes; a node whose name is gone answers from one of its open files, as fstat does. */
  private Stat attributes(Entry entry) throws PosixException {
    if (entry.node.isStale()) {
      OpenFile open = entry.anyOpen();
      if (open != null) {
        return open.stat();
      }
    }
    return overlay.getattr(entry.node);
  }

  @Override
  public void setattr(Request request, SetattrIn in, AttrOut out) throws IOException {
    Entry entry = nodes.get(request.nodeId());
    OpenFile handle = in.hasHandle() ? files.get(in.handle()) : null;
    Stat st;
    try (CopyUps watch = watch(entry)) {
      if (handle != null && in.hasSize()) {
        handle.truncate(in.size());
      }
      SetAttr change = new SetAttr(in.hasMode() ? in.mode() & 07777 : SetAttr.KEEP,
          in.hasUid() ? in.uid() : SetAttr.KEEP, in.hasGid() ? in.gid() : SetAttr.KEEP,
          in.hasSize() && handle == null ? in.size() : SetAttr.KEEP, in.atime(), in.mtime());
      boolean changesTimes = change.atime() != Timespec.OMIT || change.mtime() != Timespec.OMIT;
      boolean changesMore = change.mode() != SetAttr.KEEP || change.uid() != SetAttr.KEEP
          || change.gid() != SetAttr.KEEP || change.size() != SetAttr.KEEP;
      if (!changesTimes && !changesMore) {
        st = attributes(entry);
      } else if (entry.node.isStale() && handle != null) {
        st = setattrOpen(handle, change);
      } else {
        st = overlay.setattr(entry.node, change);
      }
      watch.succeeded(entry);
    }
    out.attrTimeout(attrTimeout(st)).attr().set(st);
  }

  /** {@code fchmod}, {@code fchown} and {@code futimens} of a file whose name is gone: straight on its descriptor. */
  private static Stat setattrOpen(OpenFile file, SetAttr change) throws PosixException {
    int fd = file.fd();
    if (change.mode() != SetAttr.KEEP) {
      Posix.fchmod(fd, change.mode());
    }
    if (change.uid() != SetAttr.KEEP || change.gid() != SetAttr.KEEP) {
      Posix.fchownat(fd, new byte[0], change.uid(), change.gid(), Posix.AT_EMPTY_PATH);
    }
    if (change.atime() != Timespec.OMIT || change.mtime() != Timespec.OMIT) {
      Posix.utimensat(fd, new byte[0], change.atime(), change.mtime(), Posix.AT_EMPTY_PATH);
    }
    if (change.size() != SetAttr.KEEP) {
      file.truncate(change.size());
    }
    return file.stat();
  }

  @Override
  public byte[] readlink(Request request) throws IOException {
    return overlay.readlink(nodes.node(request.nodeId()));
  }

  // ---------------------------------------------------------------- creating and removing

  private static Caller caller(Request request, int umask) {
    return new Caller(request.uid(), request.gid(), umask);
  }

  @Override
  public void mknod(Request request, byte[] name, int mode, long rdev, int umask, EntryOut out) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    try (CopyUps watch = watch(dir)) {
      answerEntry(overlay.mknod(dir.node, name, mode, rdev, caller(request, umask)), dir, name, out);
      watch.succeeded();
    }
  }

  @Override
  public void mkdir(Request request, byte[] name, int mode, int umask, EntryOut out) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    try (CopyUps watch = watch(dir)) {
      answerEntry(overlay.mkdir(dir.node, name, mode, caller(request, umask)), dir, name, out);
      watch.succeeded();
    }
  }

  @Override
  public void symlink(Request request, byte[] name, byte[] target, EntryOut out) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    try (CopyUps watch = watch(dir)) {
      answerEntry(overlay.symlink(dir.node, name, target, caller(request, 0)), dir, name, out);
      watch.succeeded();
    }
  }

  @Override
  public void link(Request request, long nodeId, byte[] newName, EntryOut out) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    Entry source = nodes.get(nodeId);
    try (CopyUps watch = watch(dir, source)) {
      answerEntry(overlay.link(source.node, dir.node, newName), dir, newName, out);
      watch.succeeded();
    }
  }

  @Override
  public void unlink(Request request, byte[] name) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    try (CopyUps watch = watch(dir)) {
      overlay.unlink(dir.node, name);
      watch.succeeded();
    }
  }

  @Override
  public void rmdir(Request request, byte[] name) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    try (CopyUps watch = watch(dir)) {
      overlay.rmdir(dir.node, name);
      watch.succeeded();
    }
  }

  @Override
  public void rename(Request request, byte[] name, long newParent, byte[] newName, int flags) throws IOException {
    Entry from = nodes.get(request.nodeId());
    Entry to = nodes.get(newParent);
    renames.lock();
    try {
      Entry moved = known(from, name);
      Entry swapped = (flags & Posix.RENAME_EXCHANGE) != 0 ? known(to, newName) : null;
      try (CopyUps watch = watch(from, to, moved, swapped)) {
        overlay.rename(from.node, name, to.node, newName, flags);
        watch.succeeded();
      }
      if (moved != null) {
        moved.parent = to;
        moved.name = newName;
      }
      if (swapped != null) {
        swapped.parent = from;
        swapped.name = name;
      }
    } finally {
      renames.unlock();
    }
  }

  /** The entry the kernel holds for {@code name} in {@code dir}, if any; takes no reference. */
  private Entry known(Entry dir, byte[] name) throws PosixException {
    Node node = overlay.lookupIfExists(dir.node, name);
    if (node == null) {
      return null;
    }
    overlay.forget(node, 1);
    return nodes.find(node);
  }

  // ---------------------------------------------------------------- files

  @Override
  public void open(Request request, int flags, OpenOut out) throws IOException {
    Entry entry = nodes.get(request.nodeId());
    OpenFile file;
    boolean metadataOnly = entry.node.isUpper() && !entry.node.hasUpperData();
    try (CopyUps watch = watch(entry)) {
      file = overlay.open(entry.node, flags);
      watch.succeeded();
    }
    if (metadataOnly && entry.node.hasUpperData()) {
      invalidate(entry, false); // copying a metacopy file's data changed its times and blocks
    }
    answerOpen(entry, file, out);
  }

  @Override
  public void create(Request request, byte[] name, int flags, int mode, int umask, EntryOut entryOut, OpenOut open)
      throws IOException {
    Entry dir = nodes.get(request.nodeId());
    OpenFile file;
    try (CopyUps watch = watch(dir)) {
      file = overlay.create(dir.node, name, flags, mode, caller(request, umask));
      watch.succeeded();
    }
    try {
      // The kernel holds the directory locked, so the name still leads to the file just made.
      Node node = overlay.lookupIfExists(dir.node, name);
      if (node != file.node()) {
        if (node != null) {
          overlay.forget(node, 1);
        }
        throw FuseException.of(Errno.ESTALE);
      }
      Stat made = file.createdAttributes();
      if (made != null) {
        answerEntry(node, made, dir, name, entryOut);
      } else {
        answerEntry(node, dir, name, entryOut);
      }
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
    answerOpen(nodes.find(file.node()), file, open);
  }

  private void answerOpen(Entry entry, OpenFile file, OpenOut out) throws PosixException {
    long handle = files.add(file);
    // The kernel keeps the locks (the session does not take POSIX_LOCKS) and writes go straight to the layer, so
    // FLUSH has nothing to do.
    out.handle(handle).noFlush();
    Connection c = connection;
    boolean passthrough = c != null && c.passthrough() && entry.node.type() == Posix.S_IFREG
        && (entry.node.hasUpperData() || overlay.isReadOnly() || settings.passthroughLowerReads());
    IoMode mode = entry.opened(file, passthrough ? IoMode.PASSTHROUGH : IoMode.CACHED);
    if (mode == IoMode.PASSTHROUGH) {
      Stat made = file.createdStat();
      if (made != null) {
        out.passthrough(file.fd(), made.dev(), made.ino());
      } else {
        out.passthrough(file.fd());
      }
    } else if (!entry.node.hasUpperData()) {
      out.keepCache(); // a lower file's data never changes; a copy-up invalidates it (see CopyUps)
    }
  }

  @Override
  public void read(Request request, long handle, long offset, ReadOut out) throws IOException {
    OpenFile file = files.get(handle);
    MemorySegment buffer = out.buffer();
    long done = 0;
    while (done < buffer.byteSize()) {
      long n = file.read(buffer.asSlice(done), offset + done);
      if (n == 0) {
        break;
      }
      done += n;
    }
    out.length((int) done);
  }

  @Override
  public int write(Request request, long handle, long offset, MemorySegment data) throws IOException {
    OpenFile file = files.get(handle);
    long done = 0;
    while (done < data.byteSize()) {
      done += file.write(data.asSlice(done), offset + done);
    }
    return (int) done;
  }

  @Override
  public void flush(Request request, long handle) throws IOException {
    files.get(handle);
  }

  @Override
  public void release(Request request, long handle, int flags) {
    OpenFile file = files.remove(handle);
    if (file == null) {
      return;
    }
    Entry entry = nodes.find(file.node());
    if (entry != null) {
      entry.closed(file);
    }
    file.close();
  }

  @Override
  public void fsync(Request request, long handle, boolean dataOnly) throws IOException {
    OpenFile file = files.get(handle);
    if (settings.syncWrites()) {
      file.sync(dataOnly);
    }
  }

  @Override
  public void fallocate(Request request, long handle, long offset, long length, int mode) throws IOException {
    files.get(handle).allocate(mode, offset, length);
  }

  @Override
  public long lseek(Request request, long handle, long offset, int whence) throws IOException {
    return files.get(handle).seek(offset, whence);
  }

  @Override
  public long copyFileRange(Request request, long handleIn, long offsetIn, long nodeOut, long handleOut,
      long offsetOut, long length, int flags) throws IOException {
    if (flags != 0) {
      throw FuseException.of(Errno.EINVAL);
    }
    OpenFile in = files.get(handleIn);
    OpenFile out = files.get(handleOut);
    return Posix.copyFileRange(in.fd(), offsetIn, out.fd(), offsetOut, length);
  }

  // ---------------------------------------------------------------- directories

  /**
   * Answered with ENOSYS where the kernel can open directories itself, so that no later opendir waits for a round
   * trip; otherwise a handle to an {@link OpenDirectory}. Nothing is read until the first READDIR either way, since
   * the kernel answers most reads of a directory it has listed before from its cache (an ls reopens it, and merging
   * the layers' listings is the costly part).
   */
  @Override
  public void opendir(Request request, int flags, OpenOut out) throws IOException {
    if (connection.opensDirectoriesItself()) {
      throw FuseException.of(Errno.ENOSYS);
    }
    out.handle(directories.add(overlay.openDirectory(nodes.node(request.nodeId()))));
    // A listing only changes through this mount, and the kernel drops its cached copy when it changes one.
    out.cacheDir().keepCache();
  }

  @Override
  public void readdir(Request request, long handle, long offset, DirentWriter out) throws IOException {
    readDirectory(request.nodeId(), nodes.node(request.nodeId()), handle, offset, out::add);
  }

  /** Reads a directory opened with a handle, or without one (handle 0) through its cursor. */
  private void readDirectory(long nodeId, Node dir, long handle, long offset, OpenDirectory.Sink sink)
      throws IOException {
    if (handle != 0) {
      if (!directories.get(handle).read(offset, sink)) {
        throw FuseException.of(Errno.EBADF);
      }
      return;
    }
    cursors.read(nodeId, dir, offset, sink);
  }

  /**
   * Like READDIR, each entry with its lookup and attributes, while the kernel holds fewer node ids than the node
   * limit; past it, entries go as names alone (node id 0), which the kernel lists without caching, looking up
   * only those a caller stats: a huge directory then never makes the kernel pin, and this daemon hold, a node
   * per entry beyond the limit.
   */
  @Override
  public void readdirplus(Request request, long handle, long offset, DirentWriter out) throws IOException {
    Entry dir = nodes.get(request.nodeId());
    readDirectory(dir.id, dir.node, handle, offset, (name, ino, type, nextOffset) -> {
      EntryOut entry = out.addPlus(name, ino, type, nextOffset);
      if (entry == null) {
        return false;
      }
      if (isDotOrDotDot(name) || nodes.size() >= settings.nodeLimit()) {
        return true;
      }
      NodeAttributes found;
      try {
        found = overlay.lookupWithAttributes(dir.node, name);
      } catch (PosixException ignored) {
        return true; // listed but gone (a whiteout in a directory read as it is): the name goes without a lookup
      }
      if (found != null) {
        answerEntry(found.node(), found.attributes(), dir, name, entry);
      }
      return true;
    });
  }

  private static boolean isDotOrDotDot(byte[] name) {
    return name.length <= 2 && name.length > 0 && name[0] == '.' && (name.length == 1 || name[1] == '.');
  }

  @Override
  public void releasedir(Request request, long handle) {
    OpenDirectory open = directories.remove(handle);
    if (open != null) {
      open.close();
    }
  }

  @Override
  public void fsyncdir(Request request, long handle, boolean dataOnly) throws IOException {
    if (settings.syncWrites()) {
      overlay.fsyncDirectory(nodes.node(request.nodeId()));
    }
  }

  @Override
  public void statfs(Request request, StatfsOut out) throws IOException {
    out.set(overlay.statfs());
  }

  // ---------------------------------------------------------------- inode flags

  /**
   * Inode flags ({@code lsattr}, {@code chattr}), the only ioctls the kernel's overlay answers: it has no ioctls of
   * its own, so any other command is ENOTTY there and here. The kernel has already checked ownership and
   * {@code CAP_LINUX_IMMUTABLE} when a set arrives, and sends them on a handle it opened for the purpose; the node
   * alone says what they are about.
   */
  @Override
  public int ioctl(Request request, long handle, int flags, int command, MemorySegment in, MemorySegment out)
      throws IOException {
    Entry entry = nodes.get(request.nodeId());
    long cmd = Integer.toUnsignedLong(command);
    if (out.byteSize() < (cmd == InodeFlags.FS_IOC_GETFLAGS ? Integer.BYTES : InodeFlags.FSXATTR_SIZE)
        && (cmd == InodeFlags.FS_IOC_GETFLAGS || cmd == InodeFlags.FS_IOC_FSGETXATTR)) {
      throw FuseException.of(Errno.EINVAL);
    }
    if (cmd == InodeFlags.FS_IOC_GETFLAGS) {
      out.set(JAVA_INT, 0, overlay.getFlags(entry.node));
      return Integer.BYTES;
    }
    if (cmd == InodeFlags.FS_IOC_FSGETXATTR) {
      overlay.getFsxAttr(entry.node).encode(out);
      return InodeFlags.FSXATTR_SIZE;
    }
    if (cmd != InodeFlags.FS_IOC_SETFLAGS && cmd != InodeFlags.FS_IOC_FSSETXATTR) {
      throw FuseException.of(Errno.ENOTTY);
    }
    if (in.byteSize() < (cmd == InodeFlags.FS_IOC_SETFLAGS ? Integer.BYTES : InodeFlags.FSXATTR_SIZE)) {
      throw FuseException.of(Errno.EINVAL);
    }
    try (CopyUps watch = watch(entry)) {
      if (cmd == InodeFlags.FS_IOC_SETFLAGS) {
        overlay.setFlags(entry.node, in.get(JAVA_INT, 0));
      } else {
        overlay.setFsxAttr(entry.node, InodeFlags.FsxAttr.decode(in));
      }
      watch.succeeded();
    } finally {
      invalidate(entry, false); // its ctime changed
    }
    return 0;
  }

  // ---------------------------------------------------------------- extended attributes

  @Override
  public void setxattr(Request request, byte[] name, byte[] value, int flags) throws IOException {
    Entry entry = nodes.get(request.nodeId());
    try (CopyUps watch = watch(entry)) {
      overlay.setxattr(entry.node, Xattrs.name(name), value, flags);
      watch.succeeded();
    }
  }

  @Override
  public void getxattr(Request request, byte[] name, XattrOut out) throws IOException {
    byte[] value = overlay.getxattrIfPresent(nodes.node(request.nodeId()), Xattrs.name(name));
    if (value == null) {
      throw FuseException.of(Errno.ENODATA);
    }
    out.value(value);
  }

  @Override
  public void listxattr(Request request, XattrOut out) throws IOException {
    for (String name : overlay.listxattr(nodes.node(request.nodeId()))) {
      out.name(Xattrs.bytes(name));
    }
  }

  @Override
  public void removexattr(Request request, byte[] name) throws IOException {
    Entry entry = nodes.get(request.nodeId());
    try (CopyUps watch = watch(entry)) {
      overlay.removexattr(entry.node, Xattrs.name(name));
      watch.succeeded();
    }
  }

  /**
   * {@code access(2)} by the mode bits, for mounts without {@code default_permissions}; root may do anything but
   * execute a file nobody may execute.
   */
  @Override
  public void access(Request request, int mask) throws IOException {
    Stat st = attributes(nodes.get(request.nodeId()));
    int perms = st.permissions();
    if (request.uid() == 0) {
      if ((mask & 1) != 0 && !st.isDirectory() && (perms & 0111) == 0) {
        throw FuseException.of(Errno.EACCES);
      }
      return;
    }
    int granted = request.uid() == st.uid() ? perms >> 6 : request.gid() == st.gid() ? perms >> 3 : perms;
    if ((mask & 7 & ~granted) != 0) {
      throw FuseException.of(Errno.EACCES);
    }
  }

  // ---------------------------------------------------------------- copy-up side effects

  /**
   * Notes the nodes on the paths from {@code starts} up to the first upper directory that are still only in a lower
   * layer; {@link CopyUps#close} tells the kernel about those the operation copied up.
   */
  private CopyUps watch(Entry... starts) {
    List<Entry> lowerOnly = null;
    for (Entry start : starts) {
      for (Entry e = start; e != null && !e.node.isUpper(); e = e.parent) {
        if (lowerOnly == null) {
          lowerOnly = new ArrayList<>(4);
        }
        if (!lowerOnly.contains(e)) {
          lowerOnly.add(e);
        }
      }
    }
    return new CopyUps(starts, lowerOnly);
  }

  /** The nodes one operation is about, and the lower-only ones among them and their ancestors it may copy up. */
  private final class CopyUps implements AutoCloseable {
    private final Entry[] starts;
    private final List<Entry> lowerOnly;
    private boolean succeeded;
    private Entry answered;

    CopyUps(Entry[] starts, List<Entry> lowerOnly) {
      this.starts = starts;
      this.lowerOnly = lowerOnly;
    }

    /** The operation succeeded, so the kernel drops the attributes of the nodes it changed by itself. */
    void succeeded() {
      succeeded = true;
    }

    /**
     * The operation succeeded and its reply carries the fresh attributes of {@code entry} (a SETATTR's), which the
     * kernel takes in place of whatever it cached: a copy-up of that node needs no invalidation of its own.
     */
    void succeeded(Entry entry) {
      succeeded = true;
      answered = entry;
    }

    /**
     * For each node copied up: its attributes changed (a directory becomes a merge directory, link count 1) and so
     * did its parent's (a new entry in its upper copy), and so did the parent's listing, whose order follows the
     * layers that hold each name; a cached lower file's pages stay valid, the data is the same. A failed operation
     * may have copied up or marked what it is about before it failed, which the kernel does not expect: their
     * attributes go too.
     */
    @Override
    public void close() {
      if (!succeeded) {
        for (Entry e : starts) {
          if (e != null) {
            invalidate(e, false);
          }
        }
      }
      if (lowerOnly == null) {
        return;
      }
      for (Entry e : lowerOnly) {
        if (e.node.isUpper()) {
          if (e != answered) {
            invalidate(e, false);
          }
          if (e.parent != null) {
            invalidate(e.parent, true);
          }
        }
      }
    }
  }

  /**
   * Drops the kernel's cached attributes of a node and, for {@code listing}, the directory listing it caches in the
   * inode's pages. Safe from a request handler: neither takes the inode's lock.
   */
  private void invalidate(Entry entry, boolean listing) {
    Connection c = connection;
    if (c == null) {
      return;
    }
    try {
      c.invalidateInode(entry.id, listing ? 0 : -1, 0);
    } catch (IOException e) {
      System.getLogger("dev.layerfs.fuse").log(Level.DEBUG, () -> "could not invalidate node " + entry.id + ": " + e);
    }
  }
}
