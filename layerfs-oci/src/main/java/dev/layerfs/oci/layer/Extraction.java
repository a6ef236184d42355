package dev.layerfs.oci.layer;

import dev.layerfs.oci.tar.SparseMap;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarFormatException;
import dev.layerfs.oci.tar.TarReader;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One run of {@link LayerApply}: the tar's entries created in a directory, one by one, through descriptors.
 *
 * <p>Directories are created {@code 0700} and get their mode and times only at the end, deepest first, so that
 * entries can go into directories the layer makes read-only and the times are not disturbed by later entries.
 */
final class Extraction implements AutoCloseable {
  private static final byte[] WHITEOUT_PREFIX = {'.', 'w', 'h', '.'};
  private static final byte[] META_PREFIX = ".wh..wh.".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OPAQUE_MARKER = ".wh..wh..opq".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] YES = {'y'};
  private static final byte[] HERE = {};
  private static final int MAX_WARNINGS = 20;

  /** What an entry of this layer made at its path. */
  private enum Kind { DIRECTORY, FILE, MARKER }

  /** A directory's metadata, applied at the end. */
  private record DirMeta(EntryPath path, int mode, Timespec atime, Timespec mtime) {}

  record Stats(long entries, long whiteouts, long opaqueDirectories, List<String> warnings) {}

  private final int rootFd;
  private final int euid = Posix.geteuid();
  private final int egid = Posix.getegid();
  private final OverlayNamespace namespace;
  private final boolean privileged;
  private final long maxFileSize;
  private final LowerLayers lowers;
  private final Cursor cursor;
  private final Map<String, Kind> entries = new HashMap<>();
  private final Set<String> implicitDirectories = new HashSet<>();
  private final Set<String> whitedOut = new HashSet<>();
  private final Set<String> opaque = new HashSet<>();
  private final TreeMap<String, DirMeta> directories = new TreeMap<>();
  private final Map<String, Integer> warnings = new LinkedHashMap<>();
  private final Arena arena = Arena.ofConfined();
  private final MemorySegment nativeBuffer = arena.allocate(Fds.BUFFER);
  private final byte[] buffer = new byte[Fds.BUFFER];
  private DirMeta rootMeta;
  private long entryCount;
  private long whiteouts;
  private long opaqueDirectories;

  Extraction(Path dir, OverlayNamespace namespace, boolean privileged, long maxFileSize, LowerLayers lowers)
      throws IOException {
    this.namespace = namespace;
    this.privileged = privileged;
    this.maxFileSize = maxFileSize;
    this.lowers = lowers;
    try {
      this.rootFd = Fds.openDirectory(dir);
      if (!Posix.readDirectory(rootFd, new byte[] {'.'}).isEmpty()) {
        Posix.closeQuietly(rootFd);
        throw new IOException(dir + ": a layer must be extracted into an empty directory");
      }
      Posix.fchmod(rootFd, 0700);
    } catch (IOException e) {
      arena.close();
      if (lowers != null) {
        lowers.close();
      }
      throw e;
    }
    this.cursor = new Cursor();
  }

  void run(TarReader tar) throws IOException {
    for (TarEntry entry = tar.next(); entry != null; entry = tar.next()) {
      entryCount++;
      String shown = Names.printable(entry.name());
      try {
        apply(entry, tar, shown);
      } catch (InvalidLayerException | TarFormatException e) {
        throw e;
      } catch (PosixException e) {
        throw new IOException("layer entry '" + shown + "': " + e.getMessage(), e);
      }
    }
    finishDirectories();
  }

  Stats stats() {
    List<String> list = new ArrayList<>();
    warnings.forEach((w, n) -> list.add(n == 1 ? w : w + " (" + n + " times)"));
    return new Stats(entryCount, whiteouts, opaqueDirectories, list);
  }

  private void apply(TarEntry entry, TarReader tar, String shown) throws IOException {
    EntryPath path;
    try {
      path = EntryPath.parse(entry.name());
    } catch (EntryPath.ProblemException e) {
      throw new InvalidLayerException(shown, e.getMessage());
    }
    if (path.isRoot()) {
      applyRoot(entry, shown);
      return;
    }
    byte[] base = path.last();
    if (path.depth() == 1 && Arrays.equals(base, OPAQUE_MARKER)) {
      throw new InvalidLayerException(shown, "an opaque marker for the layer's root cannot be expressed by an "
          + "overlay layer (the kernel ignores opaque roots)");
    }
    if (startsWith(path.parts()[0], META_PREFIX) && !Arrays.equals(path.parts()[0], OPAQUE_MARKER)) {
      return;
    }
    claim(path, shown, startsWith(base, WHITEOUT_PREFIX) ? Kind.MARKER
        : entry.type() == TarEntry.Type.DIRECTORY ? Kind.DIRECTORY : Kind.FILE);
    if (Arrays.equals(base, OPAQUE_MARKER)) {
      markOpaque(path.parent(), shown);
    } else if (startsWith(base, META_PREFIX)) {
      throw new InvalidLayerException(shown, "unknown whiteout meta-entry (only .wh..wh..opq is defined)");
    } else if (startsWith(base, WHITEOUT_PREFIX)) {
      whiteout(path.parent(), Arrays.copyOfRange(base, WHITEOUT_PREFIX.length, base.length), entry, shown);
    } else {
      create(path, entry, tar, shown);
    }
  }

  /** Records the entry's path, refusing a second entry for it. */
  private void claim(EntryPath path, String shown, Kind kind) throws InvalidLayerException {
    if (entries.putIfAbsent(path.key(), kind) != null) {
      throw new InvalidLayerException(shown, "duplicate entry: '" + path.display() + "' appears twice in the layer");
    }
  }

  private void applyRoot(TarEntry entry, String shown) throws IOException {
    if (entry.type() != TarEntry.Type.DIRECTORY) {
      throw new InvalidLayerException(shown, "the layer's root must be a directory, not a " + entry.type());
    }
    if (rootMeta != null) {
      throw new InvalidLayerException(shown, "duplicate entry: the root appears twice in the layer");
    }
    if (privileged) {
      Posix.fchownat(rootFd, HERE, uid(entry, shown), gid(entry, shown), Posix.AT_EMPTY_PATH);
    }
    setXattrs(rootFd, HERE, entry, shown);
    rootMeta = new DirMeta(EntryPath.ROOT, entry.mode(), atime(entry), time(entry.mtime()));
  }

  // ---------------------------------------------------------------- whiteouts

  private void markOpaque(EntryPath dir, String shown) throws IOException {
    int fd = cursor.open(dir, shown);
    setOpaque(fd, HERE, dir);
  }

  private void whiteout(EntryPath parent, byte[] name, TarEntry entry, String shown) throws IOException {
    if (name.length == 0 || Names.isDotOrDotDot(name)) {
      throw new InvalidLayerException(shown, "a whiteout of '" + Names.printable(name) + "' is not allowed");
    }
    whiteouts++;
    EntryPath target = parent.child(name);
    whitedOut.add(target.key());
    int dirFd = cursor.open(parent, shown);
    Stat existing = Posix.lstatatOrNull(dirFd, name);
    if (existing == null) {
      Posix.mknodat(dirFd, name, Posix.S_IFCHR, 0);
      setTimes(dirFd, name, entry);
    } else if (existing.isDirectory()) {
      setOpaque(dirFd, name, target);
    }
    // A non-directory of this layer already hides whatever the lower layers have at this name.
  }

  private void setOpaque(int dirFd, byte[] name, EntryPath path) throws PosixException {
    Xattrs.set(dirFd, name, namespace.opaque(), YES, 0);
    if (opaque.add(path.key())) {
      opaqueDirectories++;
    }
  }

  /** Whether a directory of this layer above {@code path} is opaque, so that no lower layer shows through. */
  private boolean hiddenByThisLayer(EntryPath path) {
    for (int i = 1; i < path.depth(); i++) {
      if (opaque.contains(path.prefix(i).key())) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- entries

  private void create(EntryPath path, TarEntry entry, TarReader tar, String shown) throws IOException {
    int dirFd = cursor.open(path.parent(), shown);
    byte[] name = path.last();
    switch (entry.type()) {
      case DIRECTORY -> directory(dirFd, path, entry, shown);
      case REGULAR -> regular(dirFd, path, entry, tar.content(), shown);
      case SYMLINK -> {
        make(dirFd, path, shown, () -> Posix.symlinkat(entry.linkTarget(), dirFd, name));
        finishNonDirectory(dirFd, name, entry, shown, false);
      }
      case HARD_LINK -> hardLink(dirFd, path, entry, shown);
      case CHAR_DEVICE, BLOCK_DEVICE -> device(dirFd, path, entry, shown);
      case FIFO -> {
        make(dirFd, path, shown, () -> Posix.mknodat(dirFd, name, Posix.S_IFIFO | 0600, 0));
        finishNonDirectory(dirFd, name, entry, shown, true);
      }
    }
  }

  private void directory(int dirFd, EntryPath path, TarEntry entry, String shown) throws IOException {
    byte[] name = path.last();
    String key = path.key();
    Stat existing = mkdir(dirFd, name);
    boolean madeForEarlierEntries = existing != null && existing.isDirectory() && implicitDirectories.remove(key);
    if (existing != null && !madeForEarlierEntries) {
      if (!isOwnWhiteout(existing, key)) {
        throw new InvalidLayerException(shown, "'" + path.display() + "' already exists in this layer");
      }
      Posix.unlinkat(dirFd, name, 0);
      Posix.mkdirat(dirFd, name, 0700);
    }
    if (whitedOut.contains(key)) {
      setOpaque(dirFd, name, path);
    }
    chown(dirFd, name, entry, shown, Posix.AT_SYMLINK_NOFOLLOW);
    setXattrs(dirFd, name, entry, shown);
    directories.put(key, new DirMeta(path, entry.mode(), atime(entry), time(entry.mtime())));
  }

  private void regular(int dirFd, EntryPath path, TarEntry entry, InputStream data, String shown)
      throws IOException {
    if (entry.size() > maxFileSize) {
      throw new InvalidLayerException(shown, "logical size " + entry.size() + " exceeds the limit of "
          + maxFileSize + " bytes");
    }
    byte[] name = path.last();
    int[] created = new int[1];
    make(dirFd, path, shown, () -> created[0] = Posix.openat(dirFd, name,
        Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW, 0600));
    int fd = created[0];
    try {
      SparseMap sparse = entry.sparseMap().orElse(null);
      if (sparse == null) {
        copy(data, fd, 0, entry.size(), shown);
      } else {
        for (SparseMap.Region region : sparse.regions()) {
          copy(data, fd, region.offset(), region.length(), shown);
        }
        Posix.ftruncate(fd, entry.size());
      }
      chown(fd, HERE, entry, shown, Posix.AT_EMPTY_PATH);
      Posix.fchmod(fd, entry.mode());
      Posix.utimensat(fd, HERE, atime(entry), time(entry.mtime()), Posix.AT_EMPTY_PATH);
    } finally {
      Posix.closeQuietly(fd);
    }
    setXattrs(dirFd, name, entry, shown);
  }

  private void copy(InputStream data, int fd, long offset, long length, String shown) throws IOException {
    long done = 0;
    while (done < length) {
      int n = data.read(buffer, 0, (int) Math.min(buffer.length, length - done));
      if (n < 0) {
        throw new InvalidLayerException(shown, "data ends after " + done + " of " + length + " bytes");
      }
      Fds.write(fd, nativeBuffer, buffer, n, offset + done);
      done += n;
    }
  }

  private void hardLink(int dirFd, EntryPath path, TarEntry entry, String shown) throws IOException {
    EntryPath target;
    try {
      target = EntryPath.parse(entry.linkTarget());
    } catch (EntryPath.ProblemException e) {
      throw new InvalidLayerException(shown, "hard link target '" + Names.printable(entry.linkTarget()) + "': "
          + e.getMessage());
    }
    if (target.isRoot() || entries.get(target.key()) != Kind.FILE || target.equals(path)) {
      throw new InvalidLayerException(shown, "hard link target '" + target.display()
          + "' is not an earlier file of this layer");
    }
    int targetDir = cursor.openSeparately(target.parent(), shown);
    try {
      make(dirFd, path, shown, () -> Posix.linkat(targetDir, target.last(), dirFd, path.last(), 0));
    } finally {
      Posix.closeQuietly(targetDir);
    }
  }

  private void device(int dirFd, EntryPath path, TarEntry entry, String shown) throws IOException {
    String kind = (entry.type() == TarEntry.Type.CHAR_DEVICE ? "character" : "block") + " device "
        + entry.devMajor() + "," + entry.devMinor();
    if (!privileged) {
      throw new InvalidLayerException(shown, kind + ": creating device nodes needs root (CAP_MKNOD); apply the "
          + "layer as root");
    }
    if (entry.type() == TarEntry.Type.CHAR_DEVICE && entry.devMajor() == 0 && entry.devMinor() == 0) {
      throw new InvalidLayerException(shown, "a 0,0 character device is the overlay's whiteout and cannot be a "
          + "file of an overlay layer");
    }
    int type = entry.type() == TarEntry.Type.CHAR_DEVICE ? Posix.S_IFCHR : Posix.S_IFBLK;
    make(dirFd, path, shown, () -> Posix.mknodat(dirFd, path.last(), type | 0600,
        Posix.makedev(entry.devMajor(), entry.devMinor())));
    finishNonDirectory(dirFd, path.last(), entry, shown, true);
  }

  /** Owner, mode (not for symlinks), xattrs and times of a special file or symlink, in the order that keeps them. */
  private void finishNonDirectory(int dirFd, byte[] name, TarEntry entry, String shown, boolean chmod)
      throws IOException {
    chown(dirFd, name, entry, shown, Posix.AT_SYMLINK_NOFOLLOW);
    if (chmod) {
      Posix.fchmodat(dirFd, name, entry.mode());
    }
    setXattrs(dirFd, name, entry, shown);
    setTimes(dirFd, name, entry);
  }

  /** A call that creates one object. */
  private interface Creation {
    void run() throws PosixException;
  }

  /**
   * Creates a non-directory, trying first and clearing the way only when the name is taken (one system call in
   * the common case instead of two).
   */
  private void make(int dirFd, EntryPath path, String shown, Creation creation) throws IOException {
    try {
      creation.run();
    } catch (PosixException e) {
      if (e.errno() != Errno.EEXIST) {
        throw e;
      }
      makeRoom(dirFd, path, shown);
      creation.run();
    }
  }

  /** Makes a directory (mode 0700 until the end) and answers null, or answers what already has the name. */
  private static Stat mkdir(int dirFd, byte[] name) throws PosixException {
    try {
      Posix.mkdirat(dirFd, name, 0700);
      return null;
    } catch (PosixException e) {
      if (e.errno() != Errno.EEXIST) {
        throw e;
      }
      return Posix.lstatat(dirFd, name);
    }
  }

  /** Gives a new object the entry's owner, unless it is already this process's (root's files usually are). */
  private void chown(int dirFd, byte[] name, TarEntry entry, String shown, int flags) throws IOException {
    int uid = uid(entry, shown);
    int gid = gid(entry, shown);
    if (privileged && (uid != euid || gid != egid)) {
      Posix.fchownat(dirFd, name, uid, gid, flags);
    }
  }

  /**
   * Clears the way for a non-directory: only a whiteout this layer made may stand at its name (a whiteout and a
   * file of one layer mean "the file replaces what the lower layers had").
   */
  private void makeRoom(int dirFd, EntryPath path, String shown) throws IOException {
    Stat existing = Posix.lstatatOrNull(dirFd, path.last());
    if (existing == null) {
      return;
    }
    if (isOwnWhiteout(existing, path.key())) {
      Posix.unlinkat(dirFd, path.last(), 0);
      return;
    }
    throw new InvalidLayerException(shown, "'" + path.display() + "' is a directory that earlier entries of this "
        + "layer put files in");
  }

  private boolean isOwnWhiteout(Stat st, String key) {
    return st.isCharDevice() && st.rdev() == 0 && whitedOut.contains(key);
  }

  private void setXattrs(int dirFd, byte[] name, TarEntry entry, String shown) throws IOException {
    for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
      String stored = namespace.toLayer(x.getKey());
      try {
        Xattrs.set(dirFd, name, stored, x.getValue(), 0);
      } catch (PosixException e) {
        if (e.errno() == Errno.EPERM || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EACCES) {
          warn("xattr " + Xattrs.printable(x.getKey()) + " not kept: " + e.errnoName() + " (" + (privileged
              ? "the file system or file type refuses it" : "not running as root") + ")");
        } else {
          throw new IOException(
              "layer entry '" + shown + "': xattr " + Xattrs.printable(x.getKey()) + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private void setTimes(int dirFd, byte[] name, TarEntry entry) throws PosixException {
    Posix.utimensat(dirFd, name, atime(entry), time(entry.mtime()), Posix.AT_SYMLINK_NOFOLLOW);
  }

  private void warn(String warning) {
    if (warnings.containsKey(warning) || warnings.size() < MAX_WARNINGS) {
      warnings.merge(warning, 1, Integer::sum);
    }
  }

  // ---------------------------------------------------------------- the end

  /** Gives every directory its mode and times, children before parents, the root last. */
  private void finishDirectories() throws IOException {
    for (String key : implicitDirectories) {
      EntryPath path = new EntryPath(splitKey(key));
      directories.put(key, new DirMeta(path, 0755, null, null));
    }
    for (DirMeta dir : directories.descendingMap().values()) {
      String shown = dir.path.display();
      int parent = cursor.open(dir.path.parent(), shown);
      Posix.fchmodat(parent, dir.path.last(), dir.mode);
      if (dir.mtime != null) {
        Posix.utimensat(parent, dir.path.last(), dir.atime, dir.mtime, Posix.AT_SYMLINK_NOFOLLOW);
      }
    }
    cursor.reset();
    if (rootMeta != null) {
      Posix.fchmod(rootFd, rootMeta.mode);
      Posix.utimensat(rootFd, HERE, rootMeta.atime, rootMeta.mtime, Posix.AT_EMPTY_PATH);
    } else {
      Posix.fchmod(rootFd, 0755);
    }
  }

  private static byte[][] splitKey(String key) {
    return Arrays.stream(key.split("/", -1)).map(s -> s.getBytes(StandardCharsets.ISO_8859_1))
        .toArray(byte[][]::new);
  }

  // ---------------------------------------------------------------- helpers

  private static boolean startsWith(byte[] name, byte[] prefix) {
    return name.length >= prefix.length && Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static Timespec time(Instant t) {
    return new Timespec(t.getEpochSecond(), t.getNano());
  }

  private static Timespec atime(TarEntry entry) {
    return time(entry.atime().orElse(entry.mtime()));
  }

  private static int uid(TarEntry entry, String shown) throws InvalidLayerException {
    return id(entry.uid(), "uid", shown);
  }

  private static int gid(TarEntry entry, String shown) throws InvalidLayerException {
    return id(entry.gid(), "gid", shown);
  }

  private static int id(long id, String what, String shown) throws InvalidLayerException {
    if (id < 0 || id >= 0xffffffffL) {
      throw new InvalidLayerException(shown, what + " " + id + " is not a valid Linux id");
    }
    return (int) id;
  }

  @Override
  public void close() {
    cursor.reset();
    Posix.closeQuietly(rootFd);
    arena.close();
    if (lowers != null) {
      lowers.close();
    }
  }

  /**
   * The open directories of the path last worked in, from the root down: entries of a tar come grouped by
   * directory, so most entries reuse them. Missing directories are made on the way ("implicit" directories,
   * mode 0755 unless an entry says otherwise); a symlink on the way is refused.
   */
  private final class Cursor {
    private final List<byte[]> names = new ArrayList<>();
    private final List<Integer> fds = new ArrayList<>();

    /** The directory at {@code dir}, made if missing; the descriptor stays owned by the cursor. */
    int open(EntryPath dir, String shown) throws IOException {
      int common = 0;
      while (common < names.size() && common < dir.depth() && Arrays.equals(names.get(common), dir.parts()[common])) {
        common++;
      }
      while (names.size() > common) {
        names.removeLast();
        Posix.closeQuietly(fds.removeLast());
      }
      for (int i = common; i < dir.depth(); i++) {
        int parent = fds.isEmpty() ? rootFd : fds.getLast();
        int fd = step(parent, dir.prefix(i + 1), shown, true);
        names.add(dir.parts()[i]);
        fds.add(fd);
      }
      return fds.isEmpty() ? rootFd : fds.getLast();
    }

    /** Opens {@code dir}, which must exist, without disturbing the cursor; the caller closes it. */
    int openSeparately(EntryPath dir, String shown) throws IOException {
      int fd = Posix.dup(rootFd);
      for (int i = 0; i < dir.depth(); i++) {
        int next;
        try {
          next = step(fd, dir.prefix(i + 1), shown, false);
        } finally {
          Posix.closeQuietly(fd);
        }
        fd = next;
      }
      return fd;
    }

    private int step(int parent, EntryPath path, String shown, boolean create) throws IOException {
      byte[] name = path.last();
      try {
        return Fds.openDirectory(parent, name);
      } catch (PosixException e) {
        switch (e.errno()) {
          case Errno.ENOENT -> {
            if (!create) {
              throw new InvalidLayerException(shown, "'" + path.display() + "' does not exist", e);
            }
            makeImplicit(parent, path, shown, true);
          }
          case Errno.ELOOP -> throw throughSymlink(shown, path);
          case Errno.ENOTDIR -> {
            Stat st = Posix.lstatat(parent, name);
            if (st.isSymlink()) {
              throw throughSymlink(shown, path);
            }
            if (!create || !isOwnWhiteout(st, path.key())) {
              throw new InvalidLayerException(shown, "'" + path.display() + "' is not a directory in this layer");
            }
            Posix.unlinkat(parent, name, 0);
            makeImplicit(parent, path, shown, false);
            setOpaque(parent, name, path);
          }
          default -> throw e;
        }
        return Fds.openDirectory(parent, name);
      }
    }

    private InvalidLayerException throughSymlink(String shown, EntryPath path) {
      return new InvalidLayerException(shown, "the path goes through '" + path.display()
          + "', a symlink made by an earlier entry of this layer");
    }

    /** Makes a directory no entry has named yet; a lower one is only looked at when this layer does not hide it. */
    private void makeImplicit(int parent, EntryPath path, String shown, boolean lowerVisible) throws IOException {
      if (lowers != null && lowerVisible && !hiddenByThisLayer(path)) {
        try (LowerLayers.Found below = lowers.lookup(path)) {
          if (below != null && below.stat().isSymlink()) {
            throw new InvalidLayerException(shown, "the path goes through '" + path.display()
                + "', a symlink in a lower layer (" + lowers.layerName(below.layer()) + ")");
          }
        }
      }
      Posix.mkdirat(parent, path.last(), 0700);
      implicitDirectories.add(path.key());
    }

    void reset() {
      names.clear();
      fds.forEach(Posix::closeQuietly);
      fds.clear();
    }
  }
}
