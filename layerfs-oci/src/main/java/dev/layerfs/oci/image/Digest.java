package dev.layerfs.oci.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest such as {@code sha256:e3b0…}; validated on construction so that a digest that reaches a
 * path or URL can never smuggle in anything but lowercase hex.
 */
public record Digest(DigestAlgorithm algorithm, String hex) {

  public Digest {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != algorithm.hexLength() || !isLowerHex(hex)) {
      throw new IllegalArgumentException("invalid digest '" + algorithm + ":" + hex + "': " + algorithm
          + " needs " + algorithm.hexLength() + " lowercase hex digits");
    }
  }

  /** Parses {@code algorithm:hex}, naming the fault in the message when the string is not a digest. */
  @JsonCreator
  public static Digest parse(String digest) {
    Objects.requireNonNull(digest, "digest");
    int colon = digest.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("invalid digest '" + digest + "': expected algorithm:hex, e.g. sha256:…");
    }
    return new Digest(DigestAlgorithm.forOciName(digest.substring(0, colon), digest), digest.substring(colon + 1));
  }

  /** The SHA-256 digest of {@code content}, the algorithm every registry accepts. */
  public static Digest sha256(byte[] content) {
    return of(DigestAlgorithm.SHA256, content);
  }

  /** The digest of {@code content} with {@code algorithm}. */
  public static Digest of(DigestAlgorithm algorithm, byte[] content) {
    return fromHash(algorithm, algorithm.newMessageDigest().digest(content));
  }

  /** The digest whose hash is {@code hash}, for callers that hash as they go, such as resumable downloads. */
  public static Digest fromHash(DigestAlgorithm algorithm, byte[] hash) {
    return new Digest(algorithm, HexFormat.of().formatHex(hash));
  }

  private static boolean isLowerHex(String hex) {
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** The encoded form {@code algorithm:hex}, as written in JSON, URLs and file names. */
  @JsonValue
  @Override
  public String toString() {
    return algorithm.ociName() + ":" + hex;
  }
}
