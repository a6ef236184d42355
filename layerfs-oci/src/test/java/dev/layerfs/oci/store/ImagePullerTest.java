package dev.layerfs.oci.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import dev.layerfs.oci.registry.RegistryClient;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.testing.LayerTar;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real registry does not do on demand, played by a stub: a blob download that breaks off and, asked to
 * resume, starts over from the first byte, while its layer was being unpacked from the bytes already there.
 */
class ImagePullerTest {
  @TempDir Path temp;

  private static final LayerTar TREE = new LayerTar().dir("data").file(LayerTar.utf8("data/random"), random(),
      0644);

  private final byte[] layer = TREE.compressed(Compression.GZIP);
  private final byte[] config =
      ImageConfig.of(Platform.of("linux", "amd64"), List.of(Digest.sha256(TREE.bytes()))).toJson();
  private final Descriptor layerBlob = Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, layer);
  private final byte[] manifest = Manifest.of(MediaTypes.OCI_MANIFEST,
      Descriptor.of(MediaTypes.OCI_CONFIG, config), List.of(layerBlob)).toJson();
  private final AtomicInteger layerRequests = new AtomicInteger();
  private final List<String> ranges = new CopyOnWriteArrayList<>();
  private HttpServer server;

  private static byte[] random() {
    byte[] bytes = new byte[2_000_000];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  @BeforeEach
  void startStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v2/", this::serve);
    server.start();
  }

  @AfterEach
  void stopStub() {
    server.stop(0);
  }

  @Test
  void aDownloadThatStartsOverIsUnpackedAgainFromTheVerifiedBlob() throws IOException {
    List<String> notes = new CopyOnWriteArrayList<>();
    Progress progress = new Progress() {
      @Override
      public Task start(String what, long totalBytes) {
        return Task.NONE;
      }

      @Override
      public void note(String line) {
        notes.add(line);
      }
    };
    String address = "127.0.0.1:" + server.getAddress().getPort();
    LayerStore store = LayerStore.open(temp.resolve("store"));
    try (RegistryClient client = RegistryClient.builder().plainHttp(address).retries(3, Duration.ofMillis(10))
        .authFiles(List.of(temp.resolve("auth.json"))).build()) {
      StoredImage image = store.pull(client, ImageReference.parse(address + "/app:1"), Platform.host(), progress);
      assertEquals(Digest.sha256(manifest), image.manifestDigest());
    }
    assertEquals(2, layerRequests.get());
    long resumedAt = Long.parseLong(ranges.getFirst().replaceFirst("^bytes=([0-9]+)-$", "$1"));
    assertTrue(resumedAt > 0 && resumedAt <= layer.length / 2, "the cut download was asked to resume: " + ranges);
    assertTrue(notes.stream().anyMatch(n -> n.contains("unpacking again from the downloaded blob (the download of "
        + layerBlob.digest() + " started over)")), notes.toString());
    Path unpacked = store.layersOf(store.images().getFirst()).getFirst().directory();
    assertArrayEquals(random(), Files.readAllBytes(unpacked.resolve("data/random")));
    try (Stream<Path> left = Files.list(store.root().resolve("tmp"))) {
      assertEquals(List.of(), left.toList(), "no staging file is left");
    }
  }

  /** The registry API for one image; the first layer download breaks off, the resumed one ignores its Range. */
  private void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    Map<String, byte[]> blobs = Map.of(Digest.sha256(config).toString(), config,
        layerBlob.digest().toString(), layer);
    try (exchange) {
      if (path.equals("/v2/")) {
        respond(exchange, "application/json", "{}".getBytes(), Integer.MAX_VALUE);
      } else if (path.equals("/v2/app/manifests/1")) {
        exchange.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(manifest).toString());
        respond(exchange, MediaTypes.OCI_MANIFEST, manifest, Integer.MAX_VALUE);
      } else if (path.startsWith("/v2/app/blobs/") && blobs.containsKey(path.substring(14))) {
        byte[] blob = blobs.get(path.substring(14));
        int request = blob == layer ? layerRequests.getAndIncrement() : -1;
        if (request == 1) {
          ranges.add(String.valueOf(exchange.getRequestHeaders().getFirst("Range")));
          pause();
        }
        respond(exchange, "application/octet-stream", blob, request == 0 ? blob.length / 2 : Integer.MAX_VALUE);
      } else {
        exchange.sendResponseHeaders(404, -1);
      }
    }
  }

  /** Sends {@code body} with its full length announced, but only its first {@code sent} bytes. */
  private static void respond(HttpExchange exchange, String type, byte[] body, int sent) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(200, body.length);
    OutputStream out = exchange.getResponseBody();
    out.write(body, 0, Math.min(sent, body.length));
    out.flush();
  }

  /** Gives the puller time to unpack what the broken-off download brought, before the download starts over. */
  private static void pause() throws IOException {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
