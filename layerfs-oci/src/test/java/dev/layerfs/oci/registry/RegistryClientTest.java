package dev.layerfs.oci.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import dev.layerfs.oci.testing.LocalRegistry;
import dev.layerfs.oci.testing.TcpProxy;
import dev.layerfs.oci.testing.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real registry without authentication, over plain HTTP on loopback. */
class RegistryClientTest {
  @RegisterExtension
  static final LocalRegistry registry = LocalRegistry.plainHttp();

  @TempDir
  Path work;

  private final Map<Digest, Path> blobs = new HashMap<>();
  private RegistryClient client;
  private TcpProxy proxy;

  @BeforeEach
  void openClient() throws IOException {
    client = newClient(RegistryClient.builder());
  }

  @AfterEach
  void closeClient() throws IOException {
    client.close();
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void pushesAnImageAndPullsItBackByTagAndByDigest() throws IOException {
    TestImage image = image(Platform.parse("linux/amd64"));
    ImageReference tagged = reference("team/app:1.0");
    for (Descriptor blob : image.descriptors()) {
      assertEquals(BlobPushResult.UPLOADED, client.pushBlob(tagged, blob, image.file(blob)));
    }
    Digest pushed = client.pushManifest(tagged, image.manifest());
    assertEquals(Digest.sha256(image.manifest().toJson()), pushed);

    FetchedManifest byTag = client.fetchManifest(tagged);
    assertEquals(pushed, byTag.digest());
    assertEquals(MediaTypes.OCI_MANIFEST, byTag.mediaType());
    assertEquals(image.manifest(), byTag.manifest());
    FetchedManifest byDigest = client.fetchManifest(tagged.withDigest(pushed));
    assertArrayEquals(byTag.content(), byDigest.content());
    assertEquals(Optional.of(byTag.descriptor()), client.headManifest(tagged));

    for (Descriptor blob : image.descriptors()) {
      Path pulled = work.resolve("pulled-" + blob.digest().hex());
      client.pullBlob(tagged, blob, pulled);
      assertArrayEquals(Files.readAllBytes(image.file(blob)), Files.readAllBytes(pulled));
    }
  }

  @Test
  void skopeoAcceptsWhatWasPushed() throws Exception {
    TestImage image = image(Platform.parse("linux/amd64"));
    ImageReference reference = reference("skopeo/check:v1");
    Digest pushed = image.push(client, reference);
    String transport = "docker://" + registry.address() + "/skopeo/check:v1";

    JsonNode inspected =
        new ObjectMapper().readTree(Tool.run(work, "skopeo", "inspect", "--tls-verify=false", transport));
    assertEquals(pushed.toString(), inspected.path("Digest").asText());
    List<String> layers = new ArrayList<>();
    inspected.path("Layers").forEach(layer -> layers.add(layer.asText()));
    assertEquals(image.manifest().layers().stream().map(layer -> layer.digest().toString()).toList(), layers);
    assertEquals("linux", inspected.path("Os").asText());

    Path copy = work.resolve("skopeo-copy");
    Tool.run(work, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", transport, "oci:" + copy + ":v1");
    assertTrue(Files.exists(copy.resolve("blobs/sha256").resolve(pushed.hex())), "skopeo copied and verified it");
  }

  @Test
  void largeBlobsAreUploadedInChunks() throws IOException {
    List<Long> progress = new ArrayList<>();
    try (RegistryClient chunking = newClient(RegistryClient.builder().chunkSize(64 * 1024)
        .progress((blob, done, total) -> progress.add(done)))) {
      Descriptor blob = TestImage.randomBlob(work, 300_000, 1, blobs);
      ImageReference repository = reference("chunks/blob:x");
      assertEquals(BlobPushResult.UPLOADED, chunking.pushBlob(repository, blob, blobs.get(blob.digest())));
      assertEquals(List.of(0L, 65_536L, 131_072L, 196_608L, 262_144L, 300_000L, 300_000L), progress);
      assertPullsBack(repository, blob);
    }
  }

  @Test
  void blobsAreStreamedInOneRequestByDefaultReportingProgress() throws IOException {
    List<Long> progress = new ArrayList<>();
    try (RegistryClient streaming = newClient(RegistryClient.builder()
        .progress((blob, done, total) -> progress.add(done)))) {
      Descriptor blob = TestImage.randomBlob(work, 300_000, 8, blobs);
      ImageReference repository = reference("streamed/blob:x");
      assertEquals(BlobPushResult.UPLOADED, streaming.pushBlob(repository, blob, blobs.get(blob.digest())));
      assertEquals(0L, progress.getFirst());
      assertEquals(300_000L, progress.getLast());
      assertTrue(progress.size() > 2, "progress while the body is sent: " + progress);
      assertPullsBack(repository, blob);
    }
  }

  @Test
  void blobsTheRepositoryHasAreNotSentAgain() throws IOException {
    proxy = new TcpProxy(registry.port());
    try (RegistryClient proxied = newClient(RegistryClient.builder().plainHttp(proxy.address()))) {
      Descriptor blob = TestImage.randomBlob(work, 200_000, 2, blobs);
      ImageReference repository = ImageReference.parse(proxy.address() + "/skip/blob:x");
      assertEquals(BlobPushResult.UPLOADED, proxied.pushBlob(repository, blob, blobs.get(blob.digest())));
      long afterFirstPush = proxy.bytesToServer();
      assertTrue(afterFirstPush > 200_000, "the first push sends the blob");

      assertEquals(BlobPushResult.ALREADY_PRESENT, proxied.pushBlob(repository, blob, blobs.get(blob.digest())));
      assertTrue(proxy.bytesToServer() - afterFirstPush < 2_000, "only a HEAD request was sent");
    }
  }

  @Test
  void blobsAreMountedFromAnotherRepositoryWithoutSendingThem() throws IOException {
    proxy = new TcpProxy(registry.port());
    try (RegistryClient proxied = newClient(RegistryClient.builder().plainHttp(proxy.address()))) {
      Descriptor blob = TestImage.randomBlob(work, 200_000, 3, blobs);
      ImageReference source = ImageReference.parse(proxy.address() + "/mount/source:x");
      ImageReference target = ImageReference.parse(proxy.address() + "/mount/target:x");
      proxied.pushBlob(source, blob, blobs.get(blob.digest()));
      long beforeMount = proxy.bytesToServer();

      assertEquals(BlobPushResult.MOUNTED, proxied.pushBlob(target, blob, blobs.get(blob.digest()), "mount/source"));
      assertTrue(proxy.bytesToServer() - beforeMount < 2_000, "a mount sends no blob bytes");
      assertTrue(proxied.blobExists(target, blob));
    }
  }

  @Test
  void aMountTheRegistryDeclinesFallsBackToAnUpload() throws IOException {
    Descriptor blob = TestImage.randomBlob(work, 10_000, 4, blobs);
    ImageReference target = reference("mount/fallback:x");
    assertEquals(BlobPushResult.UPLOADED,
        client.pushBlob(target, blob, blobs.get(blob.digest()), "mount/repository-without-it"));
    assertPullsBack(target, blob);
  }

  @Test
  void anIndexServesTheManifestOfTheRequestedPlatform() throws IOException {
    ImageReference reference = reference("multi/app:2");
    TestImage amd64 = image(Platform.parse("linux/amd64"));
    TestImage arm64 = image(Platform.parse("linux/arm64/v8"));
    Digest amd64Digest = amd64.push(client, reference.withTag("amd64"));
    Digest arm64Digest = arm64.push(client, reference.withTag("arm64"));
    ImageIndex index = ImageIndex.of(MediaTypes.OCI_INDEX, List.of(
        Descriptor.of(MediaTypes.OCI_MANIFEST, amd64Digest, amd64.manifest().toJson().length)
            .withPlatform(Platform.parse("linux/amd64")),
        Descriptor.of(MediaTypes.OCI_MANIFEST, arm64Digest, arm64.manifest().toJson().length)
            .withPlatform(Platform.parse("linux/arm64/v8"))));
    Digest indexDigest = client.pushIndex(reference, index);

    FetchedManifest top = client.fetchManifest(reference);
    assertTrue(top.isIndex());
    assertEquals(indexDigest, top.digest());
    assertEquals(arm64Digest, client.fetchManifest(reference, Platform.parse("linux/aarch64")).digest());
    assertEquals(amd64Digest, client.fetchManifest(reference, Platform.parse("linux/amd64")).digest());
    assertEquals(arm64.manifest(), client.fetchManifest(reference, Platform.parse("linux/arm64")).manifest());
    assertEquals(amd64Digest, client.fetchManifest(reference.withTag("amd64"), Platform.parse("linux/s390x")).digest(),
        "a single-platform manifest is returned as it is");

    NotFoundException e = assertThrows(NotFoundException.class,
        () -> client.fetchManifest(reference, Platform.parse("linux/s390x")));
    assertTrue(e.getMessage().contains("no image for platform linux/s390x"), e.getMessage());
    assertTrue(e.getMessage().contains("linux/amd64, linux/arm64/v8"), e.getMessage());
  }

  @Test
  void aDroppedDownloadResumesWhereItBrokeOffAndIsVerified() throws IOException {
    Descriptor blob = TestImage.randomBlob(work, 1_000_000, 5, blobs);
    client.pushBlob(reference("resume/blob:x"), blob, blobs.get(blob.digest()));
    proxy = new TcpProxy(registry.port());
    List<Long> progress = new ArrayList<>();
    try (RegistryClient proxied = newClient(RegistryClient.builder().plainHttp(proxy.address())
        .progress((digest, done, total) -> progress.add(done)))) {
      ImageReference repository = ImageReference.parse(proxy.address() + "/resume/blob:x");
      assertTrue(proxied.blobExists(repository, blob));
      long before = proxy.bytesToClient();
      proxy.cutAfter(300_000);

      Path pulled = work.resolve("resumed");
      proxied.pullBlob(repository, blob, pulled);
      assertArrayEquals(Files.readAllBytes(blobs.get(blob.digest())), Files.readAllBytes(pulled));
      assertTrue(proxy.connections() >= 2, "the download went on over a new connection");
      long sent = proxy.bytesToClient() - before;
      assertTrue(sent < 1_150_000, "resumed with a Range request rather than sending the 300 kB cut off again (1.3 MB"
          + " in all); the client lost only what it had not read when the connection dropped: " + sent + " bytes");
      for (int i = 1; i < progress.size(); i++) {
        assertTrue(progress.get(i) > progress.get(i - 1), "progress never went back: " + progress);
      }
    }
  }

  @Test
  void aCorruptedDownloadIsAMismatchAndLeavesNothing() throws IOException {
    Descriptor blob = TestImage.randomBlob(work, 100_000, 6, blobs);
    client.pushBlob(reference("corrupt/blob:x"), blob, blobs.get(blob.digest()));
    proxy = new TcpProxy(registry.port());
    try (RegistryClient proxied = newClient(RegistryClient.builder().plainHttp(proxy.address()))) {
      ImageReference repository = ImageReference.parse(proxy.address() + "/corrupt/blob:x");
      assertTrue(proxied.blobExists(repository, blob));
      proxy.corruptAfter(50_000);
      Path downloads = Files.createDirectory(work.resolve("downloads"));

      DigestMismatchException e = assertThrows(DigestMismatchException.class,
          () -> proxied.pullBlob(repository, blob, downloads.resolve("blob")));
      assertTrue(e.getMessage().contains("corrupt/blob@" + blob.digest()), e.getMessage());
      assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
      try (Stream<Path> left = Files.list(downloads)) {
        assertEquals(List.of(), left.toList(), "nothing of the download is kept");
      }
    }
  }

  @Test
  void aFullDiskIsALocalWriteErrorAndLeavesNothing() throws Exception {
    Descriptor blob = TestImage.randomBlob(work, 1_000_000, 7, blobs);
    ImageReference repository = reference("full/disk:x");
    client.pushBlob(repository, blob, blobs.get(blob.digest()));
    Path smallDisk = Files.createDirectory(work.resolve("small-disk"));
    Tool.run(work, "mount", "-t", "tmpfs", "-o", "size=256k", "layerfs-test", smallDisk.toString());
    try {
      LocalWriteException e = assertThrows(LocalWriteException.class,
          () -> client.pullBlob(repository, blob, smallDisk.resolve("blob")));
      assertTrue(e.getMessage().contains("cannot write blob " + blob.digest() + " to " + smallDisk), e.getMessage());
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      try (Stream<Path> left = Files.list(smallDisk)) {
        assertEquals(List.of(), left.toList(), "the partial download is removed");
      }
    } finally {
      Tool.run(work, "umount", smallDisk.toString());
    }
  }

  @Test
  void anUnknownTagIsAClearNotFound() {
    NotFoundException e = assertThrows(NotFoundException.class,
        () -> client.fetchManifest(reference("team/app:no-such-tag")));
    assertTrue(e.getMessage().startsWith(registry.address() + "/team/app:no-such-tag: manifest not found"),
        e.getMessage());
    assertTrue(e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
    assertEquals(Optional.empty(), assertDoesNotThrowHead(reference("team/app:no-such-tag")));
  }

  @Test
  void anUnknownBlobIsAClearNotFound() throws IOException {
    Descriptor missing = Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.sha256(new byte[] {42}), 1);
    NotFoundException e = assertThrows(NotFoundException.class,
        () -> client.pullBlob(reference("no/such-repo:x"), missing, work.resolve("missing")));
    assertTrue(e.getMessage().contains("no/such-repo@" + missing.digest() + ": blob not found"), e.getMessage());
    assertFalse(client.blobExists(reference("no/such-repo:x"), missing));
    assertFalse(Files.exists(work.resolve("missing.partial")));
  }

  @Test
  void aRegistryThatIsDownIsReportedUnreachable() throws IOException {
    int closedPort = LocalRegistry.freePort();
    try (RegistryClient impatient = RegistryClient.builder().retries(2, Duration.ofMillis(10))
        .authFiles(List.of(work.resolve("auth.json"))).build()) {
      RegistryUnreachableException e = assertThrows(RegistryUnreachableException.class,
          () -> impatient.fetchManifest(ImageReference.parse("127.0.0.1:" + closedPort + "/team/app:1")));
      assertTrue(e.getMessage().contains("registry 127.0.0.1:" + closedPort + " is unreachable"), e.getMessage());
      assertTrue(e.getMessage().contains("connection refused (tried 2 times)"), e.getMessage());
    }
  }

  @Test
  void aPendingClientThrowsWhatConnectingThrew() throws IOException {
    int closedPort = LocalRegistry.freePort();
    ImageReference reference = ImageReference.parse("127.0.0.1:" + closedPort + "/team/app:1");
    try (PendingClient pending = PendingClient.start(RegistryClient.builder().retries(2, Duration.ofMillis(10))
        .authFiles(List.of(work.resolve("auth.json"))), reference)) {
      RegistryUnreachableException e = assertThrows(RegistryUnreachableException.class, pending::get);
      assertTrue(e.getMessage().contains("connection refused (tried 2 times)"), e.getMessage());
    }
  }

  @Test
  void aPendingClientClosedBeforeItWasNeededGivesUp() throws IOException {
    int closedPort = LocalRegistry.freePort();
    ImageReference reference = ImageReference.parse("127.0.0.1:" + closedPort + "/team/app:1");
    PendingClient pending = PendingClient.start(RegistryClient.builder().retries(10, Duration.ofMinutes(1))
        .authFiles(List.of(work.resolve("auth.json"))), reference);
    pending.close();
    assertThrows(java.util.concurrent.CancellationException.class, pending::get);
  }

  @Test
  void anUnknownHostIsReportedUnreachable() throws IOException {
    try (RegistryClient impatient = RegistryClient.builder().retries(2, Duration.ofMillis(10))
        .authFiles(List.of(work.resolve("auth.json"))).build()) {
      RegistryUnreachableException e = assertThrows(RegistryUnreachableException.class,
          () -> impatient.fetchManifest(ImageReference.parse("no-such-host.invalid/team/app:1")));
      assertTrue(e.getMessage().contains("unknown host no-such-host.invalid"), e.getMessage());
    }
  }

  private Optional<Descriptor> assertDoesNotThrowHead(ImageReference reference) {
    try {
      return client.headManifest(reference);
    } catch (IOException e) {
      throw new AssertionError("HEAD of a missing manifest is empty, not an error", e);
    }
  }

  private void assertPullsBack(ImageReference repository, Descriptor blob) throws IOException {
    Path pulled = work.resolve("pulled-" + blob.digest().hex());
    client.pullBlob(repository, blob, pulled);
    assertArrayEquals(Files.readAllBytes(blobs.get(blob.digest())), Files.readAllBytes(pulled));
  }

  private TestImage image(Platform platform) throws IOException {
    Path directory = Files.createTempDirectory(work, "image");
    return TestImage.create(directory, platform, List.of(
        Map.of("etc/hostname", "layerfs\n", "hello.txt", "hello from " + platform + "\n"),
        Map.of("bin/tool", "#!/bin/sh\necho " + directory.getFileName() + "\n")));
  }

  private ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse(registry.address() + "/" + repositoryAndTag);
  }

  /** A client that retries quickly and reads no credentials of the machine it runs on. */
  private RegistryClient newClient(RegistryClient.Builder builder) throws IOException {
    return builder.retries(3, Duration.ofMillis(20)).authFiles(List.of(work.resolve("auth.json"))).build();
  }
}
