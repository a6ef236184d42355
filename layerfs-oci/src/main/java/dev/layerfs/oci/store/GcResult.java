package dev.layerfs.oci.store;

import java.util.List;

/**
 * What a removal or a collection freed.
 *
 * @param untagged the names (and, for a removed image, its ID) that no longer name an image
 * @param layers unpacked layers removed
 * @param blobs blobs removed
 * @param bytes disk space freed
 */
public record GcResult(List<String> untagged, long layers, long blobs, long bytes) {
  public GcResult {
    untagged = List.copyOf(untagged);
  }
}
