package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Digest;
import java.nio.file.Path;

/**
 * A layer unpacked in the store, ready to be a lower layer of any overlay.
 *
 * @param diffId the digest of its uncompressed tar, the key it is stored under
 * @param directory the layer in the kernel's format, to use as a {@code lowerdir} as it is
 * @param tarSize the size of its uncompressed tar
 * @param allocatedBytes the disk space its directory takes
 * @param files the non-directories in it, whiteouts included
 */
public record StoredLayer(Digest diffId, Path directory, long tarSize, long allocatedBytes, long files) {}
