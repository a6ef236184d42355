package dev.layerfs.oci.tar;

import dev.layerfs.posix.Xattrs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Maps xattr names to PAX keywords and back the way GNU tar and libarchive do, because an xattr name may contain
 * the {@code '='} that ends a PAX keyword: GNU tar escapes {@code '%'} and {@code '='} as {@code %25} and
 * {@code %3D}, libarchive URL-encodes the whole name and base64-encodes the value.
 */
final class XattrKeys {
  static final String SCHILY = "SCHILY.xattr.";
  static final String LIBARCHIVE = "LIBARCHIVE.xattr.";

  private XattrKeys() {}

  /**
   * Returns the GNU-style PAX keyword for an xattr, as ISO-8859-1 characters over its bytes. Names and keywords are
   * both strings of one char per byte, as in {@link TarEntry#xattrs}.
   */
  static String schilyKey(String xattrName) {
    ByteArrayOutputStream key = new ByteArrayOutputStream();
    for (byte b : Xattrs.bytes(xattrName)) {
      switch (b) {
        case '%' -> key.writeBytes(Names.ascii("%25"));
        case '=' -> key.writeBytes(Names.ascii("%3D"));
        default -> key.write(b);
      }
    }
    return SCHILY + key.toString(StandardCharsets.ISO_8859_1);
  }

  /** Returns the xattr name of a {@code SCHILY.xattr.} keyword, undoing GNU tar's two escapes. */
  static String fromSchily(String key) {
    return key.substring(SCHILY.length()).replace("%3D", "=").replace("%25", "%");
  }

  /** Returns the xattr name of a {@code LIBARCHIVE.xattr.} keyword, undoing its URL encoding. */
  static String fromLibarchive(String key) {
    String encoded = key.substring(LIBARCHIVE.length());
    ByteArrayOutputStream name = new ByteArrayOutputStream();
    for (int i = 0; i < encoded.length(); i++) {
      if (encoded.charAt(i) == '%' && isHexPair(encoded, i + 1)) {
        name.write(Integer.parseInt(encoded, i + 1, i + 3, 16));
        i += 2;
      } else {
        name.write(encoded.charAt(i));
      }
    }
    return Xattrs.name(name.toByteArray());
  }

  /** Decodes a libarchive xattr value, which is base64 with or without padding. */
  static byte[] libarchiveValue(byte[] base64) {
    return Base64.getDecoder().decode(base64);
  }

  private static boolean isHexPair(String s, int at) {
    return at + 1 < s.length() && Character.digit(s.charAt(at), 16) >= 0
        && Character.digit(s.charAt(at + 1), 16) >= 0;
  }
}
