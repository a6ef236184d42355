package dev.layerfs.oci.layer;

import dev.layerfs.oci.image.Digest;
import java.util.List;

/**
 * What applying a layer did.
 *
 * @param diffId the SHA-256 of the uncompressed tar, which an image config lists for the layer
 * @param tarSize the size of the uncompressed tar in bytes
 * @param entries the tar's entries, whiteouts included
 * @param whiteouts the {@code .wh.} entries turned into whiteouts (or opaque marks on this layer's directories)
 * @param opaqueDirectories the directories marked opaque
 * @param warnings what could not be kept, such as xattrs the file system or the caller's privileges refuse
 */
public record ApplyResult(Digest diffId, long tarSize, long entries, long whiteouts, long opaqueDirectories,
    List<String> warnings) {
  public ApplyResult {
    warnings = List.copyOf(warnings);
  }
}
