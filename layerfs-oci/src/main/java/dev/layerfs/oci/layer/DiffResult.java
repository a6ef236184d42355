package dev.layerfs.oci.layer;

/**
 * What a layer diff wrote.
 *
 * @param entries tar entries, markers included
 * @param whiteouts {@code .wh.NAME} entries
 * @param opaqueDirectories {@code .wh..wh..opq} entries
 * @param redirectedDirectories renamed directories written with their whole merged contents
 * @param dataBytes bytes of file data (for sparse files, the data regions only)
 */
public record DiffResult(long entries, long whiteouts, long opaqueDirectories, long redirectedDirectories,
    long dataBytes) {}
