package dev.layerfs.oci.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
  private static final String EMPTY_SHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void sha256OfNothingIsTheWellKnownDigest() {
    assertEquals(EMPTY_SHA256, Digest.sha256(new byte[0]).toString());
  }

  @Test
  void sha512DigestsHave128HexDigits() {
    Digest digest = Digest.of(DigestAlgorithm.SHA512, "abc".getBytes(StandardCharsets.UTF_8));
    assertEquals(128, digest.hex().length());
    assertEquals(digest, Digest.parse(digest.toString()));
  }

  @Test
  void parsingRoundTrips() {
    Digest digest = Digest.parse(EMPTY_SHA256);
    assertEquals(DigestAlgorithm.SHA256, digest.algorithm());
    assertEquals(EMPTY_SHA256, digest.toString());
  }

  @Test
  void malformedDigestsAreRejectedWithTheReason() {
    assertMessage("expected algorithm:hex", () -> Digest.parse("e3b0c44298fc"));
    assertMessage("needs 64 lowercase hex digits", () -> Digest.parse("sha256:abc"));
    assertMessage("needs 64 lowercase hex digits", () -> Digest.parse(EMPTY_SHA256.toUpperCase().replace("SHA", "sha")));
    assertMessage("needs 64 lowercase hex digits", () -> Digest.parse(EMPTY_SHA256.replace("e3b0", "../x")));
    assertMessage("unsupported digest algorithm 'md5'", () -> Digest.parse("md5:d41d8cd98f00b204e9800998ecf8427e"));
  }

  @Test
  void streamsDigestWhatPassesThrough() throws IOException {
    byte[] content = "layer bytes".getBytes(StandardCharsets.UTF_8);
    try (DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(content), DigestAlgorithm.SHA256)) {
      in.read();
      in.skip(3);
      in.readAllBytes();
      assertEquals(Digest.sha256(content), in.digest());
      assertEquals(content.length, in.byteCount());
    }
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (DigestingOutputStream out = new DigestingOutputStream(sink, DigestAlgorithm.SHA512)) {
      out.write(content[0]);
      out.write(content, 1, content.length - 1);
      assertEquals(Digest.of(DigestAlgorithm.SHA512, content), out.digest());
      assertEquals(content.length, out.byteCount());
    }
    assertArrayEquals(content, sink.toByteArray());
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable parse) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, parse);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
