package dev.layerfs.oci.tar;

/**
 * Bounds on what a {@link TarReader} accepts, so that a hostile layer cannot make it allocate without limit:
 * everything the reader buffers (PAX headers, GNU long names, sparse maps) is capped here; entry data is streamed.
 *
 * @param maxPaxHeaderSize largest PAX or GNU long-name header, in bytes, and the most the PAX records in force
 *     for one entry (global ones included) may add up to
 * @param maxNameLength longest name or link target, in bytes
 * @param maxEntries most entries in one archive
 * @param maxXattrValueSize largest xattr value, in bytes (Linux allows 64 KiB)
 * @param maxSparseRegions most data regions in one sparse file
 */
public record TarLimits(
    int maxPaxHeaderSize, int maxNameLength, long maxEntries, int maxXattrValueSize, int maxSparseRegions) {

  /** Limits that fit every real layer we know of: 1 MiB of PAX records, 32 KiB names, 10 million entries. */
  public static final TarLimits DEFAULTS = new TarLimits(1 << 20, 32 << 10, 10_000_000, 64 << 10, 100_000);

  public TarLimits {
    if (maxPaxHeaderSize <= 0 || maxNameLength <= 0 || maxEntries <= 0 || maxXattrValueSize < 0
        || maxSparseRegions <= 0) {
      throw new IllegalArgumentException("tar limits must be positive: pax " + maxPaxHeaderSize + ", name "
          + maxNameLength + ", entries " + maxEntries + ", xattr " + maxXattrValueSize + ", sparse "
          + maxSparseRegions);
    }
  }

  public TarLimits withMaxPaxHeaderSize(int bytes) {
    return new TarLimits(bytes, maxNameLength, maxEntries, maxXattrValueSize, maxSparseRegions);
  }

  public TarLimits withMaxNameLength(int bytes) {
    return new TarLimits(maxPaxHeaderSize, bytes, maxEntries, maxXattrValueSize, maxSparseRegions);
  }

  public TarLimits withMaxEntries(long entries) {
    return new TarLimits(maxPaxHeaderSize, maxNameLength, entries, maxXattrValueSize, maxSparseRegions);
  }

  public TarLimits withMaxXattrValueSize(int bytes) {
    return new TarLimits(maxPaxHeaderSize, maxNameLength, maxEntries, bytes, maxSparseRegions);
  }

  public TarLimits withMaxSparseRegions(int regions) {
    return new TarLimits(maxPaxHeaderSize, maxNameLength, maxEntries, maxXattrValueSize, regions);
  }
}
