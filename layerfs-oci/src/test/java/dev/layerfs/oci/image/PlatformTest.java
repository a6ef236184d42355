package dev.layerfs.oci.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlatformTest {

  @ParameterizedTest(name = "{0} runs {1}: {2}")
  @CsvSource({
      "linux/amd64,    linux/amd64,    true",
      "linux/x86_64,   linux/amd64,    true",
      "linux/amd64,    linux/amd64/v1, true",
      "linux/amd64/v3, linux/amd64,    true",
      "linux/amd64,    linux/amd64/v3, false",
      "linux/amd64,    linux/arm64,    false",
      "linux/amd64,    windows/amd64,  false",
      "linux/aarch64,  linux/arm64/v8, true",
      "linux/arm64/v8, linux/arm64,    true",
      "linux/arm64,    linux/arm/v7,   false",
      "linux/arm/v7,   linux/arm,      true",
      "linux/arm/v7,   linux/arm/v6,   true",
      "linux/arm/v6,   linux/arm/v7,   false",
      "linux/armhf,    linux/arm/v7,   true",
      "linux/s390x,    linux/s390x,    true",
  })
  void matchesImagesThePlatformCanRun(String machine, String image, boolean runs) {
    assertEquals(runs, Platform.parse(machine).matches(Platform.parse(image)));
  }

  @Test
  void hostIsNormalized() {
    Platform host = Platform.host();
    assertEquals(host, host.normalized());
    assertTrue(host.matches(host));
    if (System.getProperty("os.arch").equals("amd64")) {
      assertEquals("linux/amd64", host.toString());
    }
  }

  @Test
  void parseRejectsMalformedPlatforms() {
    for (String bad : List.of("linux", "linux/", "/amd64", "linux/arm/v7/x")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Platform.parse(bad));
      assertTrue(e.getMessage().contains("expected os/architecture[/variant]"), e.getMessage());
    }
  }

  @Test
  void indexSelectionPrefersTheExactVariantThenTheNewestCompatibleOne() {
    Descriptor v5 = entry("linux/arm/v5", 'a');
    Descriptor v7 = entry("linux/arm/v7", 'b');
    Descriptor v6 = entry("linux/arm/v6", 'c');
    Descriptor amd64 = entry("linux/amd64", 'd');
    ImageIndex index = ImageIndex.of(MediaTypes.OCI_INDEX, List.of(v5, amd64, v6, v7));
    assertEquals(Optional.of(v7), index.select(Platform.parse("linux/arm/v7")));
    assertEquals(Optional.of(v6), index.select(Platform.parse("linux/arm/v6")));
    assertEquals(Optional.of(v7), index.select(Platform.parse("linux/arm/v8")));
    assertEquals(Optional.of(amd64), index.select(Platform.parse("linux/x86_64")));
    assertFalse(index.select(Platform.parse("linux/arm64")).isPresent());
  }

  @Test
  void indexSelectionSkipsEntriesWithoutAPlatformAndNonImages() {
    Descriptor attestation = new Descriptor(MediaTypes.OCI_MANIFEST, digest('e'), 10, List.of(), java.util.Map.of(),
        Platform.parse("unknown/unknown"), "", java.util.Map.of());
    Descriptor noPlatform = Descriptor.of(MediaTypes.OCI_MANIFEST, digest('f'), 10);
    Descriptor nested = Descriptor.of(MediaTypes.OCI_INDEX, digest('0'), 10).withPlatform(Platform.parse("linux/amd64"));
    Descriptor image = entry("linux/amd64", '1');
    ImageIndex index = ImageIndex.of(MediaTypes.OCI_INDEX, List.of(attestation, noPlatform, nested, image));
    assertEquals(Optional.of(image), index.select(Platform.parse("linux/amd64")));
  }

  static Descriptor entry(String platform, char fill) {
    return Descriptor.of(MediaTypes.OCI_MANIFEST, digest(fill), 100).withPlatform(Platform.parse(platform));
  }

  static Digest digest(char fill) {
    return new Digest(DigestAlgorithm.SHA256, String.valueOf(fill).repeat(64));
  }
}
