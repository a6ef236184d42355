package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.SparseMap.Region;
import dev.layerfs.oci.tar.Ustar.Field;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the three ways GNU tar records a sparse file's data regions (old GNU headers, PAX 0.x records, and the
 * PAX 1.0 map that prefixes the data) and writes the last, so that holes survive a trip through a layer.
 */
final class SparseMaps {
  private static final int ENTRY = 24;
  private static final int NUMBER = 12;
  private static final int EXTENSION_ENTRIES = 21;
  private static final int MAX_DIGITS = 19;

  /** Supplies the next 512-byte block of the archive, failing if it is cut short. */
  interface Blocks {
    byte[] next() throws IOException;
  }

  private SparseMaps() {}

  /** Reads an old GNU {@code 'S'} header's four regions and those of its extension blocks. */
  static SparseMap oldGnu(RawHeader header, Blocks blocks, int maxRegions) throws IOException {
    List<Region> regions = new ArrayList<>();
    addEntries(header.block(), Field.GNU_SPARSE.offset, 4, regions, maxRegions);
    boolean extended = header.block()[Field.GNU_IS_EXTENDED.offset] != 0;
    while (extended) {
      byte[] block = blocks.next();
      addEntries(block, 0, EXTENSION_ENTRIES, regions, maxRegions);
      extended = block[EXTENSION_ENTRIES * ENTRY] != 0;
    }
    return new SparseMap(regions);
  }

  private static void addEntries(byte[] block, int at, int count, List<Region> regions, int maxRegions) {
    for (int i = 0; i < count && block[at + i * ENTRY] != 0; i++) {
      long offset = Ustar.parseNumber(block, at + i * ENTRY, NUMBER);
      long length = Ustar.parseNumber(block, at + i * ENTRY + NUMBER, NUMBER);
      add(regions, offset, length, maxRegions);
    }
  }

  /** Parses PAX 0.1's {@code "offset,length,offset,length"} (0.0's pairs arrive already joined that way). */
  static SparseMap pax0(byte[] map, Long declaredCount, int maxRegions) {
    String text = new String(map, StandardCharsets.ISO_8859_1);
    String[] numbers = text.isEmpty() ? new String[0] : text.split(",", -1);
    if (numbers.length % 2 != 0 || (declaredCount != null && declaredCount != numbers.length / 2)) {
      throw new IllegalArgumentException("GNU sparse map '" + Names.display(map) + "' does not hold "
          + (declaredCount == null ? "pairs" : declaredCount + " pairs"));
    }
    List<Region> regions = new ArrayList<>();
    for (int i = 0; i < numbers.length; i += 2) {
      add(regions, decimal(numbers[i]), decimal(numbers[i + 1]), maxRegions);
    }
    return new SparseMap(regions);
  }

  /**
   * Reads PAX 1.0's map from the front of the entry's data: decimal lines (the count, then offset and length
   * for each region), padded to a block; returns it with how many bytes it took.
   */
  static Pax1Map pax1(InputStream data, int maxRegions) throws IOException {
    LineReader lines = new LineReader(data);
    long count = lines.number();
    if (count > maxRegions) {
      throw new IllegalArgumentException(
          "sparse map lists " + count + " regions, more than maxSparseRegions " + maxRegions);
    }
    List<Region> regions = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      add(regions, lines.number(), lines.number(), maxRegions);
    }
    return new Pax1Map(new SparseMap(regions), lines.consumed());
  }

  record Pax1Map(SparseMap map, long bytes) {}

  /**
   * Encodes a map in PAX 1.0 form, padded to whole blocks, to precede the entry's data; a trailing hole gets the
   * empty region at the end of the file without which GNU tar would extract the file short.
   */
  static byte[] encodePax1(SparseMap map, long size) {
    List<String> pairs = new ArrayList<>();
    map.regions().forEach(region -> pairs.add(region.offset() + "\n" + region.length() + "\n"));
    if (map.end() < size) {
      pairs.add(size + "\n0\n");
    }
    StringBuilder text = new StringBuilder().append(pairs.size()).append('\n');
    pairs.forEach(text::append);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(Names.ascii(text.toString()));
    out.writeBytes(new byte[Ustar.padding(out.size())]);
    return out.toByteArray();
  }

  /** Adds a region, skipping the empty ones GNU tar writes to mark where a trailing hole ends. */
  private static void add(List<Region> regions, long offset, long length, int maxRegions) {
    if (regions.size() >= maxRegions) {
      throw new IllegalArgumentException("sparse map has more than maxSparseRegions " + maxRegions + " regions");
    }
    if (length != 0) {
      regions.add(new Region(offset, length));
    }
  }

  private static long decimal(String text) {
    if (text.isEmpty() || text.length() > MAX_DIGITS || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("bad number '" + text + "' in GNU sparse map");
    }
    return Long.parseLong(text);
  }

  /** Reads newline-terminated decimals from whole blocks, so that the data after the map starts on a block. */
  private static final class LineReader {
    private final InputStream data;
    private final byte[] block = new byte[Ustar.BLOCK];
    private int position = Ustar.BLOCK;
    private long blocks;

    LineReader(InputStream data) {
      this.data = data;
    }

    long number() throws IOException {
      StringBuilder digits = new StringBuilder();
      for (int c = nextByte(); c != '\n'; c = nextByte()) {
        if (digits.length() > MAX_DIGITS) {
          throw new IllegalArgumentException("sparse map line longer than " + MAX_DIGITS + " digits");
        }
        digits.append((char) c);
      }
      return decimal(digits.toString());
    }

    private int nextByte() throws IOException {
      if (position == Ustar.BLOCK) {
        if (data.readNBytes(block, 0, Ustar.BLOCK) != Ustar.BLOCK) {
          throw new IllegalArgumentException("sparse map runs past the end of the entry's data");
        }
        blocks++;
        position = 0;
      }
      return block[position++] & 0xff;
    }

    long consumed() {
      return blocks * Ustar.BLOCK;
    }
  }
}
