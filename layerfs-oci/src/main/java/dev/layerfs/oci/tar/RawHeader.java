package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.Ustar.Field;
import java.util.Arrays;

/**
 * One checksummed 512-byte header block as found in the archive, before PAX or GNU extensions apply, carrying
 * its offset and name so that any later complaint about it can say where it is.
 */
record RawHeader(long offset, byte[] block, byte typeflag, byte[] name, boolean gnu) {

  /** Verifies the checksum and reads the name (with the POSIX prefix when the magic says it is one). */
  static RawHeader parse(byte[] block, long offset) throws TarFormatException {
    byte[] magic = Arrays.copyOfRange(block, Field.MAGIC.offset, Field.MAGIC.offset + Field.MAGIC.length);
    boolean posix = Arrays.equals(magic, 0, 6, Ustar.POSIX_MAGIC, 0, 6);
    boolean gnu = Arrays.equals(magic, Ustar.GNU_MAGIC);
    byte[] name = Field.NAME.string(block);
    byte[] prefix = posix ? Field.PREFIX.string(block) : new byte[0];
    if (prefix.length > 0) {
      name = Names.concat(prefix, new byte[] {'/'}, name);
    }
    RawHeader header = new RawHeader(offset, block, block[Field.TYPEFLAG.offset], name, gnu);
    header.verifyChecksum();
    return header;
  }

  private void verifyChecksum() throws TarFormatException {
    long stored = number(Field.CHECKSUM);
    if (stored != Ustar.checksum(block) && stored != Ustar.signedChecksum(block)) {
      throw error("header checksum " + stored + " does not match the computed " + Ustar.checksum(block)
          + ": not a tar archive, or a corrupted one");
    }
  }

  long number(Field field) throws TarFormatException {
    try {
      return field.number(block);
    } catch (NumberFormatException e) {
      throw error("bad " + field + ": " + e.getMessage());
    }
  }

  /** Reads a numeric field that must not be negative, such as a size or an id. */
  long unsigned(Field field) throws TarFormatException {
    long value = number(field);
    if (value < 0) {
      throw error("negative " + field + ": " + value);
    }
    return value;
  }

  byte[] string(Field field) {
    return field.string(block);
  }

  TarFormatException error(String problem) {
    return TarFormatException.at(offset, name, problem);
  }
}
