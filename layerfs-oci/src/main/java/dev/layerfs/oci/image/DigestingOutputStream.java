package dev.layerfs.oci.image;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/** An output stream that hashes what it writes, so content gets its digest in the same pass that stores it. */
public final class DigestingOutputStream extends FilterOutputStream {
  private final DigestAlgorithm algorithm;
  private final MessageDigest hasher;
  private long byteCount;

  public DigestingOutputStream(OutputStream out, DigestAlgorithm algorithm) {
    super(out);
    this.algorithm = algorithm;
    this.hasher = algorithm.newMessageDigest();
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    hasher.update((byte) b);
    byteCount++;
  }

  @Override
  public void write(byte[] buffer, int offset, int length) throws IOException {
    out.write(buffer, offset, length);
    hasher.update(buffer, offset, length);
    byteCount += length;
  }

  /** The digest of the bytes written so far; call once, after the last write. */
  public Digest digest() {
    return Digest.fromHash(algorithm, hasher.digest());
  }

  /** The number of bytes written so far. */
  public long byteCount() {
    return byteCount;
  }
}
