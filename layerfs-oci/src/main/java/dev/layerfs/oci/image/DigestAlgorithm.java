package dev.layerfs.oci.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The digest algorithms OCI registers, so that a digest is checked against a known length before it is trusted. */
public enum DigestAlgorithm {
  SHA256("sha256", "SHA-256", 64),
  SHA512("sha512", "SHA-512", 128);

  private final String ociName;
  private final String jcaName;
  private final int hexLength;

  DigestAlgorithm(String ociName, String jcaName, int hexLength) {
    this.ociName = ociName;
    this.jcaName = jcaName;
    this.hexLength = hexLength;
  }

  /** The name used in digest strings, such as {@code sha256}. */
  public String ociName() {
    return ociName;
  }

  /** The number of lowercase hex digits in an encoded digest of this algorithm. */
  public int hexLength() {
    return hexLength;
  }

  /** A fresh hasher; every JDK ships both algorithms, so a missing one is a broken runtime. */
  public MessageDigest newMessageDigest() {
    try {
      return MessageDigest.getInstance(jcaName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + jcaName, e);
    }
  }

  static DigestAlgorithm forOciName(String name, String digest) {
    for (DigestAlgorithm algorithm : values()) {
      if (algorithm.ociName.equals(name)) {
        return algorithm;
      }
    }
    throw new IllegalArgumentException(
        "unsupported digest algorithm '" + name + "' in '" + digest + "' (supported: sha256, sha512)");
  }

  @Override
  public String toString() {
    return ociName;
  }
}
