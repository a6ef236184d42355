package dev.layerfs.oci.store;

import dev.layerfs.core.OverlayOptionException;
import dev.layerfs.core.OverlayOptions;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.layer.OverlayNamespace;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A container: a writable upper layer and a work directory over its image's layers, which stay shared with every
 * other container and image that uses them.
 *
 * @param name the name it was created with
 * @param id a random 64-hex-digit ID
 * @param image the digest of its image's manifest
 * @param imageName the name the image was given at creation, for listings
 * @param created when it was created
 * @param lowerDirs the image's layer directories, the top one first, as {@code lowerdir} wants them
 * @param upper its upper layer, in the kernel's format
 * @param work its work directory, on the upper layer's filesystem
 * @param namespace where its overlay xattrs go; {@code USER} needs the {@code userxattr} mount option
 * @param mountpoint where {@code container mount} mounted it, if it is mounted
 */
public record Container(String name, String id, Digest image, String imageName, Instant created,
    List<Path> lowerDirs, Path upper, Path work, OverlayNamespace namespace, Optional<Path> mountpoint) {
  public Container {
    lowerDirs = List.copyOf(lowerDirs);
  }

  /** The overlay options of its merged view, for {@code Overlay.open}, the NIO view or a mount. */
  public OverlayOptions overlayOptions() {
    try {
      return OverlayOptions.builder().lower(lowerDirs.toArray(Path[]::new)).upper(upper).work(work)
          .userXattr(namespace.needsUserXattrOption()).build();
    } catch (OverlayOptionException e) {
      throw new IllegalStateException("container " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * The {@code -o} string for {@code mount -t overlay} and {@code layerfs mount}: lowerdir (escaped), upperdir,
   * workdir, and userxattr for a rootless store.
   */
  public String mountOptions() {
    return overlayOptions().toOptionString();
  }
}
