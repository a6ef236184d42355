package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.Ustar.Field;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds archives block by block, including ones no honest writer would produce, to test the reader. */
final class RawArchive {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Returns a sealed ustar header; tests change fields and call {@link #seal} again to forge one. */
  static byte[] header(String name, char typeflag, long size) {
    byte[] block = new byte[Ustar.BLOCK];
    Field.NAME.put(block, name.getBytes(StandardCharsets.UTF_8));
    Field.MODE.putOctal(block, 0644);
    Field.UID.putOctal(block, 0);
    Field.GID.putOctal(block, 0);
    Field.SIZE.putOctal(block, size);
    Field.MTIME.putOctal(block, 1_700_000_000);
    block[Field.TYPEFLAG.offset] = (byte) typeflag;
    Field.MAGIC.put(block, Ustar.POSIX_MAGIC);
    return seal(block);
  }

  static byte[] seal(byte[] block) {
    Field.CHECKSUM.put(block, "        ".getBytes(StandardCharsets.US_ASCII));
    Ustar.putChecksum(block);
    return block;
  }

  /** Returns a header whose field holds raw bytes, for base-256 and malformed numbers. */
  static byte[] withField(byte[] header, Field field, byte[] raw) {
    byte[] block = header.clone();
    System.arraycopy(raw, 0, block, field.offset, raw.length);
    return seal(block);
  }

  static byte[] base256(long value, int length) {
    byte[] field = new byte[length];
    for (int i = length - 1; i > 0; i--, value >>= 8) {
      field[i] = (byte) value;
    }
    field[0] = (byte) (value < 0 ? 0xff : 0x80);
    return field;
  }

  /** Returns one well-formed PAX record, its length prefix counted in bytes. */
  static String record(String key, String value) {
    byte[] record = PaxRecords.encode(java.util.List.of(PaxRecords.Record.of(key, value.getBytes(StandardCharsets.UTF_8))));
    return new String(record, StandardCharsets.ISO_8859_1);
  }

  RawArchive entry(byte[] header, byte[] data) {
    out.writeBytes(header);
    out.writeBytes(data);
    out.writeBytes(new byte[Ustar.padding(data.length)]);
    return this;
  }

  RawArchive file(String name, String content) {
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    return entry(header(name, '0', data.length), data);
  }

  /** Adds an extension header ('x', 'g', 'L' or 'K') whose data is exactly {@code data}. */
  RawArchive extension(char typeflag, byte[] data) {
    return entry(header("././@Extension", typeflag, data.length), data);
  }

  RawArchive pax(String records) {
    return extension('x', records.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawArchive raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  RawArchive end() {
    out.writeBytes(new byte[2 * Ustar.BLOCK]);
    return this;
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
