package dev.layerfs.oci.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Platform;
import dev.layerfs.oci.testing.LocalRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The client against a real registry over HTTPS (self-signed certificate) with htpasswd basic authentication. */
class RegistryAuthTest {
  private static final RegistryCredentials TESTER = new RegistryCredentials("tester", "s3cret-pass");

  @RegisterExtension
  static final LocalRegistry registry = LocalRegistry.tlsWithBasicAuth(TESTER.username(), TESTER.password());

  @TempDir
  Path work;

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void pushesAndPullsOverTlsWithCredentials(HttpClient.Version version) throws IOException {
    try (RegistryClient client = client().httpVersion(version).credentials(registry.address(), TESTER).build()) {
      TestImage image = TestImage.create(work, Platform.parse("linux/amd64"), List.of(Map.of("a", version.name())));
      ImageReference reference = reference("secure/app:" + version.name().toLowerCase());
      Digest pushed = image.push(client, reference);
      assertEquals(pushed, client.fetchManifest(reference).digest());
      Descriptor layer = image.manifest().layers().getFirst();
      client.pullBlob(reference, layer, work.resolve("layer"));
      assertArrayEquals(Files.readAllBytes(image.file(layer)), Files.readAllBytes(work.resolve("layer")));
    }
  }

  @Test
  void tlsConnectionsNegotiateHttp2() throws IOException, InterruptedException {
    try (HttpClient http = client().httpClient()) {
      HttpResponse<Void> ping = http.send(
          HttpRequest.newBuilder(URI.create("https://" + registry.address() + "/v2/")).build(),
          HttpResponse.BodyHandlers.discarding());
      assertEquals(HttpClient.Version.HTTP_2, ping.version());
    }
  }

  @Test
  void aWrongPasswordIsUnauthorizedNamingUserAndRegistry() throws IOException {
    try (RegistryClient client = client()
        .credentials(registry.address(), new RegistryCredentials("tester", "wrong")).build()) {
      UnauthorizedException e = assertThrows(UnauthorizedException.class,
          () -> client.fetchManifest(reference("secure/app:1")));
      assertTrue(e.getMessage().contains(registry.address() + " rejected the credentials of user 'tester'"),
          e.getMessage());
      assertTrue(e.getMessage().contains(registry.address() + "/secure/app:1"), e.getMessage());
    }
  }

  @Test
  void missingCredentialsAreUnauthorizedWithAHintToLogIn() throws IOException {
    try (RegistryClient client = client().build()) {
      UnauthorizedException e = assertThrows(UnauthorizedException.class,
          () -> client.fetchManifest(reference("secure/app:1")));
      assertTrue(e.getMessage().contains("requires authentication and there are no credentials for "
          + registry.address() + " (log in first"), e.getMessage());
    }
  }

  @Test
  void anUntrustedCertificateFailsTheHandshakeClearly() throws IOException {
    try (RegistryClient client = RegistryClient.builder().authFiles(List.of(work.resolve("auth.json")))
        .retries(1, Duration.ZERO).build()) {
      RegistryException e = assertThrows(RegistryException.class,
          () -> client.fetchManifest(reference("secure/app:1")));
      assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + registry.port() + " failed"),
          e.getMessage());
      assertTrue(e.getMessage().contains("extra CA file"), e.getMessage());
    }
  }

  @Test
  void anInsecureRegistryIsUsedWithoutVerifyingItsCertificateOthersStillAre() throws IOException {
    try (RegistryClient client = RegistryClient.builder().insecure(registry.address())
        .credentials(registry.address(), TESTER).authFiles(List.of(work.resolve("auth.json")))
        .retries(1, Duration.ZERO).build()) {
      TestImage image = TestImage.create(work, Platform.parse("linux/amd64"), List.of(Map.of("c", "insecure")));
      Digest pushed = image.push(client, reference("insecure/app:1"));
      assertEquals(pushed, client.fetchManifest(reference("insecure/app:1")).digest());
      RegistryException e = assertThrows(RegistryException.class,
          () -> client.fetchManifest(ImageReference.parse("localhost:" + registry.port() + "/insecure/app:1")));
      assertTrue(e.getMessage().startsWith("TLS handshake with localhost:" + registry.port() + " failed"),
          "only the registry named insecure is: " + e.getMessage());
    }
  }

  @Test
  void loginChecksTheCredentialsAndSavesThemPrivately() throws IOException {
    Path authFile = work.resolve("containers/auth.json");
    try (RegistryClient client = client().build()) {
      UnauthorizedException wrong = assertThrows(UnauthorizedException.class,
          () -> client.login(registry.address(), new RegistryCredentials("tester", "nope")));
      assertTrue(wrong.getMessage().contains("rejected the credentials of user 'tester'"), wrong.getMessage());
      assertFalse(Files.exists(authFile), "a failed login saves nothing");

      client.login(registry.address(), TESTER);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(authFile)));
      assertEquals(List.of(TESTER), List.of(AuthFile.lookup(List.of(authFile), registry.address()).orElseThrow()));

      TestImage image = TestImage.create(work, Platform.parse("linux/arm64"), List.of(Map.of("b", "logged in")));
      Digest pushed = image.push(client, reference("secure/login:1"));
      assertEquals(pushed, client.fetchManifest(reference("secure/login:1")).digest());

      assertTrue(client.logout(registry.address()));
      assertFalse(client.logout(registry.address()), "nothing left to remove");
      assertThrows(UnauthorizedException.class, () -> client.fetchManifest(reference("secure/login:1")));
    }
  }

  private RegistryClient.Builder client() {
    return RegistryClient.builder()
        .extraCaCertificates(registry.certificate())
        .authFiles(List.of(work.resolve("containers/auth.json")))
        .retries(3, Duration.ofMillis(20));
  }

  private static ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse(registry.address() + "/" + repositoryAndTag);
  }
}
