package dev.layerfs.oci.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {
  private static final RegistryCredentials ALICE = new RegistryCredentials("alice", "pa:ss");

  @TempDir
  Path home;

  @Test
  void registryAuthFileComesBeforeDockersConfig() {
    assertEquals(List.of(Path.of("/run/auth.json"), home.resolve(".docker/config.json")),
        AuthFile.defaultPaths(Map.of("REGISTRY_AUTH_FILE", "/run/auth.json"), home));
    assertEquals(List.of(home.resolve(".docker/config.json")), AuthFile.defaultPaths(Map.of(), home));
    assertEquals(List.of(Path.of("/etc/docker-cfg/config.json")),
        AuthFile.defaultPaths(Map.of("DOCKER_CONFIG", "/etc/docker-cfg"), home));
  }

  @Test
  void readsBase64AuthAndUsernamePasswordEntries() throws IOException {
    Path file = write("config.json", """
        {"auths": {
          "https://index.docker.io/v1/": {"auth": "%s"},
          "http://localhost:5000": {"username": "bob", "password": "pw"},
          "ghcr.io/some/namespace": {"auth": "%s"}
        }}""".formatted(base64("alice:pa:ss"), base64("carol:x")));
    assertEquals(Optional.of(ALICE), AuthFile.lookup(List.of(file), "docker.io"));
    assertEquals(Optional.of(new RegistryCredentials("bob", "pw")), AuthFile.lookup(List.of(file), "localhost:5000"));
    assertEquals(Optional.of(new RegistryCredentials("carol", "x")), AuthFile.lookup(List.of(file), "ghcr.io"));
    assertEquals(Optional.empty(), AuthFile.lookup(List.of(file), "quay.io"));
  }

  @Test
  void theFirstFileWithAnEntryWins() throws IOException {
    Path first = write("auth.json", "{\"auths\":{\"quay.io\":{\"auth\":\"" + base64("first:1") + "\"}}}");
    Path second = write("config.json", "{\"auths\":{\"quay.io\":{\"auth\":\"" + base64("second:2") + "\"},"
        + "\"ghcr.io\":{\"auth\":\"" + base64("second:3") + "\"}}}");
    List<Path> files = List.of(home.resolve("missing.json"), first, second);
    assertEquals("first", AuthFile.lookup(files, "quay.io").orElseThrow().username());
    assertEquals("second", AuthFile.lookup(files, "ghcr.io").orElseThrow().username());
  }

  @Test
  void credentialHelpersAreReportedAsUnsupported() throws IOException {
    Path helpers = write("helpers.json", "{\"credHelpers\":{\"gcr.io\":\"gcloud\"}}");
    CredentialsException helper = assertThrows(CredentialsException.class,
        () -> AuthFile.lookup(List.of(helpers), "gcr.io"));
    assertTrue(helper.getMessage().contains("credHelpers names 'gcloud'"), helper.getMessage());
    assertTrue(helper.getMessage().contains("not supported"), helper.getMessage());
    assertEquals(Optional.empty(), AuthFile.lookup(List.of(helpers), "quay.io"), "other registries are unaffected");

    Path store = write("store.json", "{\"auths\":{\"quay.io\":{}},\"credsStore\":\"desktop\"}");
    CredentialsException desktop = assertThrows(CredentialsException.class,
        () -> AuthFile.lookup(List.of(store), "quay.io"));
    assertTrue(desktop.getMessage().contains("credsStore names 'desktop'"), desktop.getMessage());
  }

  @Test
  void malformedFilesAreErrorsNamingTheFile() throws IOException {
    Path notJson = write("broken.json", "{\"auths\":");
    CredentialsException e = assertThrows(CredentialsException.class,
        () -> AuthFile.lookup(List.of(notJson), "quay.io"));
    assertTrue(e.getMessage().startsWith("auth file " + notJson + " is not valid JSON"), e.getMessage());
    Path badAuth = write("bad.json", "{\"auths\":{\"quay.io\":{\"auth\":\"!!!\"}}}");
    e = assertThrows(CredentialsException.class, () -> AuthFile.lookup(List.of(badAuth), "quay.io"));
    assertTrue(e.getMessage().contains("the 'auth' of quay.io is not base64"), e.getMessage());
  }

  @Test
  void storeWritesAPrivateFileAndKeepsOtherSettings() throws IOException {
    Path file = write("config.json", "{\"auths\":{\"https://quay.io\":{\"auth\":\"" + base64("old:1") + "\"}},"
        + "\"psFormat\":\"table\"}");
    AuthFile.store(file, "quay.io", ALICE);
    AuthFile.store(file, "docker.io", ALICE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    JsonNode config = new ObjectMapper().readTree(file.toFile());
    assertEquals("table", config.path("psFormat").asText());
    assertEquals(List.of("quay.io", "https://index.docker.io/v1/"), List.copyOf(fieldNames(config.path("auths"))));
    assertEquals(base64("alice:pa:ss"), config.path("auths").path("quay.io").path("auth").asText());
    try (Stream<Path> files = Files.list(home)) {
      assertEquals(List.of(file), files.toList(), "no temporary file is left");
    }
  }

  @Test
  void removeDeletesEveryEntryOfTheRegistry() throws IOException {
    Path file = home.resolve("new/dir/auth.json");
    AuthFile.store(file, "quay.io", ALICE);
    AuthFile.store(file, "ghcr.io", ALICE);
    assertTrue(AuthFile.remove(file, "https://quay.io/v2/"));
    assertFalse(AuthFile.remove(file, "quay.io"));
    assertFalse(AuthFile.remove(home.resolve("absent.json"), "quay.io"));
    assertEquals(Optional.empty(), AuthFile.lookup(List.of(file), "quay.io"));
    assertEquals(Optional.of(ALICE), AuthFile.lookup(List.of(file), "ghcr.io"));
  }

  private static List<String> fieldNames(JsonNode node) {
    return node.properties().stream().map(Map.Entry::getKey).toList();
  }

  private Path write(String name, String json) throws IOException {
    return Files.writeString(home.resolve(name), json);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
