package dev.layerfs.oci.tar;

import java.io.IOException;
import java.io.InputStream;

/** The archive's byte source, counting offsets so that every error can say where in the archive it happened. */
final class BlockInput {
  private static final int SKIP_BUFFER = 64 << 10;

  private final InputStream in;
  private long offset;
  private byte[] skipBuffer;

  BlockInput(InputStream in) {
    this.in = in;
  }

  long offset() {
    return offset;
  }

  /** Reads up to {@code length} bytes, returning fewer only at end of input. */
  int read(byte[] buffer, int at, int length) throws IOException {
    int n = in.readNBytes(buffer, at, length);
    offset += n;
    return n;
  }

  /**
   * Reads and discards up to {@code count} bytes, returning how many were there; reading rather than calling
   * {@link InputStream#skip} keeps truncation visible, since a file stream may skip past its end.
   */
  long skip(long count) throws IOException {
    if (skipBuffer == null) {
      skipBuffer = new byte[SKIP_BUFFER];
    }
    long skipped = 0;
    while (skipped < count) {
      int n = read(skipBuffer, 0, (int) Math.min(SKIP_BUFFER, count - skipped));
      if (n == 0) {
        break;
      }
      skipped += n;
    }
    return skipped;
  }

  void close() throws IOException {
    in.close();
  }
}
