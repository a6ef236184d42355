package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.FileHandle;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies a lower object into the upper layer before its first change, as the kernel's {@code ovl_copy_up} does:
 * ancestors first, the object built in the work dir (an {@code O_TMPFILE} for regular files, a {@code #hex} name
 * otherwise), then linked or renamed into place in one step, so a crash never shows a partial copy.
 *
 * <p>Order of the metadata follows the kernel: the parent is marked impure, data is copied (reflink, else
 * {@code copy_file_range} over the data regions only, so holes stay holes), then xattrs except the overlay's own,
 * the inode flags ({@link FileAttr#copyUp}), the origin handle, mode, owner and last atime/mtime; the upper
 * parent's times are restored afterwards.
 *
 * <p>Under {@code metacopy=on} a regular file whose attributes, xattrs or names change is copied without its data
 * (an empty {@code overlay.metacopy} and the size as a hole), and its data follows at the first open for writing or
 * truncation, into the upper file in place.
 *
 * <p>Each node's copy-up is serialized on the node; the data copy runs without the directory lock, which is taken
 * only for the final link or rename.
 */
final class CopyUp {
  private static final long CHUNK = 1 << 20;
  private static final byte[] EMPTY = new byte[0];

  private static final byte[] NULL_UUID = new byte[16];
  private static final String CAPABILITY = "security.capability";

  /** Locks of data copy-ups by upper inode number, so hard links of one metacopy file copy its data once. */
  private final Object[] dataLocks = new Object[64];

  private final Overlay o;

  CopyUp(Overlay overlay) {
    this.o = overlay;
    for (int i = 0; i < dataLocks.length; i++) {
      dataLocks[i] = new Object();
    }
  }

  /** What a copy-up of a regular file must bring into the upper layer besides its metadata. */
  enum Data {
    /** Its data: the caller writes to it. */
    ALL,
    /** Nothing: the caller truncates it to zero ({@code O_TRUNC}, {@code truncate(f, 0)}). */
    NONE,
    /**
     * Its data unless {@code metacopy=on}, which copies only the metadata: the caller changes attributes, xattrs
     * or names (the kernel's {@code ovl_need_meta_copy_up}).
     */
    UNLESS_METACOPY
  }

  /**
   * Makes sure {@code node} has an upper copy holding what {@code data} asks for: an upper metacopy file gets its
   * data when the caller needs it ({@link Data#ALL} or {@link Data#NONE}).
   */
  void ensureUpper(Node node, Data data) throws PosixException {
    if (node.inUpper && (!node.isMetacopy() || data == Data.UNLESS_METACOPY)) {
      return;
    }
    if (node.dead) {
      throw new PosixException(Errno.ENOENT, "copy-up", node.toString(), "the name was removed");
    }
    Node parent = node.parent;
    ensureUpper(parent, Data.ALL);
    synchronized (node) {
      if (!node.inUpper) {
        copy(node, parent, data);
      }
      if (node.inUpper && node.isMetacopy() && data != Data.UNLESS_METACOPY) {
        copyUpData(node, data == Data.ALL);
      }
    }
  }

  private void copy(Node node, Node parent, Data data) throws PosixException {
    Lower src = node.lowers[0];
    Stat st = src.layer().stat(src.path());
    byte[] parentPath = o.lookups.path(parent);
    Stat parentStat = o.upper.stat(parentPath);
    byte[] origin = node.isDirectory() || st.nlink() == 1 ? originOf(src.layer(), src.path()) : null;
    markImpure(parent, parentPath);
    int parentFd = o.upper.open(parentPath, Posix.O_PATH | Posix.O_DIRECTORY, 0);
    try {
      boolean meta = st.isRegularFile() && data == Data.UNLESS_METACOPY && o.options.metacopy();
      Copy what = new Copy(node, src, st, origin, data != Data.NONE, meta);
      long upperIno = st.isRegularFile() ? copyRegular(parent, parentFd, what) : copyOther(parent, parentFd, what);
      if (upperIno < 0) {
        return;
      }
      if (origin == null && !node.isDirectory()) {
        node.ino = o.inodes.map(o.upper, upperIno);
      }
      node.hasOrigin = origin != null;
      node.metacopy = meta ? new Node.Metacopy() : null;
      node.inUpper = true;
      Posix.utimensat(parentFd, EMPTY, parentStat.atime(), parentStat.mtime(), Posix.AT_EMPTY_PATH);
    } finally {
      Posix.closeQuietly(parentFd);
    }
  }

  /**
   * One object to copy: the node, its top lower object and that object's stat, the origin to record (or null), and
   * for a regular file whether its data goes along or, for a metadata-only copy, only its size.
   */
  private record Copy(Node node, Lower src, Stat st, byte[] origin, boolean data, boolean meta) {}

  /**
   * Answers the upper inode (0 when the node keeps its inode number, from its origin or as a directory), or -1
   * when the name was removed meanwhile and the copy was dropped.
   */
  private long copyRegular(Node parent, int parentFd, Copy c) throws PosixException {
    int tmp = o.work.openTmpfile(c.st.mode() & 07777);
    if (tmp < 0) {
      return copyOther(parent, parentFd, c);
    }
    try {
      fillRegular(c, tmp);
      copyMetadata(c, tmp, EMPTY);
      parent.dirLock.writeLock().lock();
      try {
        if (c.node.dead) {
          return -1;
        }
        WorkDir.linkTmpfile(tmp, parentFd, c.node.name);
      } finally {
        parent.dirLock.writeLock().unlock();
      }
      return c.origin != null ? 0 : Posix.fstat(tmp).ino();
    } finally {
      Posix.closeQuietly(tmp);
    }
  }

  /**
   * The data of a new upper regular file: copied and synced, or for a metadata-only copy just its size, as a hole
   * (the kernel's {@code ovl_set_size}).
   */
  private void fillRegular(Copy c, int fd) throws PosixException {
    if (c.meta) {
      Posix.ftruncate(fd, c.st.size());
    } else if (c.data) {
      Lower data = c.node.lowerData();
      copyData(data == null ? c.src : data, data == null ? c.st : data.layer().stat(data.path()), fd);
      if (c.st.size() > 0 && !o.options.volatileWrites()) {
        Posix.fsync(fd);
      }
    }
  }

  private long copyOther(Node parent, int parentFd, Copy c) throws PosixException {
    Node node = c.node;
    Lower src = c.src;
    Stat st = c.st;
    byte[] tmp = o.work.tempName();
    int wd = o.work.fd;
    try {
      switch (st.type()) {
        case Posix.S_IFDIR -> Posix.mkdirat(wd, tmp, 0);
        case Posix.S_IFLNK -> Posix.symlinkat(src.layer().readlink(src.path()), wd, tmp);
        case Posix.S_IFREG -> {
          int fd = Posix.openat(wd, tmp, Posix.O_CREAT | Posix.O_EXCL | Posix.O_RDWR, 0);
          try {
            fillRegular(c, fd);
          } finally {
            Posix.closeQuietly(fd);
          }
        }
        default -> Posix.mknodat(wd, tmp, st.type(), st.rdev());
      }
      copyMetadata(c, wd, tmp);
      parent.dirLock.writeLock().lock();
      try {
        if (node.dead) {
          o.work.remove(tmp);
          return -1;
        }
        Posix.renameat2(wd, tmp, parentFd, node.name, Posix.RENAME_NOREPLACE);
      } finally {
        parent.dirLock.writeLock().unlock();
      }
      return c.origin != null || node.isDirectory() ? 0 : Posix.lstatat(parentFd, node.name).ino();
    } catch (PosixException e) {
      removeQuietly(tmp);
      throw e;
    }
  }

  private void removeQuietly(byte[] tmp) {
    try {
      o.work.remove(tmp);
    } catch (PosixException ignored) {
      // Cleaned at the next start.
    }
  }

  /**
   * Copies the data of an upper metacopy file into it (with {@code data} false, for a truncation to zero, only
   * ends its metacopy state), in place as the kernel's {@code ovl_copy_up_meta_inode_data} does: the data regions,
   * a sync, {@code security.capability} put back (a write clears it), and last the removal of
   * {@code overlay.metacopy}, so a crash before the end leaves a metacopy file that is copied again. Not through
   * the work dir: the upper file has its name already, and readers that opened the lower data switch to it after.
   * Hard links of the file share one upper inode but not one node: the xattr, checked under a lock of the inode,
   * says whether another link did it already.
   */
  private void copyUpData(Node node, boolean data) throws PosixException {
    int fd = o.lookups.onTop(node, at -> at.layer().open(at.path(), Posix.O_WRONLY | Posix.O_NOFOLLOW, 0));
    try {
      Stat st = Posix.fstat(fd);
      synchronized (dataLocks[(int) (st.ino() & (dataLocks.length - 1))]) {
        if (OverlayXattrs.read(fd, EMPTY, o.xattrs.metacopy) == null) {
          node.metacopy.dataCopiedUp = true;
          return;
        }
        byte[] capability = data && st.size() > 0 ? OverlayXattrs.read(fd, EMPTY, CAPABILITY) : null;
        if (data && st.size() > 0) {
          Lower lowerData = node.lowerData();
          copyData(lowerData, lowerData.layer().stat(lowerData.path()), fd);
          if (!o.options.volatileWrites()) {
            Posix.fsync(fd);
          }
        }
        if (capability != null) {
          Xattrs.set(fd, EMPTY, CAPABILITY, capability, 0);
        }
        Xattrs.remove(fd, EMPTY, o.xattrs.metacopy);
        node.metacopy.dataCopiedUp = true;
      }
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  /**
   * Copies the data regions of the lower file that holds a node's data (its top lower one, or the one below a
   * metacopy file), whose stat is {@code st}; the holes between them stay holes. A file with as many blocks as bytes
   * has no holes, and is copied without asking where they are.
   */
  private void copyData(Lower src, Stat st, int out) throws PosixException {
    long size = st.size();
    if (size == 0) {
      return;
    }
    int in = src.layer().open(src.path(), Posix.O_RDONLY, 0);
    try {
      if (reflink(src.layer(), in, out)) {
        return;
      }
      if (st.blocks() * 512 >= size) {
        copyRange(in, out, 0, size);
        return;
      }
      long pos = 0;
      while (pos < size) {
        long start = seek(in, pos, Posix.SEEK_DATA, size);
        if (start >= size) {
          break;
        }
        long end = Math.min(size, seek(in, start, Posix.SEEK_HOLE, size));
        copyRange(in, out, start, end);
        pos = end;
      }
      Posix.ftruncate(out, size);
    } finally {
      Posix.closeQuietly(in);
    }
  }

  /** Clones the whole file where the filesystems can; a layer that cannot is not asked again. */
  private static boolean reflink(Layer from, int in, int out) throws PosixException {
    if (from.cannotReflinkToUpper) {
      return false;
    }
    try {
      Posix.ioctl(out, Posix.FICLONE, in);
      return true;
    } catch (PosixException e) {
      int err = e.errno();
      if (err == Errno.EOPNOTSUPP || err == Errno.EXDEV || err == Errno.EINVAL || err == Errno.ENOTTY
          || err == Errno.EBADF || err == Errno.EPERM) {
        from.cannotReflinkToUpper = true;
        return false;
      }
      throw e;
    }
  }

  /** SEEK_DATA/SEEK_HOLE, with "no more data" as {@code size} and no hole support as "all data". */
  private static long seek(int fd, long from, int whence, long size) throws PosixException {
    try {
      return Posix.lseek(fd, from, whence);
    } catch (PosixException e) {
      if (e.errno() == Errno.ENXIO) {
        return size;
      }
      if (e.errno() == Errno.EINVAL) {
        return whence == Posix.SEEK_DATA ? from : size;
      }
      throw e;
    }
  }

  /** Copies [start, end) with {@code copy_file_range}, falling back to read and write between filesystems. */
  static void copyRange(int in, int out, long start, long end) throws PosixException {
    long pos = start;
    while (pos < end) {
      long n;
      try {
        n = Posix.copyFileRange(in, pos, out, pos, Math.min(end - pos, 1L << 30));
      } catch (PosixException e) {
        if (e.errno() != Errno.EXDEV && e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.EINVAL
            && e.errno() != Errno.ENOSYS) {
          throw e;
        }
        copyByReading(in, out, pos, end);
        return;
      }
      if (n == 0) {
        return;
      }
      pos += n;
    }
  }

  private static void copyByReading(int in, int out, long start, long end) throws PosixException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(CHUNK);
      long pos = start;
      while (pos < end) {
        long n = Posix.pread(in, buf.asSlice(0, Math.min(CHUNK, end - pos)), pos);
        if (n == 0) {
          return;
        }
        long written = 0;
        while (written < n) {
          written += Posix.pwrite(out, buf.asSlice(written, n - written), pos + written);
        }
        pos += n;
      }
    }
  }

  /**
   * Xattrs, inode flags, origin, mode, owner, times, in the kernel's order; {@code name} empty means the descriptor
   * itself.
   * Without privilege, owners and privileged xattrs that cannot be set are left as the process makes them.
   */
  private void copyMetadata(Copy c, int dirfd, byte[] name) throws PosixException {
    Stat st = c.st;
    copyXattrs(c.src, dirfd, name);
    if (st.isRegularFile() || st.isDirectory()) {
      o.fileAttr.copyUp(c.src, st.isDirectory(), dirfd, name);
    }
    if (c.origin != null) {
      try {
        Xattrs.set(dirfd, name, o.xattrs.origin, c.origin, 0);
      } catch (PosixException e) {
        if (e.errno() != Errno.EPERM) {
          throw e;
        }
        // user.overlay.origin cannot go on a symlink or device node; the kernel does without it too.
      }
    }
    if (c.meta) {
      Xattrs.set(dirfd, name, o.xattrs.metacopy, EMPTY, 0);
    }
    if (!st.isSymlink()) {
      if (name.length == 0) {
        Posix.fchmod(dirfd, st.permissions());
      } else {
        Posix.fchmodat(dirfd, name, st.permissions());
      }
    }
    chown(dirfd, name, st.uid(), st.gid());
    Posix.utimensat(dirfd, name, st.atime(), st.mtime(),
        name.length == 0 ? Posix.AT_EMPTY_PATH : Posix.AT_SYMLINK_NOFOLLOW);
  }

  void chown(int dirfd, byte[] name, int uid, int gid) throws PosixException {
    int flags = name.length == 0 ? Posix.AT_EMPTY_PATH : Posix.AT_SYMLINK_NOFOLLOW;
    try {
      Posix.fchownat(dirfd, name, uid, gid, flags);
    } catch (PosixException e) {
      if (o.privileged || e.errno() != Errno.EPERM) {
        throw e;
      }
    }
  }

  /** Copies every xattr the overlay does not own, escaped ones included, as the kernel's copy-up does. */
  void copyXattrs(Lower src, int dirfd, byte[] name) throws PosixException {
    try (Layer.Location at = src.layer().locate(src.path())) {
      for (String attr : Xattrs.list(at.dirfd(), at.name())) {
        if (o.xattrs.isPrivate(attr)) {
          continue;
        }
        byte[] value = Xattrs.get(at.dirfd(), at.name(), attr);
        if (value == null) {
          continue;
        }
        try {
          Xattrs.set(dirfd, name, attr, value, 0);
        } catch (PosixException e) {
          boolean tolerated = e.errno() == Errno.EOPNOTSUPP || (!o.privileged && e.errno() == Errno.EPERM);
          if (!tolerated) {
            throw e;
          }
        }
      }
    } catch (PosixException e) {
      if (e.errno() != Errno.EOPNOTSUPP) {
        throw e;
      }
    }
  }

  /** The origin value for a lower object: its handle, or empty when its filesystem has no handles. */
  byte[] originOf(Layer layer, byte[] path) throws PosixException {
    FileHandle fh;
    try (Layer.Location at = layer.locate(path)) {
      fh = Posix.nameToHandleAt(at.dirfd(), at.name(), 0);
    }
    return fh == null ? EMPTY : Origin.encode(fh, o.nullOriginUuid ? NULL_UUID : layer.fsUuid());
  }

  /** Marks an upper directory impure: it holds entries whose inode numbers come from their origin. */
  void markImpure(Node dir, byte[] dirPath) throws PosixException {
    if (dir.impure) {
      return;
    }
    try (Layer.Location at = o.upper.locate(dirPath)) {
      Xattrs.set(at.dirfd(), at.name(), o.xattrs.impure, OverlayXattrs.YES, 0);
    }
    dir.impure = true;
  }

  /** Records the origin of a merged upper directory that lacks one, as the kernel's lookup does. */
  void fixOrigin(Node parent, byte[] path, Lower lower) throws PosixException {
    byte[] origin = originOf(lower.layer(), lower.path());
    try (Layer.Location at = o.upper.locate(path)) {
      Xattrs.set(at.dirfd(), at.name(), o.xattrs.origin, origin, 0);
    }
    markImpure(parent, o.lookups.path(parent));
  }
}
