package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.lang.foreign.MemorySegment;

/**
 * An open file of the merged view: a descriptor of the real file in its layer, so reads and writes go straight to
 * it without any lock or lookup.
 *
 * <p>A file opened read-only from a lower layer switches to the upper copy when another opener copies it up, as
 * the kernel's overlay does since 4.19, so no reader sees stale data. A metacopy file is read from its lower data
 * file until its data is copied up, and then switches the same way.
 */
public final class OpenFile implements AutoCloseable {
  private static final int REAL_FLAGS = Posix.O_ACCMODE | Posix.O_APPEND | Posix.O_TRUNC | Posix.O_DSYNC
      | Posix.O_SYNC | Posix.O_DIRECT | Posix.O_NONBLOCK | Posix.O_NOATIME | Posix.O_DIRECTORY | Posix.O_LARGEFILE;

  private final Overlay overlay;
  private final Node node;
  private final int flags;
  /** The new file's stat when {@link Overlay#create} made it, else null. */
  private final Stat made;
  private volatile int fd;
  private volatile boolean onLower;
  /** The lower descriptor replaced after a copy-up; kept open until close, as a read may still be using it. */
  private int retiredFd = -1;

  OpenFile(Overlay overlay, Node node, int fd, int flags, boolean onLower, Stat made) {
    this.overlay = overlay;
    this.node = node;
    this.fd = fd;
    this.flags = flags;
    this.onLower = onLower;
    this.made = made;
    node.refs.incrementAndGet();
  }

  static boolean writes(int flags) {
    return (flags & Posix.O_ACCMODE) != Posix.O_RDONLY || (flags & Posix.O_TRUNC) != 0;
  }

  /** Opens the top copy; a regular file opened for writing or truncation is copied up first. */
  static OpenFile open(Overlay o, Node node, int flags) throws PosixException {
    o.protection.checkOpen(node, flags);
    if (node.type == Posix.S_IFREG && writes(flags)) {
      o.copyUp.ensureUpper(node, (flags & Posix.O_TRUNC) == 0 ? CopyUp.Data.ALL : CopyUp.Data.NONE);
    }
    int real = flags & REAL_FLAGS;
    return o.lookups.onData(node, at -> {
      boolean lower = !at.layer().isUpper();
      return new OpenFile(o, node, openReal(at, real, lower), flags, lower, null);
    });
  }

  /** Opens a real file; lower files are read with {@code O_NOATIME} where allowed, so reading changes no layer. */
  private static int openReal(Overlay.Location at, int flags, boolean lower) throws PosixException {
    if (lower) {
      try {
        return at.layer().open(at.path(), flags | Posix.O_NOATIME, 0);
      } catch (PosixException e) {
        if (e.errno() != Errno.EPERM) {
          throw e;
        }
      }
    }
    return at.layer().open(at.path(), flags, 0);
  }

  public Node node() {
    return node;
  }

  /** True when {@link Overlay#create} made the file, false when it opened an existing one. */
  public boolean created() {
    return made != null;
  }

  /**
   * The attributes of a file {@link Overlay#create} made, as {@link Overlay#getattr} gives them, from the stat taken
   * when it was made (nothing else can have changed it before the create returns); null for an existing file.
   */
  public Stat createdAttributes() {
    return made == null ? null : made.withDevIno(overlay.upper.dev, node.ino);
  }

  /** The stat of the upper file {@link Overlay#create} made, with its own device and inode number; else null. */
  public Stat createdStat() {
    return made;
  }

  /** The flags the file was opened with. */
  public int flags() {
    return flags;
  }

  /**
   * The real file's descriptor, for frontends that hand it on (FUSE passthrough, a {@code FileChannel} opened
   * through {@code /proc/self/fd}); it stays owned by this handle.
   */
  public int fd() throws PosixException {
    followCopyUp();
    return fd;
  }

  public long read(MemorySegment into, long offset) throws PosixException {
    followCopyUp();
    return Posix.pread(fd, into, offset);
  }

  public long write(MemorySegment from, long offset) throws PosixException {
    return Posix.pwrite(fd, from, offset);
  }

  /**
   * {@code fstat} of the open file, with the overlay's inode number; works after the name is removed. A metacopy
   * file (upper, or in a lower layer) read from its lower data answers the attributes of its name (the data file
   * has the old ones), and after a removal the data file's.
   */
  public Stat stat() throws PosixException {
    followCopyUp();
    if (onLower && node.lowerData() != null && !node.dead) {
      try {
        return overlay.getattr(node);
      } catch (PosixException e) {
        if (e.errno() != Errno.ENOENT) {
          throw e;
        }
      }
    }
    Stat st = Posix.fstat(fd);
    return st.withDevIno(overlay.upper != null ? overlay.upper.dev : st.dev(), node.ino);
  }

  /** {@code ftruncate}; refused once the file is append-only, as {@code do_ftruncate} does. */
  public void truncate(long size) throws PosixException {
    overlay.protection.checkTruncateOpen(node);
    Posix.ftruncate(fd, size);
  }

  /** {@code fsync} or {@code fdatasync}; nothing under the {@code volatile} option, as in the kernel. */
  public void sync(boolean dataOnly) throws PosixException {
    if (overlay.options.volatileWrites() || onLower) {
      return;
    }
    if (dataOnly) {
      Posix.fdatasync(fd);
    } else {
      Posix.fsync(fd);
    }
  }

  /** {@code fallocate}; refused on a file that became immutable or, but for plain allocation, append-only. */
  public void allocate(int mode, long offset, long length) throws PosixException {
    overlay.protection.checkAllocate(node, mode);
    Posix.fallocate(fd, mode, offset, length);
  }

  /** {@code lseek} for {@code SEEK_DATA} and {@code SEEK_HOLE}; offsets of reads and writes are explicit. */
  public long seek(long offset, int whence) throws PosixException {
    followCopyUp();
    return Posix.lseek(fd, offset, whence);
  }

  private void followCopyUp() throws PosixException {
    if (!onLower || !node.hasUpperData()) {
      return;
    }
    synchronized (this) {
      if (onLower && node.hasUpperData()) {
        int upperFd = overlay.readLocked(() -> overlay.lookups.onTop(node,
            at -> openReal(at, flags & REAL_FLAGS & ~Posix.O_TRUNC, false)));
        retiredFd = fd;
        fd = upperFd;
        onLower = false;
      }
    }
  }

  @Override
  public void close() {
    Posix.closeQuietly(fd);
    Posix.closeQuietly(retiredFd);
    overlay.forget(node, 1);
  }
}
