package dev.layerfs.oci.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** An input stream that hashes what passes through it, so content is verified in the same pass that reads it. */
public final class DigestingInputStream extends FilterInputStream {
  private final DigestAlgorithm algorithm;
  private final MessageDigest hasher;
  private long byteCount;

  public DigestingInputStream(InputStream in, DigestAlgorithm algorithm) {
    super(in);
    this.algorithm = algorithm;
    this.hasher = algorithm.newMessageDigest();
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      hasher.update((byte) b);
      byteCount++;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      hasher.update(buffer, offset, n);
      byteCount += n;
    }
    return n;
  }

  /** Reads the skipped bytes rather than seeking past them, because they belong in the digest too. */
  @Override
  public long skip(long n) throws IOException {
    byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 8192)];
    long skipped = 0;
    while (skipped < n) {
      int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (read < 0) {
        break;
      }
      skipped += read;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** The digest of the bytes read so far; call once, after the last read. */
  public Digest digest() {
    return Digest.fromHash(algorithm, hasher.digest());
  }

  /** The number of bytes read so far. */
  public long byteCount() {
    return byteCount;
  }
}
