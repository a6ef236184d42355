package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.InodeFlags.FsxAttr;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Xattrs;

/**
 * Inode flags through the overlay, as the kernel's {@code ovl_fileattr_get}/{@code ovl_fileattr_set} and
 * {@code ovl_copy_fileattr} keep them: the top real object's flags, except that an upper object's immutable and
 * append-only flags live in its {@code overlay.protattr} xattr instead of on the real inode, which the overlay must
 * still be able to link, rename and mark.
 *
 * <p>Only regular files and directories: flags are asked for and set through an open descriptor (FUSE asks for no
 * other type, and opening a device or fifo would open the device or block).
 */
final class FileAttr {
  /** {@code OVL_COPY_FS_FLAGS_MASK}: what copy-up copies onto the upper inode. */
  private static final int COPY_FLAGS = InodeFlags.FS_SYNC_FL | InodeFlags.FS_NOATIME_FL;
  private static final int PROT_XFLAGS = InodeFlags.FS_XFLAG_IMMUTABLE | InodeFlags.FS_XFLAG_APPEND;

  private final Overlay o;

  FileAttr(Overlay overlay) {
    this.o = overlay;
  }

  /** {@code FS_IOC_GETFLAGS} of a merged object. */
  int getFlags(Node node) throws PosixException {
    int real = onTopOpen(node, "ioctl FS_IOC_GETFLAGS", fd -> InodeFlags.get(fd, o.pathOf(node)));
    return real | o.protection.of(node);
  }

  /** {@code FS_IOC_FSGETXATTR} of a merged object. */
  FsxAttr getFsx(Node node) throws PosixException {
    FsxAttr real = onTopOpen(node, "ioctl FS_IOC_FSGETXATTR", fd -> InodeFlags.getFsx(fd, o.pathOf(node)));
    return real.withXflags(real.xflags() | toXflags(o.protection.of(node)));
  }

  /** {@code FS_IOC_SETFLAGS}: copies up, then keeps i/a in {@code overlay.protattr} and sets the rest for real. */
  void setFlags(Node node, int flags) throws PosixException {
    set(node, flags & Protection.MASK, "ioctl FS_IOC_SETFLAGS",
        fd -> InodeFlags.set(fd, flags & ~Protection.MASK, o.pathOf(node)));
  }

  /** {@code FS_IOC_FSSETXATTR}: as {@link #setFlags}, for the extended flags. */
  void setFsx(Node node, FsxAttr attr) throws PosixException {
    int prot = (attr.xflags() & InodeFlags.FS_XFLAG_IMMUTABLE) != 0 ? Protection.IMMUTABLE : 0;
    prot |= (attr.xflags() & InodeFlags.FS_XFLAG_APPEND) != 0 ? Protection.APPEND : 0;
    set(node, prot, "ioctl FS_IOC_FSSETXATTR",
        fd -> InodeFlags.setFsx(fd, attr.withXflags(attr.xflags() & ~PROT_XFLAGS), o.pathOf(node)));
  }

  private interface OnFd<T> {
    T call(int fd) throws PosixException;
  }

  private interface SetOnFd {
    void call(int fd) throws PosixException;
  }

  /** {@code ovl_fileattr_set}: copy-up, {@code ovl_set_protattr}, then the real call with i/a masked out. */
  private void set(Node node, int prot, String call, SetOnFd real) throws PosixException {
    checkType(node, call);
    o.copyUp.ensureUpper(node, CopyUp.Data.UNLESS_METACOPY);
    int before = o.protection.of(node);
    o.lookups.onTop(node, at -> {
      try (Layer.Location loc = at.layer().locate(at.path())) {
        setProtattr(loc.dirfd(), loc.name(), prot, before);
        o.protection.changed(node, prot, !node.isDirectory() && Posix.lstatat(loc.dirfd(), loc.name()).nlink() > 1);
        int fd = openReal(loc.dirfd(), loc.name(), node.isDirectory());
        try {
          real.call(fd);
          return null;
        } finally {
          Posix.closeQuietly(fd);
        }
      }
    });
  }

