package dev.layerfs.oci.layer;

import dev.layerfs.posix.Names;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A path inside a layer as components, checked so that no name can leave the layer: no {@code ..}, no absolute
 * path, no component longer than {@code NAME_MAX}. {@code .} and empty components are dropped, as every tar
 * extractor does ({@code ./etc//passwd} is {@code etc/passwd}).
 */
record EntryPath(byte[][] parts) {
  static final EntryPath ROOT = new EntryPath(new byte[0][]);
  private static final byte[] DOT_DOT = {'.', '.'};

  /** Parses a tar member name or hard link target; the message of a failure says what is wrong with it. */
  static EntryPath parse(byte[] name) throws ProblemException {
    if (name.length > 0 && name[0] == '/') {
      throw new ProblemException("absolute paths are not allowed in a layer");
    }
    List<byte[]> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= name.length; i++) {
      if (i == name.length || name[i] == '/') {
        byte[] part = Arrays.copyOfRange(name, start, i);
        start = i + 1;
        if (part.length == 0 || (part.length == 1 && part[0] == '.')) {
          continue;
        }
        if (Arrays.equals(part, DOT_DOT)) {
          throw new ProblemException("'..' is not allowed in a layer path");
        }
        if (part.length > Names.NAME_MAX) {
          throw new ProblemException("a component is " + part.length + " bytes long, more than NAME_MAX ("
              + Names.NAME_MAX + ")");
        }
        parts.add(part);
      }
    }
    return new EntryPath(parts.toArray(new byte[0][]));
  }

  boolean isRoot() {
    return parts.length == 0;
  }

  int depth() {
    return parts.length;
  }

  byte[] last() {
    return parts[parts.length - 1];
  }

  EntryPath parent() {
    return new EntryPath(Arrays.copyOf(parts, parts.length - 1));
  }

  EntryPath child(byte[] name) {
    byte[][] longer = Arrays.copyOf(parts, parts.length + 1);
    longer[parts.length] = name;
    return new EntryPath(longer);
  }

  EntryPath prefix(int length) {
    return new EntryPath(Arrays.copyOf(parts, length));
  }

  /** The path as bytes joined with {@code /}, without a leading slash; empty for the root. */
  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        out.write('/');
      }
      out.writeBytes(parts[i]);
    }
    return out.toByteArray();
  }

  /** A map key for the path: its bytes as ISO-8859-1 characters, so that every byte is kept. */
  String key() {
    return new String(bytes(), StandardCharsets.ISO_8859_1);
  }

  /** The path for messages: {@code /} for the root, else {@code a/b} with non-UTF-8 bytes escaped. */
  String display() {
    return isRoot() ? "/" : Names.printable(bytes());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntryPath p && Arrays.deepEquals(parts, p.parts);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(parts);
  }

  @Override
  public String toString() {
    return display();
  }

  /** A name that cannot be a layer path; the caller adds which entry it was. */
  static final class ProblemException extends Exception {
    private static final long serialVersionUID = 1L;

    ProblemException(String problem) {
      super(problem, null, false, false);
    }
  }
}
