package dev.layerfs.oci.image;

import java.io.InputStream;
import java.security.MessageDigest;

/** An input stream that hashes what passes through it, so content is verified in the same pass that reads it. */
public final class DigestingInputStream extends ObservedInputStream {
  private final DigestAlgorithm algorithm;
  private final MessageDigest hasher;
  private long byteCount;

  public DigestingInputStream(InputStream in, DigestAlgorithm algorithm) {
    super(in);
    this.algorithm = algorithm;
    this.hasher = algorithm.newMessageDigest();
  }

  @Override
  protected void seen(byte[] buffer, int offset, int length) {
    hasher.update(buffer, offset, length);
    byteCount += length;
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
