package dev.layerfs.oci.tar;

import java.util.List;

/**
 * The data regions of a sparse file, so that an extractor can recreate its holes instead of writing zeros.
 *
 * <p>The archive stores only the regions' bytes, one after the other; everything between them (and after the last
 * one, up to the entry's {@link TarEntry#size() logical size}) is a hole. Regions are never empty: the zero-length
 * region GNU tar uses to mark a trailing hole is implied by the logical size.
 *
 * @param regions the data regions in ascending, non-overlapping order
 */
public record SparseMap(List<Region> regions) {

  /**
   * One run of real data inside a sparse file.
   *
   * @param offset where the run starts in the logical file
   * @param length how many bytes the archive stores for it
   */
  public record Region(long offset, long length) {
    public Region {
      if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
        throw new IllegalArgumentException("bad sparse region: offset " + offset + ", length " + length);
      }
    }

    long end() {
      return offset + length;
    }
  }

  public SparseMap {
    regions = List.copyOf(regions);
    long end = 0;
    for (Region region : regions) {
      if (region.offset() < end) {
        throw new IllegalArgumentException(
            "sparse region at " + region.offset() + " overlaps or precedes the one ending at " + end);
      }
      end = region.end();
    }
  }

  /** Returns how many bytes the archive stores for this file: the sum of the regions' lengths. */
  public long dataSize() {
    long sum = 0;
    for (Region region : regions) {
      sum = Math.addExact(sum, region.length());
    }
    return sum;
  }

  /** Returns where the last region ends; the logical file must be at least this long. */
  long end() {
    return regions.isEmpty() ? 0 : regions.getLast().end();
  }
}
