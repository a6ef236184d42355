package dev.layerfs.oci.tar;

import java.io.IOException;
import java.io.InputStream;

/**
 * The data of the current entry as a stream that ends where the entry ends, so that callers can never read into
 * the next header, and that fails, rather than ending quietly, when the archive is cut short.
 */
final class EntryData extends InputStream {
  private final BlockInput input;
  private final long headerOffset;
  private final byte[] entryName;
  private final long length;
  private long remaining;

  EntryData(BlockInput input, long headerOffset, byte[] entryName, long length) {
    this.input = input;
    this.headerOffset = headerOffset;
    this.entryName = entryName;
    this.length = length;
    this.remaining = length;
  }

  static EntryData empty() {
    return new EntryData(null, 0, new byte[0], 0);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int at, int count) throws IOException {
    if (remaining == 0) {
      return -1;
    }
    int n = input.read(buffer, at, (int) Math.min(count, remaining));
    if (n == 0 && count > 0) {
      throw truncated();
    }
    remaining -= n;
    return n;
  }

  @Override
  public long skip(long count) throws IOException {
    long n = input == null ? 0 : input.skip(Math.min(Math.max(count, 0), remaining));
    remaining -= n;
    return n;
  }

  @Override
  public int available() {
    return 0;
  }

  /** Leaves the stream open: the archive, not the entry, owns the underlying input. */
  @Override
  public void close() {}

  /** Consumes what the caller did not read, and the padding up to the next header. */
  void finish() throws IOException {
    long toSkip = remaining + Ustar.padding(length);
    if (input != null && input.skip(toSkip) != toSkip) {
      throw truncated();
    }
    remaining = 0;
  }

  private TarFormatException truncated() {
    return TarFormatException.at(headerOffset, entryName,
        "archive truncated: the entry's " + length + " data bytes end after " + (length - remaining));
  }
}
