package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;

/**
 * The immutable and append-only flags of merged objects and the refusals the VFS makes for them: on the kernel's
 * overlay these flags live on the overlay inode ({@code S_IMMUTABLE}, {@code S_APPEND}), and the VFS checks them
 * before it calls the overlay. A FUSE inode never carries them and the NIO view has no VFS at all, so the engine
 * makes the same checks itself, in the VFS's order relative to the errors it reports itself.
 *
 * <p>An object's flags are those of its top real object plus, for an upper object, its {@code overlay.protattr}
 * (as {@code ovl_check_protattr} reads them). They are read once per node, when first needed, and change only
 * through {@link FileAttr}; a change to a file with several links makes every node read them again, since the
 * other names' nodes share the inode.
 */
final class Protection {
  static final int IMMUTABLE = InodeFlags.FS_IMMUTABLE_FL;
  static final int APPEND = InodeFlags.FS_APPEND_FL;
  static final int MASK = IMMUTABLE | APPEND;

  private final Overlay o;
  /** Bumped when the flags of a hard-linked inode change: every node's cached flags are then stale. */
  private volatile long generation;

  Protection(Overlay overlay) {
    this.o = overlay;
  }

  /** The node's {@link #IMMUTABLE} and {@link #APPEND} bits. */
  int of(Node node) throws PosixException {
    long g = generation;
    int cached = node.protection;
    if (cached >= 0 && node.protectionGeneration == g) {
      return cached;
    }
    int flags = o.lookups.onTop(node, at -> {
      try (Layer.Location loc = at.layer().locate(at.path())) {
        int real = (int) Posix.statxAttributes(loc.dirfd(), loc.name()) & MASK;
        return at.layer().isUpper() ? real | protattr(OverlayXattrs.read(loc.dirfd(), loc.name(), o.xattrs.protattr))
            : real;
      }
    });
    node.protection = flags;
    node.protectionGeneration = g;
    return flags;
  }

  /**
   * The flags an {@code overlay.protattr} value holds: 'a' and 'i' characters; any other value is ignored, as the
   * kernel does (with a warning).
   */
  static int protattr(byte[] value) {
    if (value == null || value.length == 0) {
      return 0;
    }
    int flags = 0;
    for (byte b : value) {
      if (b == 'a') {
        flags |= APPEND;
      } else if (b == 'i') {
        flags |= IMMUTABLE;
      } else {
        return 0;
      }
    }
    return flags;
  }

  /** The value {@code ovl_set_protattr} stores for {@code flags}: 'a' before 'i'; empty for none. */
  static byte[] protattrValue(int flags) {
    byte[] value = new byte[Integer.bitCount(flags & MASK)];
    int n = 0;
    if ((flags & APPEND) != 0) {
      value[n++] = 'a';
    }
    if ((flags & IMMUTABLE) != 0) {
      value[n] = 'i';
    }
    return value;
  }

  /** Records flags just set on a node; with several links to the inode, every node reads its flags again. */
  void changed(Node node, int flags, boolean hardLinked) {
    if (hardLinked) {
      generation++;
    }
    node.protection = flags & MASK;
    node.protectionGeneration = generation;
  }

  /**
   * {@code may_open} and {@code inode_permission}: nothing opens an immutable object for writing, or with
   * {@code O_TRUNC} (which asks for write permission); an append-only one only with {@code O_APPEND}, and a regular
   * file not with {@code O_TRUNC} (which {@code may_open} drops for fifos, sockets and devices).
   */
  void checkOpen(Node node, int flags) throws PosixException {
    boolean write = (flags & Posix.O_ACCMODE) != Posix.O_RDONLY;
    boolean truncate = (flags & Posix.O_TRUNC) != 0 && !node.isDirectory();
    if (!write && !truncate) {
      return;
    }
    int p = of(node);
    boolean appendRefuses = (write && (flags & Posix.O_APPEND) == 0) || (truncate && node.type == Posix.S_IFREG);
    if ((p & IMMUTABLE) != 0 || (p & APPEND) != 0 && appendRefuses) {
      throw refused("open", node);
    }
  }

  /**
   * {@code notify_change} and {@code vfs_truncate}: mode, owner and explicit times of an immutable or append-only
   * object stay; so does its size; an immutable one's times cannot even be set to now ({@code ATTR_TOUCH}, both
   * times now, is the one change an append-only object allows).
   */
  void checkSetattr(Node node, SetAttr change) throws PosixException {
    boolean touch = change.atime() == Timespec.NOW && change.mtime() == Timespec.NOW;
    boolean other = change.mode() != SetAttr.KEEP || change.uid() != SetAttr.KEEP || change.gid() != SetAttr.KEEP
        || change.size() != SetAttr.KEEP || (change.changesTimes() && !touch);
    if (!other && !change.changesTimes()) {
      return;
    }
    int p = of(node);
    if ((p & IMMUTABLE) != 0 || (p & APPEND) != 0 && other) {
      throw refused(change.size() != SetAttr.KEEP ? "truncate" : "setattr", node);
    }
  }

  /** {@code do_ftruncate}: an open file that became append-only cannot be truncated (immutable does not matter). */
  void checkTruncateOpen(Node node) throws PosixException {
    if ((of(node) & APPEND) != 0) {
      throw refused("ftruncate", node);
    }
  }

  /** {@code vfs_fallocate}: nothing on an immutable file; on an append-only one only allocation, no hole or shift. */
  void checkAllocate(Node node, int mode) throws PosixException {
    int p = of(node);
    int keepSize = 0x01;
    if ((p & IMMUTABLE) != 0 || (p & APPEND) != 0 && (mode & ~keepSize) != 0) {
      throw refused("fallocate", node);
    }
  }

  /** {@code may_create}: an immutable directory takes no new names (an append-only one does). */
  void checkCreate(Node dir, String call) throws PosixException {
    if ((of(dir) & IMMUTABLE) != 0) {
      throw refused(call, dir);
    }
  }

  /**
   * {@code may_delete}: a name leaves neither an immutable nor an append-only directory, and an immutable or
   * append-only object keeps its name.
   */
  void checkDelete(Node dir, Node victim, String call) throws PosixException {
    if (of(dir) != 0) {
      throw refused(call, dir);
    }
    if (of(victim) != 0) {
      throw refused(call, victim);
    }
  }

  /** {@code vfs_link}: no new name for an immutable or append-only file. */
  void checkLinkSource(Node source) throws PosixException {
    if (of(source) != 0) {
      throw refused("link", source);
    }
  }

  /** {@code may_write_xattr}: no xattr of an immutable or append-only object changes. */
  void checkXattrWrite(Node node, String call, String attr) throws PosixException {
    if (of(node) != 0) {
      throw refused(call + " " + Xattrs.printable(attr), node);
    }
  }

  PosixException refused(String call, Node node) {
    return new PosixException(Errno.EPERM, call, o.pathOf(node), "immutable or append-only");
  }
}
