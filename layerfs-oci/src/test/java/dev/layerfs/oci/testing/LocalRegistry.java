package dev.layerfs.oci.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real CNCF distribution registry ({@code docker-registry} from Debian) on a free loopback port, with its storage in
 * a temporary directory: started before a test class, stopped and deleted after it, and killed by a shutdown hook if
 * the JVM exits first, so that no registry process outlives the tests.
 *
 * <p>Needs the Debian packages {@code docker-registry}, and for the TLS flavour {@code openssl} and
 * {@code apache2-utils} (htpasswd: the registry only accepts bcrypt hashes).
 */
public final class LocalRegistry implements BeforeAllCallback, AfterAllCallback {
  private static final String BINARY = "/usr/bin/docker-registry";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private final String username;
  private final String password;
  private Path directory;
  private Process process;
  private Thread killer;
  private int port;

  private LocalRegistry(String username, String password) {
    this.username = username;
    this.password = password;
  }

  /** A registry without authentication, over plain HTTP. */
  public static LocalRegistry plainHttp() {
    return new LocalRegistry(null, null);
  }

  /** A registry over HTTPS with a self-signed certificate, accepting one user by htpasswd (bcrypt) basic auth. */
  public static LocalRegistry tlsWithBasicAuth(String username, String password) {
    return new LocalRegistry(username, password);
  }

  /** host:port, the registry part of image references. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The self-signed certificate of a TLS registry, to trust as an extra CA. */
  public Path certificate() {
    return directory.resolve("cert.pem");
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    directory = Files.createTempDirectory("layerfs-registry-");
    try {
      if (username != null) {
        Tool.run(directory, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", directory.resolve("key.pem").toString(), "-out", certificate().toString());
        String entry = Tool.run(directory, "htpasswd", "-Bbn", username, password);
        Files.writeString(directory.resolve("htpasswd"), entry.strip() + "\n");
      }
      start();
    } catch (Exception | Error e) {
      afterAll(context);
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    stop();
    if (directory != null) {
      try (Stream<Path> paths = Files.walk(directory)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
      directory = null;
    }
  }

  private void start() throws Exception {
    for (int tries = 1; ; tries++) {
      port = freePort();
      Path config = directory.resolve("config.yml");
      Files.writeString(config, config());
      Path log = directory.resolve("registry.log");
      process = Tool.start(new ProcessBuilder(BINARY, "serve", config.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()));
      killer = new Thread(process::destroyForcibly, "kill docker-registry " + process.pid());
      Runtime.getRuntime().addShutdownHook(killer);
      if (awaitReady()) {
        return;
      }
      String output = Files.readString(log);
      stop();
      if (tries == 3 || !output.contains("address already in use")) {
        throw new IllegalStateException("docker-registry did not start on " + address() + ":\n" + output);
      }
    }
  }

  private void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(killer);
    process = null;
  }

  /** True once {@code GET /v2/} answers as a registry does (200 open, 401 with auth); false if the process died. */
  private boolean awaitReady() throws Exception {
    URI ping = URI.create((username != null ? "https" : "http") + "://" + address() + "/v2/");
    try (HttpClient http = HttpClient.newBuilder().sslContext(trusting()).connectTimeout(Duration.ofSeconds(2)).build()) {
      Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
      while (Instant.now().isBefore(deadline) && process.isAlive()) {
        try {
          int status = http.send(HttpRequest.newBuilder(ping).build(), HttpResponse.BodyHandlers.discarding())
              .statusCode();
          if (status == (username != null ? 401 : 200)) {
            return true;
          }
        } catch (IOException notYet) {
          Thread.sleep(50);
        }
      }
    }
    if (process.isAlive()) {
      throw new IllegalStateException("docker-registry on " + address() + " did not answer within " + STARTUP_TIMEOUT);
    }
    return false;
  }

  private SSLContext trusting() throws Exception {
    if (username == null) {
      return SSLContext.getDefault();
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(certificate())) {
      store.setCertificateEntry("registry",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private String config() {
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    StringBuilder yaml = new StringBuilder("""
        version: 0.1
        log:
          level: info
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: %s
          secret: %s
        """.formatted(directory.resolve("data"), address(), HexFormat.of().formatHex(secret)));
    if (username != null) {
      yaml.append("""
            tls:
              certificate: %s
              key: %s
          auth:
            htpasswd:
              realm: layerfs-test
              path: %s
          """.formatted(certificate(), directory.resolve("key.pem"), directory.resolve("htpasswd")));
    }
    return yaml.toString();
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
