package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Digest;
import java.time.Instant;

/**
 * One layer of an image's history, with what it does to the image's files (see {@code image history}).
 *
 * @param diffId the layer
 * @param created when the build step that made it ran, if the config says
 * @param createdBy the build step, such as a Dockerfile instruction or {@code layerfs commit NAME}
 * @param size the size of the layer's uncompressed tar
 * @param added bytes of files at new paths
 * @param changed bytes of files replacing lower ones
 * @param deleted bytes of lower files it deletes
 * @param wasted bytes of its files that later layers replace or delete
 */
public record LayerHistory(Digest diffId, Instant created, String createdBy, long size, long added, long changed,
    long deleted, long wasted) {}
