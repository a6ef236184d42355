package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.PaxRecords.Record;
import dev.layerfs.oci.tar.TarEntry.Type;
import dev.layerfs.oci.tar.Ustar.Field;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Encodes one entry's headers: a ustar block for everything that fits, preceded by a PAX header for what does
 * not (long or non-ASCII names, big numbers, sub-second times, xattrs, sparse maps), so that plain entries stay
 * plain ustar and nothing is ever truncated.
 */
final class HeaderEncoder {
  private static final int MAX_OWNER_NAME = 31;
  private static final Set<String> TEXT_KEYS = Set.of("path", "linkpath", "uname", "gname", "GNU.sparse.name");
  private static final byte[] PAX_HEADER_DIR = Names.ascii("PaxHeaders/");

  private final TarEntry entry;
  private final byte[] block = new byte[Ustar.BLOCK];
  private final List<Record> pax = new ArrayList<>();
  private final byte[] sparseMap;

  private HeaderEncoder(TarEntry entry) {
    this.entry = entry;
    this.sparseMap = entry.sparseMap().map(map -> SparseMaps.encodePax1(map, entry.size())).orElse(new byte[0]);
  }

  /** Returns every byte that precedes the entry's data in the archive. */
  static byte[] encode(TarEntry entry) {
    return new HeaderEncoder(entry).encode();
  }

  private byte[] encode() {
    putName(headerName());
    Field.MODE.putOctal(block, entry.mode());
    putNumber(Field.UID, "uid", entry.uid());
    putNumber(Field.GID, "gid", entry.gid());
    putNumber(Field.SIZE, "size", sparseMap.length + entry.storedSize());
    putTimes();
    block[Field.TYPEFLAG.offset] = typeflag(entry.type());
    putString(Field.LINKNAME, Field.LINKNAME.length, "linkpath", entry.linkTarget());
    Field.MAGIC.put(block, Ustar.POSIX_MAGIC);
    putString(Field.UNAME, MAX_OWNER_NAME, "uname", entry.uname());
    putString(Field.GNAME, MAX_OWNER_NAME, "gname", entry.gname());
    putNumber(Field.DEVMAJOR, "SCHILY.devmajor", entry.devMajor());
    putNumber(Field.DEVMINOR, "SCHILY.devminor", entry.devMinor());
    putSparse();
    entry.xattrs().forEach((name, value) -> pax.add(Record.of(XattrKeys.schilyKey(name), value)));
    Ustar.putChecksum(block);
    return Names.concat(paxHeader(), block, sparseMap);
  }

  /** Returns the name as it goes into the header: directories end in '/', sparse files get GNU's alias. */
  private byte[] headerName() {
    byte[] name = entry.name();
    if (entry.type() == Type.DIRECTORY && name[name.length - 1] != '/') {
      return Names.concat(name, new byte[] {'/'});
    }
    if (entry.sparseMap().isEmpty()) {
      return name;
    }
    int slash = Names.lastIndexOf(name, (byte) '/');
    byte[] dir = slash < 0 ? Names.ascii(".") : Arrays.copyOf(name, slash);
    byte[] base = Arrays.copyOfRange(name, slash + 1, name.length);
    return Names.concat(dir, Names.ascii("/GNUSparseFile.0/"), base);
  }

  /** Fits an ASCII name into the name field, or splits it at a slash across prefix and name, or uses PAX. */
  private void putName(byte[] name) {
    if (Names.isAscii(name) && name.length <= Field.NAME.length) {
      Field.NAME.put(block, name);
      return;
    }
    int split = Names.isAscii(name) ? prefixSplit(name) : -1;
    if (split > 0) {
      Field.PREFIX.put(block, Arrays.copyOf(name, split));
      Field.NAME.put(block, Arrays.copyOfRange(name, split + 1, name.length));
    } else {
      pax.add(Record.of("path", name));
      Field.NAME.put(block, fallback(name, Field.NAME.length));
    }
  }

  private static int prefixSplit(byte[] name) {
    int first = Math.max(1, name.length - Field.NAME.length - 1);
    for (int i = first; i <= Math.min(Field.PREFIX.length, name.length - 2); i++) {
      if (name[i] == '/') {
        return i;
      }
    }
    return -1;
  }

  private void putNumber(Field field, String key, long value) {
    if (field.fitsOctal(value)) {
      field.putOctal(block, value);
    } else {
      pax.add(Record.of(key, Long.toString(value)));
      putBase256(field, value);
    }
  }

