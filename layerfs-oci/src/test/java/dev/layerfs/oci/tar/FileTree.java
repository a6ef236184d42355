package dev.layerfs.oci.tar;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A directory tree as GNU find and getfattr see it, the ground truth that tar archives are compared with; names
 * are keyed as ISO-8859-1 strings so that every byte of a non-UTF-8 name is kept.
 */
final class FileTree {
  private static final String FIND_FORMAT = "%y\\0%m\\0%s\\0%T@\\0%U\\0%G\\0%i\\0%p\\0%l\\0%b\\0";

  /** What find reports about one file. */
  record Node(char type, int mode, long size, Instant mtime, long uid, long gid, long inode, byte[] link,
      long blocks) {}

  private FileTree() {}

  /** Lists everything under {@code root} with paths relative to it, starting with "." for the root itself. */
  static Map<String, Node> of(Path root) {
    byte[] listing = Shell.run(root, "find . -printf '" + FIND_FORMAT + "'");
    Map<String, Node> nodes = new LinkedHashMap<>();
    String[] fields = new String(listing, StandardCharsets.ISO_8859_1).split("\0", -1);
    for (int i = 0; i + 10 <= fields.length; i += 10) {
      nodes.put(fields[i + 7], new Node(fields[i].charAt(0), Integer.parseInt(fields[i + 1], 8),
          Long.parseLong(fields[i + 2]), instant(fields[i + 3]), Long.parseLong(fields[i + 4]),
          Long.parseLong(fields[i + 5]), Long.parseLong(fields[i + 6]), latin1(fields[i + 8]),
          Long.parseLong(fields[i + 9])));
    }
    return nodes;
  }

  /** Returns a file's xattrs as getfattr reports them, without following symlinks. */
  static Map<String, byte[]> xattrs(Path root, String name) {
    String dump = key(Shell.run(root, "getfattr -h -d -m - -e hex --absolute-names -- " + Shell.quote(latin1(name))));
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (String line : dump.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int equals = line.indexOf('=');
      String key = unescape(equals < 0 ? line : line.substring(0, equals));
      String hex = equals < 0 ? "" : line.substring(equals + 1);
      xattrs.put(key, hex.startsWith("0x") ? HexFormat.of().parseHex(hex.substring(2)) : new byte[0]);
    }
    return xattrs;
  }

  /** Returns a file's content, read by cat so that non-UTF-8 names work. */
  static byte[] content(Path root, String name) {
    return Shell.run(root, "cat -- " + Shell.quote(latin1(name)));
  }

  static String key(byte[] name) {
    return new String(name, StandardCharsets.ISO_8859_1);
  }

  static byte[] latin1(String key) {
    return key.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Parses find's {@code %T@}, seconds with a ten-digit fraction, exactly. */
  private static Instant instant(String text) {
    BigDecimal seconds = new BigDecimal(text);
    BigDecimal whole = new BigDecimal(seconds.toBigInteger());
    if (seconds.signum() < 0 && whole.compareTo(seconds) != 0) {
      whole = whole.subtract(BigDecimal.ONE);
    }
    long nanos = seconds.subtract(whole).movePointRight(9).longValue();
    return Instant.ofEpochSecond(whole.longValueExact(), nanos);
  }

  /** Undoes getfattr's octal escapes such as {@code \075} for '=', giving the name as one char per byte. */
  private static String unescape(String escaped) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] bytes = latin1(escaped);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\\' && i + 4 <= bytes.length) {
        out.write(Integer.parseInt(escaped.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.write(bytes[i]);
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
