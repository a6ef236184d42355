package dev.layerfs.posix;

/** What {@code fstatfs} reports about a filesystem. */
public record StatFs(
    long type,
    long blockSize,
    long blocks,
    long freeBlocks,
    long availableBlocks,
    long files,
    long freeFiles,
    long fsid,
    long nameMax,
    long fragmentSize,
    long flags) {}
