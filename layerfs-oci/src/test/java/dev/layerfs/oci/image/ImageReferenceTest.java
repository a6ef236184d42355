package dev.layerfs.oci.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
  private static final String DIGEST = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
      "ubuntu,                         docker.io/library/ubuntu:latest",
      "ubuntu:24.04,                   docker.io/library/ubuntu:24.04",
      "team/app,                       docker.io/team/app:latest",
      "docker.io/ubuntu,               docker.io/library/ubuntu:latest",
      "index.docker.io/team/app:1,     docker.io/team/app:1",
      "localhost/app,                  localhost/app:latest",
      "localhost:5000/x,               localhost:5000/x:latest",
      "127.0.0.1:5000/a/b/c:v1.2_rc-3, 127.0.0.1:5000/a/b/c:v1.2_rc-3",
      "ghcr.io/o/app:tag,              ghcr.io/o/app:tag",
      "[::1]:5000/app:1,               [::1]:5000/app:1",
      "my_co/a__b.c-d---e,             docker.io/my_co/a__b.c-d---e:latest",
  })
  void normalizesLikeDocker(String input, String normalized) {
    assertEquals(normalized, ImageReference.parse(input).toString());
  }

  @Test
  void splitsRegistryRepositoryTagAndDigest() {
    ImageReference reference = ImageReference.parse("localhost:5000/team/app:1.0@" + DIGEST);
    assertEquals("localhost:5000", reference.registry());
    assertEquals("localhost:5000", reference.registryHost());
    assertEquals("team/app", reference.repository());
    assertEquals(Optional.of("1.0"), reference.tag());
    assertEquals(Optional.of(Digest.parse(DIGEST)), reference.digest());
    assertEquals(DIGEST, reference.apiReference(), "a digest pins content, so it wins over the tag");
  }

  @Test
  void aDigestReferenceHasNoDefaultTag() {
    ImageReference reference = ImageReference.parse("alpine@" + DIGEST);
    assertEquals(Optional.empty(), reference.tag());
    assertEquals("docker.io/library/alpine@" + DIGEST, reference.toString());
    assertEquals("registry-1.docker.io", reference.registryHost());
  }

  @Test
  void withTagAndWithDigestKeepTheRepository() {
    ImageReference reference = ImageReference.parse("localhost:5000/app:1");
    assertEquals("localhost:5000/app@" + DIGEST, reference.withDigest(Digest.parse(DIGEST)).toString());
    assertEquals(ImageReference.parse("localhost:5000/app:2"), reference.withTag("2"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "''                              | it is empty",
      "Ubuntu                          | must be lowercase",
      "docker.io/Team/app              | must be lowercase",
      "app:                            | tag ''",
      "app:-x                          | tag '-x'",
      "app@sha256:abc                  | 64 lowercase hex digits",
      "app@md5:d41d8cd98f00b204e9800998ecf8427e | unsupported digest algorithm",
      "localhost:5000/                 | the repository name is empty",
      "a//b                            | repository path component ''",
      "a/-b                            | repository path component '-b'",
      "exa_mple.com:5000/app           | registry 'exa_mple.com:5000'",
  })
  void rejectsInvalidReferencesNamingTheFault(String input, String fault) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(input));
    assertTrue(e.getMessage().startsWith("invalid image reference '" + input + "'"), e.getMessage());
    assertTrue(e.getMessage().contains(fault), e.getMessage());
  }

  @Test
  void rejectsOverlongNames() {
    String name = "a/".repeat(128) + "b";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(name));
    assertTrue(e.getMessage().contains("longer than 255"), e.getMessage());
  }
}
