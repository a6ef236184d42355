package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Xattrs;
import java.util.ArrayList;
import java.util.List;

/**
 * The overlay's private extended attributes ({@code trusted.overlay.*}, or {@code user.overlay.*} under
 * {@code userxattr}) and the kernel's escaping of such names set through the merged view.
 *
 * <p>Since Linux 6.7 a name in the private namespace set through an overlay is stored with one more
 * {@code overlay.} ({@code trusted.overlay.x} becomes {@code trusted.overlay.overlay.x}), so overlays can nest and
 * the real private attributes can never be read or changed through the view. We do the same.
 */
final class OverlayXattrs {
  static final byte[] YES = {'y'};

  final String prefix;
  final String opaque;
  final String redirect;
  final String origin;
  final String impure;
  final String whiteout;
  final String uuid;
  final String metacopy;
  /** The immutable ('i') and append-only ('a') flags of an upper object, which the real inode must not carry. */
  final String protattr;
  private final String escaped;

  OverlayXattrs(boolean user) {
    this.prefix = user ? "user.overlay." : "trusted.overlay.";
    this.opaque = prefix + "opaque";
    this.redirect = prefix + "redirect";
    this.origin = prefix + "origin";
    this.impure = prefix + "impure";
    this.whiteout = prefix + "whiteout";
    this.uuid = prefix + "uuid";
    this.metacopy = prefix + "metacopy";
    this.protattr = prefix + "protattr";
    this.escaped = prefix + "overlay.";
  }

  /** True for a real name that belongs to the overlay itself (and is never shown or copied up). */
  boolean isPrivate(String realName) {
    return realName.startsWith(prefix) && !realName.startsWith(escaped);
  }

  /** The name stored in a layer for a name given through the view. */
  String toReal(String viewName) {
    return viewName.startsWith(prefix) ? prefix + "overlay." + viewName.substring(prefix.length()) : viewName;
  }

  /** The names of a real object as the view lists them: private ones hidden, escaped ones unescaped. */
  List<String> toView(List<String> realNames) {
    List<String> out = new ArrayList<>(realNames.size());
    for (String name : realNames) {
      if (name.startsWith(escaped)) {
        out.add(prefix + name.substring(escaped.length()));
      } else if (!name.startsWith(prefix)) {
        out.add(name);
      }
    }
    return out;
  }

  /** Reads a private attribute, treating filesystems without xattrs as having none. */
  static byte[] read(int dirfd, byte[] name, String attr) throws PosixException {
    try {
      return Xattrs.get(dirfd, name, attr);
    } catch (PosixException e) {
      if (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
        return null;
      }
      throw e;
    }
  }

  /**
   * Checks an {@code overlay.metacopy} value as the kernel's {@code ovl_check_metacopy_xattr} does: empty, or a
   * {@code struct ovl_metacopy} (version 0, its own length first, then flags and an fs-verity digest, which only the
   * kernel's {@code verity=} option reads). Anything else is EIO.
   */
  static void checkMetacopy(byte[] value, String where) throws PosixException {
    if (value.length == 0) {
      return;
    }
    String problem = value.length < METACOPY_MIN_SIZE ? "too small xattr"
        : value[0] != 0 ? "unsupported version"
        : (value[1] & 0xff) != value.length ? "invalid xattr size"
        : null;
    if (problem != null) {
      throw new PosixException(Errno.EIO, "lookup", where, "metacopy file has " + problem);
    }
  }

  /** The length of {@code struct ovl_metacopy} without its digest. */
  private static final int METACOPY_MIN_SIZE = 4;

  /** The kernel's test for an opaque directory: the value is exactly "y". */
  static boolean isYes(byte[] value) {
    return value != null && value.length == 1 && value[0] == 'y';
  }
}
