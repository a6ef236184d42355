package dev.layerfs.oci.store;

/**
 * How to export an image.
 *
 * @param refName the {@code org.opencontainers.image.ref.name} of the image in an OCI layout or archive (what
 *     {@code skopeo oci:DIR:REF} and {@code umoci --image DIR:REF} look for), or null for the tag of its first
 *     name ({@code latest} without one)
 */
public record ExportOptions(String refName) {
  public static final ExportOptions DEFAULTS = new ExportOptions(null);
}
