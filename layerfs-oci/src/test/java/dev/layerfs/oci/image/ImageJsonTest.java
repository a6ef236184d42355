package dev.layerfs.oci.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageJsonTest {
  private static final String D1 = "sha256:" + "1".repeat(64);
  private static final String D2 = "sha256:" + "2".repeat(64);
  private static final String D3 = "sha256:" + "3".repeat(64);

  @Test
  void manifestsSerializeCanonicallyInSpecOrderWithoutWhitespace() {
    Manifest manifest = Manifest.of(MediaTypes.OCI_MANIFEST,
        Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(D1), 7),
        List.of(Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.parse(D2), 42)));
    assertEquals("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
        + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + D1 + "\",\"size\":7},"
        + "\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_TAR_GZIP + "\",\"digest\":\"" + D2
        + "\",\"size\":42}]}", utf8(manifest.toJson()));
  }

  @Test
  void anImageWithoutLayersStillListsThem() {
    Manifest manifest = Manifest.of(MediaTypes.OCI_MANIFEST, Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(D1), 2),
        List.of());
    assertTrue(utf8(manifest.toJson()).endsWith("\"layers\":[]}"));
  }

  @Test
  void unknownFieldsSurviveARoundTripAndReserializationIsStable() throws ImageFormatException {
    String json = """
        {
          "schemaVersion": 2,
          "zeta": {"nested": [1, 2.50, "x"]},
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 7,
                     "data": "e30="},
          "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 42,
                      "annotations": {"z": "1", "a": "2"}, "urls": ["https://example.com/l"]}],
          "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 9},
          "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
          "alpha": true
        }
        """.formatted(D1, D2, D3);
    Manifest manifest = Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8));
    assertEquals(Map.of("data", "e30="), Map.of("data", manifest.config().unknownFields().get("data").asText()));
    assertEquals(List.of("alpha", "zeta"), List.copyOf(manifest.unknownFields().keySet()));
    byte[] once = manifest.toJson();
    String text = utf8(once);
    assertTrue(text.contains("\"zeta\":{\"nested\":[1,2.50,\"x\"]}"), text);
    assertTrue(text.contains("\"annotations\":{\"a\":\"2\",\"z\":\"1\"}"), "map keys are sorted: " + text);
    assertTrue(text.indexOf("\"subject\"") < text.indexOf("\"annotations\":{\"org"), text);
    Manifest again = Manifest.fromJson(once);
    assertEquals(manifest, again);
    assertArrayEquals(once, again.toJson());
    assertEquals(Digest.sha256(once), Digest.sha256(again.toJson()));
  }

  @Test
  void invalidDocumentsNameTheFaultyField() {
    assertFault("Missing required creator property 'config'", "{\"schemaVersion\":2,\"layers\":[]}");
    assertFault("(at layers[0].digest)", "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\"" + D1
        + "\",\"size\":1},\"layers\":[{\"mediaType\":\"b\",\"digest\":\"sha256:xyz\",\"size\":1}]}");
    assertFault("unsupported manifest schemaVersion 1", "{\"schemaVersion\":1,\"config\":{\"mediaType\":\"a\","
        + "\"digest\":\"" + D1 + "\",\"size\":1},\"layers\":[]}");
    assertFault("Duplicate field 'schemaVersion'", "{\"schemaVersion\":2,\"schemaVersion\":2}");
    assertFault("Unexpected end-of-input", "{\"schemaVersion\":2,");
  }

  @Test
  void indexesRoundTripWithPlatforms() throws ImageFormatException {
    Platform arm = new Platform("arm64", "linux", "", List.of(), "v8", Map.of());
    ImageIndex index = ImageIndex.of(MediaTypes.DOCKER_MANIFEST_LIST, List.of(
        Descriptor.of(MediaTypes.DOCKER_MANIFEST, Digest.parse(D1), 500).withPlatform(Platform.parse("linux/amd64")),
        Descriptor.of(MediaTypes.DOCKER_MANIFEST, Digest.parse(D2), 501).withPlatform(arm)));
    String text = utf8(index.toJson());
    assertTrue(text.contains("\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}"), text);
    assertEquals(index, ImageIndex.fromJson(index.toJson()));
  }

  @Test
  void imageConfigsKeepDockerFieldsAndGoShapes() throws ImageFormatException {
    String json = """
        {"architecture":"amd64","os":"linux","created":"2024-05-06T07:08:09.120000000Z",
         "docker_version":"24.0.7",
         "config":{"Env":["PATH=/usr/bin"],"Cmd":["/bin/sh"],"Entrypoint":null,"WorkingDir":"/srv","User":"1000",
                   "Labels":{"b":"2","a":"1"},"ExposedPorts":{"80/tcp":{},"443/tcp":{}},"Volumes":{"/data":{}},
                   "StopSignal":"SIGTERM","Healthcheck":{"Test":["CMD","true"]}},
         "rootfs":{"type":"layers","diff_ids":["%s"]},
         "history":[{"created":"2024-05-06T07:08:09Z","created_by":"ADD file / ","empty_layer":false},
                    {"created_by":"CMD [\\"/bin/sh\\"]","comment":"buildkit","empty_layer":true}]}
        """.formatted(D1);
    ImageConfig config = ImageConfig.fromJson(json.getBytes(StandardCharsets.UTF_8));
    assertEquals(Instant.parse("2024-05-06T07:08:09.12Z"), config.created());
    assertEquals(List.of("/bin/sh"), config.config().cmd());
    assertEquals(List.of(), config.config().entrypoint());
    assertEquals(List.of("443/tcp", "80/tcp"), List.copyOf(config.config().exposedPorts()));
    assertEquals(List.of(Digest.parse(D1)), config.rootfs().diffIds());
    assertTrue(config.history().get(1).emptyLayer());
    assertEquals(Platform.parse("linux/amd64"), config.platform());
    String text = utf8(config.toJson());
    assertTrue(text.startsWith("{\"created\":\"2024-05-06T07:08:09.12Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
        + "\"config\":{\"User\":\"1000\",\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}},\"Env\":[\"PATH=/usr/bin\"],"
        + "\"Cmd\":[\"/bin/sh\"],\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/srv\",\"Labels\":{\"a\":\"1\",\"b\":\"2\"},"
        + "\"StopSignal\":\"SIGTERM\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D1 + "\"]},"
        + "\"history\":[{\"created\":\"2024-05-06T07:08:09Z\",\"created_by\":\"ADD file / \"},"
        + "{\"created_by\":\"CMD [\\\"/bin/sh\\\"]\",\"comment\":\"buildkit\",\"empty_layer\":true}]"), text);
    assertTrue(text.endsWith(",\"docker_version\":\"24.0.7\"}"), text);
    assertEquals(config, ImageConfig.fromJson(config.toJson()));
  }

  @Test
  void aMinimalConfigIsValidOci() {
    ImageConfig config = ImageConfig.of(Platform.parse("linux/arm64/v8"), List.of(Digest.parse(D1)));
    assertEquals("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"config\":{},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + D1 + "\"]}}", utf8(config.toJson()));
  }

  private static void assertFault(String expected, String json) {
    ImageFormatException e = assertThrows(ImageFormatException.class,
        () -> Manifest.fromJson(json.getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().startsWith("invalid image manifest: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