  /**
   * {@code ovl_set_protattr}: stores the flags, or removes the xattr once none is left (only when the object had
   * some, as the kernel's inode records). An upper filesystem without xattrs cannot keep them: EPERM.
   */
  private void setProtattr(int dirfd, byte[] name, int prot, int before) throws PosixException {
    if (prot != 0) {
      try {
        Xattrs.set(dirfd, name, o.xattrs.protattr, Protection.protattrValue(prot), 0);
      } catch (PosixException e) {
        throw e.errno() == Errno.EOPNOTSUPP ? new PosixException(Errno.EPERM, "setxattr " + o.xattrs.protattr,
            Names.printable(name), "the upper layer has no xattrs to keep immutable/append-only in") : e;
      }
    } else if (before != 0) {
      try {
        Xattrs.remove(dirfd, name, o.xattrs.protattr);
      } catch (PosixException e) {
        if (e.errno() != Errno.ENODATA && e.errno() != Errno.EOPNOTSUPP) {
          throw e;
        }
      }
    }
  }

  /**
   * {@code ovl_copy_fileattr}, run on a copy-up's new object before it is linked into place: the lower object's
   * immutable/append-only flags become {@code overlay.protattr}, its sync and noatime flags are set on the new inode,
   * and nothing else is copied. Lower filesystems without flags are skipped, as the kernel does. Only regular files
   * and directories are asked (see the class comment).
   *
   * @param dirfd and {@code name}: the new object; an empty name means {@code dirfd} is the object itself
   */
  void copyUp(Node.Lower src, boolean directory, int dirfd, byte[] name) throws PosixException {
    String path = "/" + Names.printable(src.path());
    int lower;
    int fd = -1;
    try {
      try (Layer.Location at = src.layer().locate(src.path())) {
        fd = openReal(at.dirfd(), at.name(), directory);
      }
      lower = InodeFlags.get(fd, path);
    } catch (PosixException e) {
      if (e.errno() == Errno.ENOTTY || e.errno() == Errno.EINVAL || e.errno() == Errno.EOPNOTSUPP) {
        return;
      }
      throw e;
    } finally {
      Posix.closeQuietly(fd);
    }
    if ((lower & Protection.MASK) != 0) {
      try {
        Xattrs.set(dirfd, name, o.xattrs.protattr, Protection.protattrValue(lower), 0);
      } catch (PosixException e) {
        if (e.errno() != Errno.EPERM && e.errno() != Errno.EOPNOTSUPP) {
          throw e;
        }
      }
    }
    if ((lower & COPY_FLAGS) == 0) {
      return;
    }
    int target = name.length == 0 ? dirfd : openReal(dirfd, name, directory);
    try {
      int upper = InodeFlags.get(target, path);
      InodeFlags.set(target, (upper & ~COPY_FLAGS) | (lower & COPY_FLAGS), path);
    } catch (PosixException e) {
      if (e.errno() != Errno.ENOTTY && e.errno() != Errno.EINVAL) {
        throw e;
      }
    } finally {
      if (target != dirfd) {
        Posix.closeQuietly(target);
      }
    }
  }

  /** Opens a real regular file or directory for an ioctl: read-only, never following, never blocking. */
  static int openReal(int dirfd, byte[] name, boolean directory) throws PosixException {
    int flags = Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_CLOEXEC
        | (directory ? Posix.O_DIRECTORY : 0);
    return Posix.openat(dirfd, name, flags);
  }

  private <T> T onTopOpen(Node node, String call, OnFd<T> action) throws PosixException {
    checkType(node, call);
    return o.lookups.onTop(node, at -> {
      try (Layer.Location loc = at.layer().locate(at.path())) {
        int fd = openReal(loc.dirfd(), loc.name(), node.isDirectory());
        try {
          return action.call(fd);
        } finally {
          Posix.closeQuietly(fd);
        }
      }
    });
  }

  private void checkType(Node node, String call) throws PosixException {
    if (node.type != Posix.S_IFREG && !node.isDirectory()) {
      throw new PosixException(Errno.ENOTTY, call, o.pathOf(node), "only files and directories have flags here");
    }
  }

  private static int toXflags(int protection) {
    return ((protection & Protection.IMMUTABLE) != 0 ? InodeFlags.FS_XFLAG_IMMUTABLE : 0)
        | ((protection & Protection.APPEND) != 0 ? InodeFlags.FS_XFLAG_APPEND : 0);
  }
}
