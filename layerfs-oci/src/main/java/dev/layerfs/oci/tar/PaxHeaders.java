package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.PaxRecords.Record;
import dev.layerfs.posix.Xattrs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The PAX records in force for an entry (global records overlaid by the entry's own), with typed access, so that
 * header decoding asks for "the size" rather than re-parsing text, and so that one cap bounds their memory.
 */
final class PaxHeaders {
  static final String SPARSE_MAP = "GNU.sparse.map";
  private static final String SPARSE_OFFSET = "GNU.sparse.offset";
  private static final String SPARSE_NUMBYTES = "GNU.sparse.numbytes";
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,19}");
  private static final Pattern TIME = Pattern.compile("-?([0-9]{1,19})(\\.([0-9]*))?");

  private final Map<String, byte[]> records;
  private long size;

  PaxHeaders() {
    this(new LinkedHashMap<>(), 0);
  }

  private PaxHeaders(Map<String, byte[]> records, long size) {
    this.records = records;
    this.size = size;
  }

  PaxHeaders copy() {
    return new PaxHeaders(new LinkedHashMap<>(records), size);
  }

  /**
   * Overlays records in archive order: a later record replaces an earlier one, an empty value removes a keyword
   * (except an xattr's, for which empty is a real value), and GNU sparse 0.0's repeated offset/numbytes pairs
   * are gathered into one {@code GNU.sparse.map} as in format 0.1.
   */
  void apply(List<Record> parsed, int limit) {
    List<String> sparsePairs = new ArrayList<>();
    for (Record record : parsed) {
      switch (record.key()) {
        case SPARSE_OFFSET, SPARSE_NUMBYTES -> addSparse(sparsePairs, record);
        default -> put(record.key(), record.value());
      }
    }
    if (!sparsePairs.isEmpty()) {
      put(SPARSE_MAP, Names.ascii(String.join(",", sparsePairs)));
    }
    if (size > limit) {
      throw new IllegalArgumentException(
          "PAX records add up to " + size + " bytes, more than maxPaxHeaderSize " + limit);
    }
  }

  private static void addSparse(List<String> pairs, Record record) {
    boolean offsetExpected = pairs.size() % 2 == 0;
    String value = ascii(record);
    if (offsetExpected != record.key().equals(SPARSE_OFFSET) || !DECIMAL.matcher(value).matches()) {
      throw new IllegalArgumentException("GNU sparse 0.0 record " + record.key() + "=" + value + " out of order");
    }
    pairs.add(value);
  }

  private void put(String key, byte[] value) {
    byte[] old = records.get(key);
    if (old != null) {
      size -= key.length() + old.length;
    }
    if (value.length == 0 && !isXattr(key)) {
      records.remove(key);
    } else {
      records.put(key, value);
      size += key.length() + value.length;
    }
  }

  byte[] bytes(String key) {
    return records.get(key);
  }

  /** Returns a non-negative decimal value, or {@code null} when the keyword is absent. */
  Long number(String key) {
    byte[] value = records.get(key);
    if (value == null) {
      return null;
    }
    String text = new String(value, StandardCharsets.ISO_8859_1);
    if (!DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException("PAX " + key + " '" + Names.display(value) + "' is not a decimal number");
    }
    return Long.parseLong(text);
  }

  /** Returns a time such as {@code 1700000000.123456789} or {@code -1.5}, or {@code null} when absent. */
  Instant time(String key) {
    byte[] value = records.get(key);
    if (value == null) {
      return null;
    }
    var match = TIME.matcher(new String(value, StandardCharsets.ISO_8859_1));
    if (!match.matches()) {
      throw new IllegalArgumentException("PAX " + key + " '" + Names.display(value) + "' is not a time");
    }
    long seconds = Long.parseLong(match.group(1));
    String fraction = match.group(3) == null ? "" : match.group(3);
    long nanos = Long.parseLong((fraction + "000000000").substring(0, 9));
    return value[0] == '-' ? Instant.ofEpochSecond(-seconds, -nanos) : Instant.ofEpochSecond(seconds, nanos);
  }

  /** Returns the xattrs in archive order, from both GNU tar's and libarchive's keywords. */
  Map<String, byte[]> xattrs(int maxValueSize) {
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    records.forEach((key, value) -> {
      if (key.startsWith(XattrKeys.SCHILY)) {
        xattrs.put(XattrKeys.fromSchily(key), value);
      } else if (key.startsWith(XattrKeys.LIBARCHIVE)) {
        xattrs.put(XattrKeys.fromLibarchive(key), XattrKeys.libarchiveValue(value));
      }
    });
    xattrs.forEach((name, value) -> {
      if (value.length > maxValueSize) {
        throw new IllegalArgumentException(
            "xattr '" + Names.display(Xattrs.bytes(name)) + "' has " + value.length
                + " bytes, more than maxXattrValueSize " + maxValueSize);
      }
    });
    return xattrs;
  }

  private static boolean isXattr(String key) {
    return key.startsWith(XattrKeys.SCHILY) || key.startsWith(XattrKeys.LIBARCHIVE);
  }

  private static String ascii(Record record) {
    return new String(record.value(), StandardCharsets.ISO_8859_1);
  }
}
