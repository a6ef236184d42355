package dev.layerfs.oci.tar;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Byte-string helpers, kept in one place because names must stay bytes everywhere except in messages. */
final class Names {
  private static final int DISPLAY_LIMIT = 200;

  private Names() {}

  /** Renders bytes for an error message: printable ASCII as is, everything else as {@code \xNN}, cut if long. */
  static String display(byte[] bytes) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.length, DISPLAY_LIMIT); i++) {
      int b = bytes[i] & 0xff;
      if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'') {
        text.append((char) b);
      } else {
        text.append(String.format("\\x%02x", b));
      }
    }
    return bytes.length > DISPLAY_LIMIT ? text.append("...").toString() : text.toString();
  }

  static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  static boolean isUtf8(byte[] bytes) {
    return utf8OrNull(bytes) != null;
  }

  /** Decodes strict UTF-8, returning {@code null} rather than replacing a malformed sequence. */
  static String utf8OrNull(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  static int indexOf(byte[] bytes, byte b) {
    return indexOf(bytes, b, 0, bytes.length);
  }

  /** Returns the index of the first {@code b} in {@code bytes[from, to)}, or -1. */
  static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  static int lastIndexOf(byte[] bytes, byte b) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] joined = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, joined, at, part.length);
      at += part.length;
    }
    return joined;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Returns the bytes before the first NUL, the C-string view of a fixed field or of GNU long-name data. */
  static byte[] untilNul(byte[] bytes) {
    int nul = indexOf(bytes, (byte) 0);
    return nul < 0 ? bytes : Arrays.copyOf(bytes, nul);
  }
}