  /** Writes GNU's base-256 form as well, for readers that know it but not PAX. */
  private void putBase256(Field field, long value) {
    for (int i = field.length - 1; i > 0; i--, value >>= 8) {
      block[field.offset + i] = (byte) value;
    }
    block[field.offset] = (byte) (value < 0 ? 0xff : 0x80);
  }

  private void putTimes() {
    Instant mtime = entry.mtime();
    if (!Field.MTIME.fitsOctal(mtime.getEpochSecond()) || mtime.getNano() != 0) {
      pax.add(Record.of("mtime", paxTime(mtime)));
    }
    if (Field.MTIME.fitsOctal(mtime.getEpochSecond())) {
      Field.MTIME.putOctal(block, mtime.getEpochSecond());
    } else {
      putBase256(Field.MTIME, mtime.getEpochSecond());
    }
    entry.atime().ifPresent(t -> pax.add(Record.of("atime", paxTime(t))));
    entry.ctime().ifPresent(t -> pax.add(Record.of("ctime", paxTime(t))));
  }

  /** Formats a time as PAX wants it: seconds, then a fraction without trailing zeros, {@code -1.5} for -1.5 s. */
  static String paxTime(Instant time) {
    long seconds = time.getEpochSecond();
    int nanos = time.getNano();
    if (seconds < 0 && nanos > 0) {
      return "-" + (-(seconds + 1)) + fraction(1_000_000_000 - nanos);
    }
    return seconds + fraction(nanos);
  }

  private static String fraction(int nanos) {
    if (nanos == 0) {
      return "";
    }
    String digits = String.format("%09d", nanos);
    return "." + digits.replaceFirst("0+$", "");
  }

  private void putString(Field field, int max, String key, byte[] value) {
    if (Names.isAscii(value) && value.length <= max) {
      field.put(block, value);
    } else {
      pax.add(Record.of(key, value));
      field.put(block, fallback(value, max));
    }
  }

  /** Returns a printable-ASCII stand-in for a value that PAX carries, for readers that know only ustar. */
  private static byte[] fallback(byte[] value, int max) {
    byte[] ascii = Arrays.copyOf(value, Math.min(value.length, max));
    for (int i = 0; i < ascii.length; i++) {
      if (ascii[i] < 0x20 || ascii[i] == 0x7f) {
        ascii[i] = '_';
      }
    }
    return ascii;
  }

  private void putSparse() {
    entry.sparseMap().ifPresent(map -> {
      pax.add(Record.of("GNU.sparse.major", "1"));
      pax.add(Record.of("GNU.sparse.minor", "0"));
      pax.add(Record.of("GNU.sparse.name", entry.name()));
      pax.add(Record.of("GNU.sparse.realsize", Long.toString(entry.size())));
    });
  }

  /** Returns the PAX header (block and padded records), marked BINARY when a text value is not UTF-8. */
  private byte[] paxHeader() {
    if (pax.isEmpty()) {
      return new byte[0];
    }
    if (pax.stream().anyMatch(r -> TEXT_KEYS.contains(r.key()) && !Names.isUtf8(r.value()))) {
      pax.addFirst(Record.of("hdrcharset", "BINARY"));
    }
    byte[] records = PaxRecords.encode(pax);
    byte[] header = new byte[Ustar.BLOCK];
    byte[] name = entry.name();
    byte[] base = Arrays.copyOfRange(name, Names.lastIndexOf(name, (byte) '/') + 1, name.length);
    Field.NAME.put(header, fallback(Names.concat(PAX_HEADER_DIR, base), Field.NAME.length));
    Field.MODE.putOctal(header, 0644);
    Field.UID.putOctal(header, 0);
    Field.GID.putOctal(header, 0);
    Field.SIZE.putOctal(header, records.length);
    Field.MTIME.putOctal(header, 0);
    header[Field.TYPEFLAG.offset] = 'x';
    Field.MAGIC.put(header, Ustar.POSIX_MAGIC);
    Ustar.putChecksum(header);
    return Names.concat(header, records, new byte[Ustar.padding(records.length)]);
  }

  private static byte typeflag(Type type) {
    return switch (type) {
      case REGULAR -> '0';
      case HARD_LINK -> '1';
      case SYMLINK -> '2';
      case CHAR_DEVICE -> '3';
      case BLOCK_DEVICE -> '4';
      case DIRECTORY -> '5';
      case FIFO -> '6';
    };
  }
}
