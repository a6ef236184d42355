package dev.layerfs.posix;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Conversions between Linux names (bytes) and Java strings that never lose a byte. */
public final class Names {
  /** Longest file name component, in bytes ({@code NAME_MAX}). */
  public static final int NAME_MAX = 255;
  /** Longest path a single system call accepts, in bytes including the NUL ({@code PATH_MAX}). */
  public static final int PATH_MAX = 4096;

  private Names() {}

  public static byte[] bytes(String name) {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  /** A readable form for messages: valid UTF-8 as text, every other byte as {@code \xNN}. */
  public static String printable(byte[] name) {
    if (isAscii(name)) {
      return new String(name, StandardCharsets.US_ASCII); // UTF-8 already, and read without making a decoder
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(name))
          .toString();
    } catch (CharacterCodingException e) {
      StringBuilder out = new StringBuilder(name.length + 16);
      for (byte b : name) {
        if (b >= 0x20 && b < 0x7f && b != '\\') {
          out.append((char) b);
        } else {
          out.append(String.format("\\x%02x", b & 0xff));
        }
      }
      return out.toString();
    }
  }

  private static boolean isAscii(byte[] name) {
    for (byte b : name) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  /** Joins path components with '/'. */
  public static byte[] join(byte[] parent, byte[] name) {
    if (parent.length == 0) {
      return name;
    }
    byte[] out = Arrays.copyOf(parent, parent.length + 1 + name.length);
    out[parent.length] = '/';
    System.arraycopy(name, 0, out, parent.length + 1, name.length);
    return out;
  }

  /** True for "." and "..", which are never real entries. */
  public static boolean isDotOrDotDot(byte[] name) {
    return (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
  }

  /** Byte-wise unsigned comparison, the order of {@code LC_ALL=C ls}. */
  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }
}
