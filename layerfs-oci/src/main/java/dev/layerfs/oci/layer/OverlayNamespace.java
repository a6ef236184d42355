package dev.layerfs.oci.layer;

import dev.layerfs.posix.Posix;

/**
 * Where a layer directory keeps the overlay's own extended attributes: {@code trusted.overlay.*}, which only root
 * may write, or {@code user.overlay.*}, which the kernel honours under the {@code userxattr} mount option so that
 * unprivileged users can build and mount layers.
 *
 * <p>A layer tar never carries these attributes: whiteouts and opaque directories have their own tar spelling. An
 * attribute in the private namespace found in a tar is an ordinary attribute of the image's file and is stored
 * escaped ({@code trusted.overlay.x} as {@code trusted.overlay.overlay.x}), exactly as the kernel stores one set
 * through a mount, so that it can never act on the overlay.
 */
public enum OverlayNamespace {
  /** {@code trusted.overlay.*}: the kernel's default; needs CAP_SYS_ADMIN to write. */
  TRUSTED("trusted.overlay."),
  /** {@code user.overlay.*}: for the {@code userxattr} mount option, usable without privileges. */
  USER("user.overlay.");

  private final String prefix;

  OverlayNamespace(String prefix) {
    this.prefix = prefix;
  }

  /** The namespace this process can write: trusted as root, user otherwise. */
  public static OverlayNamespace forThisProcess() {
    return Posix.geteuid() == 0 ? TRUSTED : USER;
  }

  /** The prefix of the overlay's private attributes, such as {@code trusted.overlay.}. */
  public String prefix() {
    return prefix;
  }

  /** The attribute that makes a directory opaque when its value is exactly {@code y}. */
  public String opaque() {
    return prefix + "opaque";
  }

  /** The attribute of a renamed directory that names where its lower contents are. */
  public String redirect() {
    return prefix + "redirect";
  }

  /** The attribute that makes a size-0 regular file a whiteout, as an alternative to a 0/0 device. */
  public String whiteout() {
    return prefix + "whiteout";
  }

  /** The attribute of a file whose metadata was copied up without its data, which stays in a lower layer. */
  public String metacopy() {
    return prefix + "metacopy";
  }

  /** Whether the option string of a mount of such layers needs {@code userxattr}. */
  public boolean needsUserXattrOption() {
    return this == USER;
  }

  /** True for a name the overlay keeps for itself, which never goes into a layer tar. */
  public boolean isPrivate(String xattr) {
    return xattr.startsWith(prefix) && !xattr.startsWith(prefix + "overlay.");
  }

  /** The name under which an attribute from a tar is stored in a layer directory: escaped if it is private. */
  public String toLayer(String tarName) {
    return tarName.startsWith(prefix) ? prefix + "overlay." + tarName.substring(prefix.length()) : tarName;
  }

  /** The name an attribute of a layer directory has in a tar, or null for the overlay's private ones. */
  public String toTar(String layerName) {
    if (!layerName.startsWith(prefix)) {
      return layerName;
    }
    String escaped = prefix + "overlay.";
    return layerName.startsWith(escaped) ? prefix + layerName.substring(escaped.length()) : null;
  }
}
