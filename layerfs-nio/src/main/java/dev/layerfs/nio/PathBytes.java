package dev.layerfs.nio;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.util.Arrays;

/**
 * Conversions between Linux path bytes and Java strings that lose nothing in either direction: valid UTF-8 is
 * decoded as usual, and every byte that is not part of valid UTF-8 becomes the lone surrogate {@code U+DC00 + b}
 * (Python's "surrogateescape"), which encoding turns back into the same byte.
 *
 * <p>So {@code fs.getPath(path.toString())} is always {@code path}, even for names that are not UTF-8, while
 * ordinary names print as ordinary text.
 */
final class PathBytes {
  private static final char ESCAPE_BASE = 0xDC00;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private PathBytes() {}

  /** Encodes a string as path bytes: UTF-8, with escaped bytes restored. */
  static byte[] encode(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && s.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      byte[] out = new byte[n];
      for (int j = 0; j < n; j++) {
        out[j] = (byte) s.charAt(j);
      }
      return out;
    }
    byte[] out = new byte[n * 3];
    int o = 0;
    for (int j = 0; j < n; j++) {
      char c = s.charAt(j);
      if (c < 0x80) {
        out[o++] = (byte) c;
      } else if (c < 0x800) {
        out[o++] = (byte) (0xC0 | (c >> 6));
        out[o++] = (byte) (0x80 | (c & 0x3F));
      } else if (c >= 0xDC80 && c <= 0xDCFF) {
        out[o++] = (byte) (c - ESCAPE_BASE);
      } else if (Character.isHighSurrogate(c) && j + 1 < n && Character.isLowSurrogate(s.charAt(j + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++j));
        out[o++] = (byte) (0xF0 | (cp >> 18));
        out[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        throw new InvalidPathException(s, "unpaired surrogate U+" + Integer.toHexString(c).toUpperCase(), j);
      } else {
        out[o++] = (byte) (0xE0 | (c >> 12));
        out[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[o++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return Arrays.copyOf(out, o);
  }

  /** Decodes path bytes: valid UTF-8 as text, any other byte as an escape that {@link #encode} reverses. */
  static String decode(byte[] b) {
    int to = b.length;
    int i = 0;
    while (i < to && b[i] >= 0) {
      i++;
    }
    if (i == to) {
      return new String(b, StandardCharsets.ISO_8859_1);
    }
    StringBuilder out = new StringBuilder(to);
    i = 0;
    while (i < to) {
      int b0 = b[i] & 0xFF;
      if (b0 < 0x80) {
        out.append((char) b0);
        i++;
        continue;
      }
      int length = sequenceLength(b, i, to);
      if (length == 0) {
        out.append((char) (ESCAPE_BASE + b0));
        i++;
      } else {
        out.appendCodePoint(codePoint(b, i, length));
        i += length;
      }
    }
    return out.toString();
  }

  /** The length of the valid UTF-8 sequence at {@code i}, or 0 when the byte there does not start one. */
  private static int sequenceLength(byte[] b, int i, int to) {
    int b0 = b[i] & 0xFF;
    int length;
    int min2;
    int max2 = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2;
      min2 = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3;
      min2 = b0 == 0xE0 ? 0xA0 : 0x80;
      max2 = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4;
      min2 = b0 == 0xF0 ? 0x90 : 0x80;
      max2 = b0 == 0xF4 ? 0x8F : 0xBF;
    } else {
      return 0;
    }
    if (i + length > to) {
      return 0;
    }
    int b1 = b[i + 1] & 0xFF;
    if (b1 < min2 || b1 > max2) {
      return 0;
    }
    for (int k = 2; k < length; k++) {
      int bk = b[i + k] & 0xFF;
      if (bk < 0x80 || bk > 0xBF) {
        return 0;
      }
    }
    return length;
  }

  private static int codePoint(byte[] b, int i, int length) {
    int cp = b[i] & (0xFF >> (length + 1));
    for (int k = 1; k < length; k++) {
      cp = (cp << 6) | (b[i + k] & 0x3F);
    }
    return cp;
  }

  /**
   * The path with redundant slashes removed: no {@code //} and no trailing slash except for the root. A NUL byte
   * cannot be in a Linux path.
   */
  static byte[] normalizeSlashes(byte[] p, Object input) {
    int n = p.length;
    boolean clean = true;
    for (int i = 0; i < n; i++) {
      byte c = p[i];
      if (c == 0) {
        throw new InvalidPathException(input.toString(), "a path cannot contain NUL", i);
      }
      if (c == '/' && ((i + 1 < n && p[i + 1] == '/') || (i == n - 1 && n > 1))) {
        clean = false;
      }
    }
    if (clean) {
      return p;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (int i = 0; i < n; i++) {
      byte c = p[i];
      if (c == '/' && o > 0 && out[o - 1] == '/') {
        continue;
      }
      out[o++] = c;
    }
    if (o > 1 && out[o - 1] == '/') {
      o--;
    }
    return Arrays.copyOf(out, o);
  }

  /** Percent-encodes path bytes for a URI, keeping letters, digits, {@code -._~/} and nothing else. */
  static String percentEncode(byte[] b, boolean keepSlash) {
    StringBuilder out = new StringBuilder(b.length + 8);
    for (byte x : b) {
      int c = x & 0xFF;
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
      if (plain) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return out.toString();
  }

  /** Reverses {@link #percentEncode} (and any other percent-encoding) into raw bytes, never through a charset. */
  static byte[] percentDecode(String s) {
    byte[] out = new byte[s.length() * 3];
    int o = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new IllegalArgumentException("truncated escape in " + s);
        }
        out[o++] = (byte) Integer.parseInt(s, i + 1, i + 3, 16);
        i += 2;
      } else if (c < 0x80) {
        out[o++] = (byte) c;
      } else {
        int cp = s.codePointAt(i);
        byte[] utf8 = encode(Character.toString(cp));
        System.arraycopy(utf8, 0, out, o, utf8.length);
        o += utf8.length;
        i += Character.charCount(cp) - 1;
      }
    }
    return Arrays.copyOf(out, o);
  }

  static boolean isDot(byte[] name) {
    return name.length == 1 && name[0] == '.';
  }

  static boolean isDotDot(byte[] name) {
    return name.length == 2 && name[0] == '.' && name[1] == '.';
  }
}
