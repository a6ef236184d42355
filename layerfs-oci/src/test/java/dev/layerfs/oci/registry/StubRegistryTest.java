package dev.layerfs.oci.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry behaviours the Debian registry cannot show, played by a stub server: the Bearer token dance, retries of
 * busy and failing registries, redirects to blob storage, and manifests that do not match their digest.
 */
class StubRegistryTest {
  private static final byte[] MANIFEST = Manifest.of(MediaTypes.OCI_MANIFEST,
      Descriptor.of(MediaTypes.OCI_CONFIG, "{}".getBytes(StandardCharsets.UTF_8)), List.of()).toJson();
  private static final RegistryCredentials ROBOT = new RegistryCredentials("robot", "token-pass");

  @TempDir
  Path work;

  private HttpServer server;
  private final List<String> tokenQueries = new CopyOnWriteArrayList<>();
  private final List<String> storageAuthorizations = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> attempts = Map.of(
      "flaky/two-failures", new AtomicInteger(), "flaky/always-busy", new AtomicInteger());
  private final AtomicInteger pings = new AtomicInteger();
  private volatile String tokenField = "token";
  private volatile RegistryCredentials tokenUser;

  @BeforeEach
  void startStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/token", this::token);
    server.createContext("/v2/", this::registry);
    server.createContext("/storage/", exchange -> {
      storageAuthorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      respond(exchange, 200, Map.of(), MANIFEST);
    });
    server.start();
  }

  @AfterEach
  void stopStub() {
    server.stop(0);
  }

  @Test
  void aPendingClientAsksForTheRegistryOnceAheadOfItsRequests() throws IOException {
    try (PendingClient pending = PendingClient.start(client(), reference("team/app:1"))) {
      RegistryClient client = pending.get();
      assertEquals(1, pings.get());
      client.fetchManifest(reference("team/app:1"));
      client.fetchManifest(reference("team/app:2"));
    }
    assertEquals(1, pings.get());
    assertEquals(List.of("service=stub&scope=repository:team/app:pull"), tokenQueries);
  }

  @Test
  void bearerTokensAreFetchedPerScopeFromTheRealmAndReused() throws IOException {
    try (RegistryClient client = client().build()) {
      client.fetchManifest(reference("team/app:1"));
      client.fetchManifest(reference("team/app:2"));
      client.fetchManifest(reference("team/other:1"));
    }
    assertEquals(List.of("service=stub&scope=repository:team/app:pull", "service=stub&scope=repository:team/other:pull"),
        tokenQueries);
  }

  @Test
  void theAccessTokenFieldIsAcceptedToo() throws IOException {
    tokenField = "access_token";
    try (RegistryClient client = client().build()) {
      assertEquals(Digest.sha256(MANIFEST), client.fetchManifest(reference("team/app:1")).digest());
    }
  }

  @Test
  void theTokenServiceGetsTheCredentialsAndRefusesWrongOnes() throws IOException {
    tokenUser = ROBOT;
    try (RegistryClient client = client().credentials(address(), ROBOT).build()) {
      assertEquals(Digest.sha256(MANIFEST), client.fetchManifest(reference("team/app:1")).digest());
    }
    try (RegistryClient client = client().credentials(address(), new RegistryCredentials("robot", "bad")).build()) {
      UnauthorizedException e = assertThrows(UnauthorizedException.class,
          () -> client.fetchManifest(reference("team/app:1")));
      assertTrue(e.getMessage().contains("the token service http://" + address() + "/token of " + address()
          + " rejected the credentials of user 'robot' for " + address() + "/team/app:1"), e.getMessage());
    }
    try (RegistryClient client = client().build()) {
      UnauthorizedException e = assertThrows(UnauthorizedException.class,
          () -> client.fetchManifest(reference("team/app:1")));
      assertTrue(e.getMessage().contains("refused an anonymous token"), e.getMessage());
    }
  }

  @Test
  void aLoopbackPortThatClosesOnPlainHttpIsAskedInPlainHttpThenInTls() throws IOException, InterruptedException {
    List<String> connections = new CopyOnWriteArrayList<>();
    try (ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = Thread.ofVirtual().start(() -> {
        while (true) {
          try (Socket connection = closing.accept()) {
            connections.add(connection.getInputStream().read() == 0x16 ? "TLS" : "plain");
          } catch (IOException e) {
            return;
          }
        }
      });
      String host = "127.0.0.1:" + closing.getLocalPort();
      try (RegistryClient client = RegistryClient.builder().retries(4, Duration.ofMillis(5))
          .authFiles(List.of(work.resolve("auth.json"))).build()) {
        RegistryException e = assertThrows(RegistryException.class,
            () -> client.fetchManifest(ImageReference.parse(host + "/team/app:1")));
        assertTrue(e.getMessage().startsWith("TLS handshake with " + host + " failed"), e.getMessage());
      }
      closing.close();
      acceptor.join();
    }
    // neither is retried with a back-off; the JDK's client itself repeats a request once when its connection closes
    // without an answer
    int plain = connections.lastIndexOf("plain") + 1;
    assertTrue(plain >= 1 && plain <= 2, connections.toString());
    assertEquals(List.of("plain", "plain").subList(0, plain), connections.subList(0, plain));
    assertTrue(connections.size() - plain >= 1 && connections.size() - plain <= 2, connections.toString());
    assertTrue(connections.subList(plain, connections.size()).stream().allMatch("TLS"::equals), connections.toString());
  }

  @Test
  void aLoopbackPortThatAnswersPlainHttpButIsNoRegistryIsReportedAsSuch() throws IOException {
    HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    other.createContext("/", exchange -> respond(exchange, 404, Map.of(), new byte[0]));
    other.start();
    String host = "127.0.0.1:" + other.getAddress().getPort();
    try (RegistryClient client = RegistryClient.builder().retries(1, Duration.ZERO)
        .authFiles(List.of(work.resolve("auth.json"))).build()) {
      RegistryException e = assertThrows(RegistryException.class,
          () -> client.fetchManifest(ImageReference.parse(host + "/team/app:1")));
      assertEquals(host + " does not serve the registry API at http://" + host + "/v2/ (HTTP 404)", e.getMessage());
    } finally {
      other.stop(0);
    }
  }

  @Test
  void busyAndFailingRegistriesAreRetriedThenReported() throws IOException {
    try (RegistryClient client = client().build()) {
      assertEquals(Digest.sha256(MANIFEST), client.fetchManifest(reference("flaky/two-failures:1")).digest());
      assertEquals(3, attempts.get("flaky/two-failures").get());

      RegistryException e = assertThrows(RegistryException.class,
          () -> client.fetchManifest(reference("flaky/always-busy:1")));
      assertEquals(4, attempts.get("flaky/always-busy").get(), "as many attempts as configured");
      assertTrue(e.getMessage().contains(address() + "/flaky/always-busy:1"), e.getMessage());
      assertTrue(e.getMessage().contains("HTTP 429, TOOMANYREQUESTS: slow down"), e.getMessage());
    }
  }

  @Test
  void redirectsToBlobStorageAreFollowedWithoutTheRegistryToken() throws IOException {
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, MANIFEST);
    try (RegistryClient client = client().build()) {
      client.pullBlob(reference("team/app:1"), blob, work.resolve("blob"));
    }
    assertArrayEquals(MANIFEST, Files.readAllBytes(work.resolve("blob")));
    assertEquals(List.of("null"), storageAuthorizations);
  }

  @Test
  void aManifestThatDoesNotMatchItsDigestIsRejected() throws IOException {
    try (RegistryClient client = client().build()) {
      DigestMismatchException announced = assertThrows(DigestMismatchException.class,
          () -> client.fetchManifest(reference("lying/header:1")));
      assertTrue(announced.getMessage().contains("the Docker-Content-Digest the registry announced"),
          announced.getMessage());
      Digest other = Digest.sha256(new byte[] {1});
      DigestMismatchException asked = assertThrows(DigestMismatchException.class,
          () -> client.fetchManifest(reference("team/app:1").withDigest(other)));
      assertTrue(asked.getMessage().contains("hashes to " + Digest.sha256(MANIFEST) + ", not to " + other
          + ", the digest asked for"), asked.getMessage());
    }
  }

  private void registry(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String challenge = "Bearer realm=\"http://" + address() + "/token\",service=\"stub\"";
    if (path.equals("/v2/")) {
      pings.incrementAndGet();
      respond(exchange, 401, Map.of("WWW-Authenticate", challenge), new byte[0]);
      return;
    }
    String repository = path.substring("/v2/".length(), path.lastIndexOf('/', path.lastIndexOf('/') - 1));
    String scope = "repository:" + repository + ":pull";
    if (!("Bearer tok:" + scope).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      respond(exchange, 401, Map.of("WWW-Authenticate", challenge + ",scope=\"" + scope + "\",error=\"invalid_token\""),
          new byte[0]);
      return;
    }
    int attempt = attempts.containsKey(repository) ? attempts.get(repository).incrementAndGet() : 1;
    if (repository.equals("flaky/always-busy")) {
      respond(exchange, 429, Map.of("Retry-After", "0"),
          "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}".getBytes(StandardCharsets.UTF_8));
    } else if (repository.equals("flaky/two-failures") && attempt <= 2) {
      respond(exchange, 503, Map.of("Retry-After", "0"), new byte[0]);
    } else if (path.contains("/blobs/")) {
      respond(exchange, 307, Map.of("Location", "http://localhost:" + server.getAddress().getPort() + "/storage/x"),
          new byte[0]);
    } else {
      String digest = Digest.sha256(repository.equals("lying/header") ? new byte[0] : MANIFEST).toString();
      respond(exchange, 200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST, "Docker-Content-Digest", digest),
          MANIFEST);
    }
  }

  private void token(HttpExchange exchange) throws IOException {
    String query = URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
    tokenQueries.add(query);
    if (tokenUser != null) {
      String expected = "Basic " + Base64.getEncoder().encodeToString(
          (tokenUser.username() + ":" + tokenUser.password()).getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        respond(exchange, 401, Map.of(), new byte[0]);
        return;
      }
    }
    String scope = query.substring(query.indexOf("scope=") + "scope=".length());
    respond(exchange, 200, Map.of("Content-Type", "application/json"),
        ("{\"" + tokenField + "\":\"tok:" + scope + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
      throws IOException {
    headers.forEach(exchange.getResponseHeaders()::add);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
    if (!head) {
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }

  private String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse(address() + "/" + repositoryAndTag);
  }

  private RegistryClient.Builder client() {
    return RegistryClient.builder().plainHttp(address()).retries(4, Duration.ofMillis(5))
        .authFiles(List.of(work.resolve("auth.json")));
  }
}
