package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageFormatException;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;

/**
 * A manifest or index exactly as the registry sent it; the raw bytes are kept because the digest is of those bytes,
 * and no re-serialization is guaranteed to reproduce them.
 *
 * @param digest the verified digest of {@code content}
 * @param mediaType the manifest or index media type
 * @param content the bytes as received
 */
public record FetchedManifest(Digest digest, String mediaType, byte[] content) {

  /** Whether this is a multi-platform index rather than an image manifest. */
  public boolean isIndex() {
    return MediaTypes.isIndex(mediaType);
  }

  /** The parsed image manifest. */
  public Manifest manifest() throws ImageFormatException {
    if (isIndex()) {
      throw new IllegalStateException(digest + " is an index (" + mediaType + "), not an image manifest");
    }
    return Manifest.fromJson(content);
  }

  /** The parsed index. */
  public ImageIndex index() throws ImageFormatException {
    if (!isIndex()) {
      throw new IllegalStateException(digest + " is an image manifest (" + mediaType + "), not an index");
    }
    return ImageIndex.fromJson(content);
  }

  /** A descriptor of this document, to list it in an index or a layout. */
  public Descriptor descriptor() {
    return Descriptor.of(mediaType, digest, content.length);
  }
}
