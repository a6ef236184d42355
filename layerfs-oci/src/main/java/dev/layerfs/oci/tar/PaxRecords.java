package dev.layerfs.oci.tar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code "LENGTH KEYWORD=VALUE\n"} records of a PAX extended header, parsed and written as bytes, because
 * a record's length counts bytes and its value may be any bytes at all (a binary xattr, a non-UTF-8 name).
 */
final class PaxRecords {
  private static final int MAX_LENGTH_DIGITS = 10;

  private PaxRecords() {}

  /**
   * One record; the keyword holds its bytes as ISO-8859-1 characters, so it is text for comparisons and still
   * exactly the archive's bytes.
   */
  record Record(String key, byte[] value) {
    static Record of(String key, byte[] value) {
      return new Record(key, value);
    }

    static Record of(String key, String asciiValue) {
      return new Record(key, Names.ascii(asciiValue));
    }
  }

  /** Parses a header's records in order, throwing {@link IllegalArgumentException} at the first lie. */
  static List<Record> parse(byte[] data) {
    List<Record> records = new ArrayList<>();
    int at = 0;
    while (at < data.length && !onlyNulsFrom(data, at)) {
      int end = recordEnd(data, at);
      int space = Names.indexOf(data, (byte) ' ', at, end);
      int equals = Names.indexOf(data, (byte) '=', space + 1, end);
      if (equals <= space + 1) {
        throw new IllegalArgumentException("PAX record at byte " + at + " has no keyword");
      }
      String key = new String(data, space + 1, equals - space - 1, StandardCharsets.ISO_8859_1);
      records.add(new Record(key, Arrays.copyOfRange(data, equals + 1, end - 1)));
      at = end;
    }
    return records;
  }

  /** Reads the decimal length that starts the record at {@code at} and returns where the record ends. */
  private static int recordEnd(byte[] data, int at) {
    long length = 0;
    int i = at;
    while (i < data.length && data[i] >= '0' && data[i] <= '9' && i - at < MAX_LENGTH_DIGITS) {
      length = length * 10 + (data[i++] - '0');
    }
    if (i == at || i >= data.length || data[i] != ' ') {
      throw new IllegalArgumentException("PAX record at byte " + at + " does not start with a length and a space");
    }
    if (length <= i - at + 1 || length > data.length - at) {
      throw new IllegalArgumentException("PAX record at byte " + at + " claims length " + length + " but "
          + (data.length - at) + " bytes remain");
    }
    int end = at + (int) length;
    if (data[end - 1] != '\n') {
      throw new IllegalArgumentException("PAX record at byte " + at + " does not end in a newline");
    }
    return end;
  }

  private static boolean onlyNulsFrom(byte[] data, int at) {
    for (int i = at; i < data.length; i++) {
      if (data[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Encodes records, each prefixed with its own length in bytes, that length's digits included. */
  static byte[] encode(List<Record> records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Record record : records) {
      byte[] key = record.key().getBytes(StandardCharsets.ISO_8859_1);
      int bare = key.length + record.value().length + 3;
      out.writeBytes(Names.ascii(recordLength(bare) + " "));
      out.writeBytes(key);
      out.write('=');
      out.writeBytes(record.value());
      out.write('\n');
    }
    return out.toByteArray();
  }

  private static int recordLength(int bare) {
    for (int digits = 1; ; digits++) {
      int total = bare + digits;
      if (Integer.toString(total).length() == digits) {
        return total;
      }
    }
  }
}
