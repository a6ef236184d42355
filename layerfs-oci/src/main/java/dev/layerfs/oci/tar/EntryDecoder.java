package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.TarEntry.Type;
import dev.layerfs.posix.Xattrs;
import dev.layerfs.oci.tar.Ustar.Field;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * Turns a header and the extensions in force for it into an entry and its data stream, applying the precedence
 * GNU tar uses (GNU sparse name over PAX over GNU long names over the header's own fields).
 */
final class EntryDecoder {
  private final RawHeader header;
  private final PaxHeaders pax;
  private final byte[] longName;
  private final byte[] longLink;
  private final BlockInput input;
  private final TarLimits limits;

  /** The decoded entry and the stream over the bytes the archive stores for it. */
  record Decoded(TarEntry entry, EntryData data) {}

  EntryDecoder(RawHeader header, PaxHeaders pax, byte[] longName, byte[] longLink, BlockInput input,
      TarLimits limits) {
    this.header = header;
    this.pax = pax;
    this.longName = longName;
    this.longLink = longLink;
    this.input = input;
    this.limits = limits;
  }

  /** Decodes the entry; a problem is reported under the entry's full name, not the header's stand-in. */
  Decoded decode() throws IOException {
    byte[] name = name();
    try {
      return decode(name);
    } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
      throw TarFormatException.at(header.offset(), name, e.getMessage());
    }
  }

  private Decoded decode(byte[] name) throws IOException {
    Type type = type(name);
    TarEntry.Builder entry = TarEntry.builder(type, name)
        .mode((int) (header.number(Field.MODE) & 07777))
        .uid(numberOr("uid", Field.UID)).gid(numberOr("gid", Field.GID))
        .uname(bytesOr("uname", Field.UNAME)).gname(bytesOr("gname", Field.GNAME))
        .mtime(timeOr("mtime", Field.MTIME)).atime(gnuTimeOr("atime", Field.GNU_ATIME))
        .ctime(gnuTimeOr("ctime", Field.GNU_CTIME));
    pax.xattrs(limits.maxXattrValueSize()).forEach((xattr, value) -> entry.xattr(Xattrs.bytes(xattr), value));
    typeSpecifics(type, entry);
    EntryData data = data(type, name, entry);
    String problem = entry.problem();
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new Decoded(entry.build(), data);
  }

  private byte[] name() throws TarFormatException {
    byte[] name = firstOf(pax.bytes("GNU.sparse.name"), pax.bytes("path"), longName, header.name());
    checkLength("name", name);
    return name;
  }

  private Type type(byte[] name) {
    return switch (header.typeflag()) {
      case '0', '\0', '7', 'S' -> name.length > 0 && name[name.length - 1] == '/' ? Type.DIRECTORY : Type.REGULAR;
      case '1' -> Type.HARD_LINK;
      case '2' -> Type.SYMLINK;
      case '3' -> Type.CHAR_DEVICE;
      case '4' -> Type.BLOCK_DEVICE;
      case '5', 'D' -> Type.DIRECTORY;
      case '6' -> Type.FIFO;
      default -> throw new IllegalArgumentException(
          "unsupported typeflag '" + Names.display(new byte[] {header.typeflag()}) + "'");
    };
  }

  private void typeSpecifics(Type type, TarEntry.Builder entry) throws TarFormatException {
    switch (type) {
      case HARD_LINK, SYMLINK -> {
        byte[] target = firstOf(pax.bytes("linkpath"), longLink, header.string(Field.LINKNAME));
        checkLength("link target", target);
        entry.linkTarget(target);
      }
      case CHAR_DEVICE, BLOCK_DEVICE ->
          entry.device(device("SCHILY.devmajor", Field.DEVMAJOR), device("SCHILY.devminor", Field.DEVMINOR));
      default -> {}
    }
  }

  /** Works out the entry's size and sparse map and opens the stream over its stored bytes. */
  private EntryData data(Type type, byte[] name, TarEntry.Builder entry) throws IOException {
    if (header.typeflag() == 'S') {
      SparseMap map = SparseMaps.oldGnu(header, this::extensionBlock, limits.maxSparseRegions());
      sparse(entry, map, header.unsigned(Field.GNU_REAL_SIZE), stored());
      return new EntryData(input, header.offset(), name, stored());
    }
    EntryData data = new EntryData(input, header.offset(), name, stored());
    String major = text("GNU.sparse.major");
    String minor = text("GNU.sparse.minor");
    if ("1".equals(major) && "0".equals(minor)) {
      SparseMaps.Pax1Map map = SparseMaps.pax1(data, limits.maxSparseRegions());
      sparse(entry, map.map(), realSize("GNU.sparse.realsize"), stored() - map.bytes());
    } else if (major != null && !"0".equals(major) || minor != null && !"0".equals(minor) && !"1".equals(minor)) {
      throw new IllegalArgumentException("unsupported GNU sparse format " + major + "." + minor);
    } else if (pax.bytes(PaxHeaders.SPARSE_MAP) != null) {
      SparseMap map = SparseMaps.pax0(pax.bytes(PaxHeaders.SPARSE_MAP), pax.number("GNU.sparse.numblocks"),
          limits.maxSparseRegions());
      sparse(entry, map, realSize("GNU.sparse.size"), stored());
    } else {
      entry.size(type == Type.REGULAR ? stored() : 0);
    }
    return data;
  }

  private void sparse(TarEntry.Builder entry, SparseMap map, long realSize, long dataSize) {
    if (map.dataSize() != dataSize) {
      throw new IllegalArgumentException(
          "sparse map holds " + map.dataSize() + " data bytes but the archive stores " + dataSize);
    }
    entry.size(realSize).sparseMap(map);
  }

  private long stored() throws TarFormatException {
    Long size = pax.number("size");
    return size != null ? size : header.unsigned(Field.SIZE);
  }

  private long realSize(String key) {
    Long size = pax.number(key);
    if (size == null) {
      throw new IllegalArgumentException("GNU sparse file without " + key);
    }
    return size;
  }

  private byte[] extensionBlock() throws IOException {
    byte[] block = new byte[Ustar.BLOCK];
    if (input.read(block, 0, Ustar.BLOCK) != Ustar.BLOCK) {
      throw header.error("archive truncated inside the sparse header extension");
    }
    return block;
  }

  private long numberOr(String key, Field field) throws TarFormatException {
    Long value = pax.number(key);
    return value != null ? value : header.unsigned(field);
  }

  private int device(String key, Field field) throws TarFormatException {
    long value = numberOr(key, field);
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("device number " + value + " is out of range");
    }
    return (int) value;
  }

  private byte[] bytesOr(String key, Field field) {
    return firstOf(pax.bytes(key), header.string(field));
  }

  private Instant timeOr(String key, Field field) throws TarFormatException {
    Instant time = pax.time(key);
    return time != null ? time : Instant.ofEpochSecond(header.number(field));
  }

  /** Reads atime or ctime from PAX, or from the GNU header fields that only GNU-format archives carry. */
  private Instant gnuTimeOr(String key, Field field) throws TarFormatException {
    Instant time = pax.time(key);
    if (time != null || !header.gnu() || field.isEmpty(header.block())) {
      return time;
    }
    return Instant.ofEpochSecond(header.number(field));
  }

  private String text(String key) {
    byte[] value = pax.bytes(key);
    return value == null ? null : new String(value, StandardCharsets.ISO_8859_1);
  }

  private void checkLength(String what, byte[] value) throws TarFormatException {
    if (value.length > limits.maxNameLength()) {
      throw header.error(what + " of " + value.length + " bytes exceeds maxNameLength " + limits.maxNameLength());
    }
  }

  private static byte[] firstOf(byte[]... candidates) {
    for (byte[] candidate : candidates) {
      if (candidate != null) {
        return candidate;
      }
    }
    throw new IllegalStateException("the header's own field is never null");
  }
}
