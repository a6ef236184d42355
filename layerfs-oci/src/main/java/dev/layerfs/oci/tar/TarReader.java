package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.PaxRecords.Record;
import dev.layerfs.oci.tar.Ustar.Field;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a tar archive one entry at a time without trusting it: names, link targets and xattr values come out as
 * the archive's exact bytes, and malformed, truncated or oversized input fails with a {@link TarFormatException}
 * that names the entry and its offset instead of allocating, looping or guessing.
 *
 * <p>Reads ustar, PAX (local and global headers) and GNU archives: long names and links, base-256 numbers, and
 * sparse files in the old GNU format and PAX formats 0.0, 0.1 and 1.0. Reading stops at the first zero block,
 * ignoring whatever follows as GNU tar does; an archive that ends on a block boundary without the end marker is
 * accepted as GNU tar accepts it. The input must be uncompressed: see {@link Compression#open}.
 *
 * <pre>{@code
 * try (TarReader tar = new TarReader(Compression.open(layer, maxBytes))) {
 *   for (TarEntry entry = tar.next(); entry != null; entry = tar.next()) {
 *     tar.content().transferTo(out);
 *   }
 * }
 * }</pre>
 */
public final class TarReader implements Closeable {
  private final BlockInput input;
  private final TarLimits limits;
  private final PaxHeaders globals = new PaxHeaders();
  private EntryData current = EntryData.empty();
  private TarEntry currentEntry;
  private long entries;
  private boolean ended;

  /** Reads an uncompressed archive with {@link TarLimits#DEFAULTS}. */
  public TarReader(InputStream in) {
    this(in, TarLimits.DEFAULTS);
  }

  public TarReader(InputStream in, TarLimits limits) {
    this.input = new BlockInput(new BufferedInputStream(in, 64 << 10));
    this.limits = limits;
  }

  /**
   * Skips what is left of the current entry's data and returns the next entry, or {@code null} at the end of
   * the archive.
   */
  public TarEntry next() throws IOException {
    current.finish();
    current = EntryData.empty();
    currentEntry = null;
    if (ended) {
      return null;
    }
    Pending pending = new Pending();
    while (true) {
      RawHeader header = nextHeader(pending);
      if (header == null) {
        ended = true;
        return null;
      }
      if (!pending.absorb(header)) {
        return open(header, pending);
      }
    }
  }

  /**
   * Returns the current entry's stored data: a regular file's bytes or, for a sparse file, its data regions back
   * to back (see {@link TarEntry#sparseMap()}); empty for other types. The stream ends with the entry and need
   * not be closed or read to the end.
   */
  public InputStream content() {
    return currentEntry != null && currentEntry.type() == TarEntry.Type.REGULAR
        ? current
        : InputStream.nullInputStream();
  }

  @Override
  public void close() throws IOException {
    input.close();
  }

  /** Reads the next header block, or returns {@code null} at a zero block or at a clean end of input. */
  private RawHeader nextHeader(Pending pending) throws IOException {
    long offset = input.offset();
    byte[] block = new byte[Ustar.BLOCK];
    int n = input.read(block, 0, Ustar.BLOCK);
    if (n == Ustar.BLOCK && !Ustar.isZeroBlock(block)) {
      return RawHeader.parse(block, offset);
    }
    if (n != 0 && n != Ustar.BLOCK) {
      throw TarFormatException.at(offset, new byte[0], "archive truncated inside a header (" + n + " bytes)");
    }
    if (pending.header != null) {
      throw pending.header.error("archive ends after this extension header, before the entry it belongs to");
    }
    return null;
  }

  private TarEntry open(RawHeader header, Pending pending) throws IOException {
    if (++entries > limits.maxEntries()) {
      throw header.error("archive has more than maxEntries " + limits.maxEntries() + " entries");
    }
    try {
      PaxHeaders pax = globals.copy();
      pax.apply(pending.locals, limits.maxPaxHeaderSize());
      var decoded = new EntryDecoder(header, pax, pending.longName, pending.longLink, input, limits).decode();
      current = decoded.data();
      currentEntry = decoded.entry();
      return currentEntry;
    } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
      throw header.error(e.getMessage());
    }
  }

  /** The extension headers read so far for the entry to come; they apply to the next real header only. */
  private final class Pending {
    private final List<Record> locals = new ArrayList<>();
    private long localBytes;
    private byte[] longName;
    private byte[] longLink;
    private RawHeader header;

    /**
     * Takes in an extension header, a global header or a volume label and returns true, or returns false for an
     * entry's own header. Only extensions that belong to the next entry make an end of archive premature.
     */
    boolean absorb(RawHeader raw) throws IOException {
      switch (raw.typeflag()) {
        case 'x' -> locals.addAll(records(raw, special(raw)));
        case 'L' -> longName = Names.untilNul(special(raw));
        case 'K' -> longLink = Names.untilNul(special(raw));
        case 'g' -> {
          applyGlobal(raw);
          return true;
        }
        case 'V' -> {
          skipData(raw);
          return true;
        }
        default -> {
          return false;
        }
      }
      header = raw;
      return true;
    }

    private void applyGlobal(RawHeader raw) throws IOException {
      List<Record> records = records(raw, special(raw));
      try {
        globals.apply(records, limits.maxPaxHeaderSize());
      } catch (IllegalArgumentException e) {
        throw raw.error(e.getMessage());
      }
    }

    private List<Record> records(RawHeader raw, byte[] data) throws TarFormatException {
      try {
        return PaxRecords.parse(data);
      } catch (IllegalArgumentException e) {
        throw raw.error(e.getMessage());
      }
    }

    /** Reads an extension header's data, refusing more than the limit allows for all of one entry's. */
    private byte[] special(RawHeader raw) throws IOException {
      long size = raw.unsigned(Field.SIZE);
      localBytes += size;
      if (size > limits.maxPaxHeaderSize() || localBytes > limits.maxPaxHeaderSize()) {
        throw raw.error("extension header of " + size + " bytes exceeds maxPaxHeaderSize "
            + limits.maxPaxHeaderSize());
      }
      byte[] data = new byte[(int) size];
      if (input.read(data, 0, data.length) != data.length || input.skip(Ustar.padding(size)) != Ustar.padding(size)) {
        throw raw.error("archive truncated inside the extension header's " + size + " bytes");
      }
      return data;
    }

    private void skipData(RawHeader raw) throws IOException {
      new EntryData(input, raw.offset(), raw.name(), raw.unsigned(Field.SIZE)).finish();
    }
  }
}
