package dev.layerfs.oci.tar;

import java.io.IOException;
import java.io.InputStream;

/**
 * Fails once a decompressed stream yields more than its limit, so that a decompression bomb costs a bounded
 * amount of work and the caller learns why, instead of filling a disk.
 */
final class BoundedInputStream extends InputStream {
  private final InputStream in;
  private final long limit;
  private long count;

  BoundedInputStream(InputStream in, long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("maxDecompressedBytes must not be negative: " + limit);
    }
    this.in = in;
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int at, int length) throws IOException {
    long allowed = limit - count;
    int n = in.read(buffer, at, allowed >= length ? length : (int) allowed + 1);
    if (n > 0) {
      count += n;
    }
    if (count > limit) {
      throw new IOException("decompressed data exceeds maxDecompressedBytes " + limit
          + ": refusing a possible decompression bomb (raise the limit if the layer is genuinely this big)");
    }
    return n;
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
