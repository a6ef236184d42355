package dev.layerfs.oci.image;

import java.util.List;

/** The media types of OCI and Docker v2 schema 2 images, which registries and runtimes use to tell documents apart. */
public final class MediaTypes {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_FOREIGN_LAYER_TAR_GZIP =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  /** Every manifest and index type this project reads, most preferred first, as a registry's Accept header wants. */
  public static final List<String> MANIFEST_TYPES =
      List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

  private static final List<String> LAYER_TYPES = List.of(
      OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP, OCI_LAYER_TAR_ZSTD, OCI_LAYER_NONDISTRIBUTABLE_TAR,
      OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP, OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD, DOCKER_LAYER_TAR_GZIP,
      DOCKER_FOREIGN_LAYER_TAR_GZIP);

  private MediaTypes() {}

  /** Whether {@code mediaType} is a list of per-platform manifests (an OCI index or a Docker manifest list). */
  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  /** Whether {@code mediaType} is a single-platform image manifest. */
  public static boolean isManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  /** Whether {@code mediaType} is a layer tar, compressed or not. */
  public static boolean isLayer(String mediaType) {
    return LAYER_TYPES.contains(mediaType);
  }

  /**
   * Whether a layer of {@code mediaType} must not be pushed to another registry; such layers are fetched from
   * their descriptor's URLs, the reason they exist.
   */
  public static boolean isNondistributable(String mediaType) {
    return mediaType != null
        && (mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.")
            || DOCKER_FOREIGN_LAYER_TAR_GZIP.equals(mediaType));
  }
}
