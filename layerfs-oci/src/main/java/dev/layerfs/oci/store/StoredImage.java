package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import java.util.List;

/**
 * An image in the store: its manifest (as stored, so its digest is unchanged), its config and its names.
 *
 * @param manifestDescriptor the manifest's descriptor, as the store's {@code index.json} lists it
 * @param manifest the manifest: the config and the compressed layer blobs, bottom first
 * @param config the config: the diff IDs of the layers, bottom first, and how to run the image
 * @param names the references that name the image, none for a dangling image
 */
public record StoredImage(Descriptor manifestDescriptor, Manifest manifest, ImageConfig config,
    List<ImageReference> names) {
  public StoredImage {
    names = List.copyOf(names);
  }

  /** The image ID, as Docker defines it: the digest of the config. */
  public Digest id() {
    return manifest.config().digest();
  }

  /** The first 12 hex digits of the image ID, as {@code docker images} shows it. */
  public String shortId() {
    return id().hex().substring(0, 12);
  }

  public Digest manifestDigest() {
    return manifestDescriptor.digest();
  }

  /** The layers' diff IDs, bottom first. */
  public List<Digest> diffIds() {
    return config.rootfs().diffIds();
  }

  /** The names as people write them: {@code ubuntu:24.04} rather than {@code docker.io/library/ubuntu:24.04}. */
  public List<String> shortNames() {
    return names.stream().map(StoredImage::shortName).toList();
  }

  /** A reference without Docker Hub's implicit parts. */
  public static String shortName(ImageReference reference) {
    String full = reference.toString();
    for (String prefix : List.of("docker.io/library/", "docker.io/")) {
      if (full.startsWith(prefix)) {
        return full.substring(prefix.length());
      }
    }
    return full;
  }
}
