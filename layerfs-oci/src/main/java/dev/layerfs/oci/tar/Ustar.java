package dev.layerfs.oci.tar;

import java.util.Arrays;

/**
 * The fixed 512-byte header layout and its number encodings, shared by reader and writer so that every offset
 * and every rule about octal and base-256 fields lives in one place.
 */
final class Ustar {
  static final int BLOCK = 512;
  static final byte[] POSIX_MAGIC = Names.ascii("ustar\u000000");
  static final byte[] GNU_MAGIC = Names.ascii("ustar  \u0000");

  private Ustar() {}

  /** A field of the header; GNU's fields overlap the POSIX prefix and are only read when the magic is GNU's. */
  enum Field {
    NAME(0, 100), MODE(100, 8), UID(108, 8), GID(116, 8), SIZE(124, 12), MTIME(136, 12), CHECKSUM(148, 8),
    TYPEFLAG(156, 1), LINKNAME(157, 100), MAGIC(257, 8), UNAME(265, 32), GNAME(297, 32), DEVMAJOR(329, 8),
    DEVMINOR(337, 8), PREFIX(345, 155),
    GNU_ATIME(345, 12), GNU_CTIME(357, 12), GNU_SPARSE(386, 96), GNU_IS_EXTENDED(482, 1),
    GNU_REAL_SIZE(483, 12);

    final int offset;
    final int length;

    Field(int offset, int length) {
      this.offset = offset;
      this.length = length;
    }

    /** Returns the field's bytes up to the first NUL. */
    byte[] string(byte[] block) {
      return Names.untilNul(Arrays.copyOfRange(block, offset, offset + length));
    }

    long number(byte[] block) {
      return parseNumber(block, offset, length);
    }

    boolean isEmpty(byte[] block) {
      return block[offset] == 0;
    }

    boolean fitsOctal(long value) {
      return value >= 0 && (length - 1) * 3 >= 64 - Long.numberOfLeadingZeros(value);
    }

    /** Stores bytes that the caller has checked to fit; the remainder of the field stays NUL. */
    void put(byte[] block, byte[] value) {
      if (value.length > length) {
        throw new IllegalArgumentException(this + " cannot hold " + value.length + " bytes");
      }
      System.arraycopy(value, 0, block, offset, value.length);
    }

    /** Stores a value as zero-padded octal digits and a NUL, the form every tar reader understands. */
    void putOctal(byte[] block, long value) {
      if (!fitsOctal(value)) {
        throw new IllegalArgumentException(this + " cannot hold " + value + " in octal");
      }
      String digits = Long.toOctalString(value);
      put(block, Names.ascii("0".repeat(length - 1 - digits.length()) + digits));
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT) + " field";
    }
  }

  /**
   * Parses an octal field (leading blanks, digits, then a NUL or blank) or a GNU base-256 field (high bit of the
   * first byte set, two's complement big-endian), throwing {@link NumberFormatException} on anything else.
   */
  static long parseNumber(byte[] b, int offset, int length) {
    return (b[offset] & 0x80) != 0 ? parseBase256(b, offset, length) : parseOctal(b, offset, length);
  }

  private static long parseOctal(byte[] b, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end && (b[i] == ' ' || b[i] == 0)) {
      i++;
    }
    long value = 0;
    for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
      if (value >>> 60 != 0) {
        throw new NumberFormatException("octal number overflows 63 bits");
      }
      value = value << 3 | (b[i] - '0');
    }
    if (i < end && b[i] != ' ' && b[i] != 0) {
      throw new NumberFormatException(
          "not an octal number: '" + Names.display(Arrays.copyOfRange(b, offset, end)) + "'");
    }
    return value;
  }

  private static long parseBase256(byte[] b, int offset, int length) {
    int invert = (b[offset] & 0x40) != 0 ? 0xff : 0;
    long value = 0;
    for (int i = 0; i < length; i++) {
      int digit = (b[offset + i] ^ invert) & (i == 0 ? 0x7f : 0xff);
      if (value >>> 55 != 0) {
        throw new NumberFormatException("base-256 number overflows 63 bits");
      }
      value = value << 8 | digit;
    }
    return invert == 0 ? value : ~value;
  }

  static boolean isZeroBlock(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Returns the unsigned checksum of a header, counting the checksum field itself as eight spaces. */
  static long checksum(byte[] block) {
    return sum(block, 0xff);
  }

  /** Returns the checksum as some historic tars computed it, with bytes taken as signed. */
  static long signedChecksum(byte[] block) {
    return sum(block, -1);
  }

  private static long sum(byte[] block, int mask) {
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      boolean inChecksum = i >= Field.CHECKSUM.offset && i < Field.CHECKSUM.offset + Field.CHECKSUM.length;
      sum += inChecksum ? ' ' : (mask == 0xff ? block[i] & 0xff : block[i]);
    }
    return sum;
  }

  /** Seals a header written by us: six octal digits, a NUL and a space, as GNU tar writes them. */
  static void putChecksum(byte[] block) {
    String digits = Long.toOctalString(checksum(block));
    byte[] field = Names.ascii("0".repeat(6 - digits.length()) + digits + "\u0000 ");
    Field.CHECKSUM.put(block, field);
  }

  /** Returns how many padding bytes follow {@code size} bytes of data to reach the next block boundary. */
  static int padding(long size) {
    return (int) ((BLOCK - (size % BLOCK)) % BLOCK);
  }
}
