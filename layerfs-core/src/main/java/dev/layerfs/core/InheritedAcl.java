package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Xattrs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ACLs and mode a new object gets in a directory with a default ACL, as the kernel's {@code posix_acl_create}
 * computes them.
 *
 * <p>The kernel's overlay lets the upper filesystem apply the directory's default ACL to an object made in place,
 * but sets the ACLs itself on an object built in the work dir over a whiteout (the work dir has no default ACL);
 * and where a default ACL applies, the caller's umask does not. The engine does both the same way, so it needs the
 * result before it makes the object. Values are the xattr form of {@code system.posix_acl_*}: a little-endian
 * version 2 header, then entries of tag, permissions and id.
 */
final class InheritedAcl {
  static final String ACCESS = "system.posix_acl_access";
  static final String DEFAULT = "system.posix_acl_default";

  private static final int VERSION = 2;
  private static final int HEADER = 4;
  private static final int ENTRY = 8;
  private static final int USER_OBJ = 0x01;
  private static final int USER = 0x02;
  private static final int GROUP_OBJ = 0x04;
  private static final int GROUP = 0x08;
  private static final int MASK = 0x10;
  private static final int OTHER = 0x20;

  /** The new object's mode: its type and special bits as asked, its permissions masked by the default ACL. */
  final int mode;
  /** The access ACL to set, or null when the mode alone says it all. */
  final byte[] access;
  /** The default ACL a new directory inherits, else null. */
  final byte[] defaults;

  private InheritedAcl(int mode, byte[] access, byte[] defaults) {
    this.mode = mode;
    this.access = access;
    this.defaults = defaults;
  }

  /**
   * What an object of {@code mode} made in the upper directory at {@code dir} inherits, or null when the directory
   * has no default ACL (or its filesystem none at all), so the umask applies; {@code shown} names it in errors.
   */
  static InheritedAcl of(Layer.Location dir, int mode, String shown) throws PosixException {
    if ((mode & Posix.S_IFMT) == Posix.S_IFLNK) {
      return null;
    }
    byte[] defaults;
    try {
      defaults = Xattrs.get(dir.dirfd(), dir.name(), DEFAULT);
    } catch (PosixException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        return null;
      }
      throw e;
    }
    if (defaults == null || defaults.length == HEADER) {
      return null;
    }
    return create(defaults, mode, shown);
  }

  /** {@code posix_acl_create_masq}: the default ACL's entries masked by {@code mode}, and the mode by them. */
  static InheritedAcl create(byte[] defaults, int mode, String shown) throws PosixException {
    ByteBuffer acl = ByteBuffer.wrap(defaults.clone()).order(ByteOrder.LITTLE_ENDIAN);
    if (defaults.length < HEADER || (defaults.length - HEADER) % ENTRY != 0 || acl.getInt(0) != VERSION) {
      throw new PosixException(Errno.EIO, "getxattr " + DEFAULT, shown, "malformed default ACL");
    }
    int perms = mode;
    boolean equivalent = true;
    int groupObj = -1;
    int mask = -1;
    for (int at = HEADER; at < defaults.length; at += ENTRY) {
      int tag = acl.getShort(at) & 0xffff;
      int perm = acl.getShort(at + 2) & 0xffff;
      switch (tag) {
        case USER_OBJ -> {
          perm &= (perms >> 6) | ~07;
          perms &= (perm << 6) | ~0700;
        }
        case USER, GROUP -> equivalent = false;
        case GROUP_OBJ -> groupObj = at;
        case OTHER -> {
          perm &= perms | ~07;
          perms &= perm | ~07;
        }
        case MASK -> {
          mask = at;
          equivalent = false;
        }
        default -> throw new PosixException(Errno.EIO, "getxattr " + DEFAULT, shown, "unknown ACL tag " + tag);
      }
      acl.putShort(at + 2, (short) perm);
    }
    int groupEntry = mask >= 0 ? mask : groupObj;
    if (groupEntry < 0) {
      throw new PosixException(Errno.EIO, "getxattr " + DEFAULT, shown, "default ACL without a group entry");
    }
    int groupPerm = acl.getShort(groupEntry + 2) & 0xffff & ((perms >> 3) | ~07);
    acl.putShort(groupEntry + 2, (short) groupPerm);
    perms &= (groupPerm << 3) | ~070;
    boolean directory = (mode & Posix.S_IFMT) == Posix.S_IFDIR;
    return new InheritedAcl(perms, equivalent ? null : acl.array(), directory ? defaults : null);
  }

  /**
   * Sets the ACLs on an object made where no default ACL applied (the work dir); its mode must already be
   * {@link #mode}, which setting the access ACL keeps.
   */
  void apply(int dirfd, byte[] name) throws PosixException {
    if (access != null) {
      Xattrs.set(dirfd, name, ACCESS, access, 0);
    }
    if (defaults != null) {
      Xattrs.set(dirfd, name, DEFAULT, defaults, 0);
    }
  }
}
