package dev.layerfs.oci.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.OciLayouts;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store keeps each layer once, shares it among images and containers, and never shows half a change. */
class LayerStoreTest {
  @TempDir Path temp;
  private LayerStore store;

  static LayerTar base() {
    return new LayerTar().dir("etc").file("etc/os-release", "ID=test\n").file("etc/motd", "x".repeat(100))
        .dir("bin").file("bin/sh", "y".repeat(50)).dir("var").dir("var/cache").file("var/cache/a", "z".repeat(30));
  }

  static LayerTar update() {
    return new LayerTar().dir("etc").file("etc/motd", "w".repeat(120)).whiteout("bin/sh").dir("opt")
        .file("opt/tool", "t".repeat(10)).dir("var").dir("var/cache").opaque("var/cache");
  }

  @BeforeEach
  void openStore() throws IOException {
    store = LayerStore.open(temp.resolve("store"));
  }

  private Path layout(String name, Compression compression, LayerTar... layers) {
    OciLayouts.write(temp.resolve(name), "1.0", compression, List.of(layers));
    return temp.resolve(name);
  }

  @Test
  void importsAnOciLayoutOnceAndKeepsEachLayerOnce() throws IOException {
    Path app = layout("app", Compression.GZIP, base(), update());
    List<StoredImage> imported = store.importImages(app, ImportOptions.DEFAULTS, Progress.NONE);

    assertEquals(1, imported.size());
    StoredImage image = store.image("app:1.0");
    assertEquals(List.of(ImageReference.parse("app:1.0")), image.names());
    assertEquals(2, store.layers().size());
    assertEquals("y".repeat(50), Files.readString(store.layersOf(image).getFirst().directory().resolve("bin/sh")));

    Path other = layout("other", Compression.ZSTD, base());
    store.importImages(other, ImportOptions.DEFAULTS, Progress.NONE);
    assertEquals(2, store.layers().size(), "the shared base layer is stored once");
    assertEquals(2, store.images().size());
    assertEquals(image.manifestDigest(), store.importImages(app, ImportOptions.DEFAULTS, Progress.NONE)
        .getFirst().manifestDigest(), "importing again changes nothing");
    assertEquals(2, store.images().size());
    assertEquals(image, store.image(image.shortId()));
  }

  @Test
  void importsDockerArchivesAndOciArchivesWithTheirNames() throws IOException {
    Path docker = Files.write(temp.resolve("saved.tar"), OciLayouts.dockerArchive("busy/box:7", List.of(base())));
    store.importImages(docker, ImportOptions.DEFAULTS, Progress.NONE);
    StoredImage fromDocker = store.image("busy/box:7");
    assertEquals(1, fromDocker.diffIds().size());

    store.exportImage(fromDocker, ExportFormat.OCI_ARCHIVE, temp.resolve("box.tar"), ExportOptions.DEFAULTS,
        Progress.NONE);
    LayerStore second = LayerStore.open(temp.resolve("second"));
    StoredImage fromOci = second.importImages(temp.resolve("box.tar"), ImportOptions.DEFAULTS, Progress.NONE)
        .getFirst();
    assertEquals(fromDocker.manifestDigest(), fromOci.manifestDigest(), "an OCI export keeps the manifest's bytes");
    assertEquals(List.of(ImageReference.parse("busy/box:7")), fromOci.names());

    store.exportImage(fromDocker, ExportFormat.DOCKER_ARCHIVE, temp.resolve("back.tar"), ExportOptions.DEFAULTS,
        Progress.NONE);
    StoredImage again = second.importImages(temp.resolve("back.tar"), ImportOptions.DEFAULTS.withName(
        ImageReference.parse("again:1")), Progress.NONE).getFirst();
    assertEquals(fromDocker.diffIds(), again.diffIds(), "a docker-archive round trip keeps the layers");
  }

  @Test
  void aLayerWhoseContentDoesNotMatchItsDiffIdIsRefusedAndLeavesNothing() throws IOException {
    Path bad = layout("bad", Compression.GZIP, base());
    Path config = null;
    try (Stream<Path> blobs = Files.list(bad.resolve("blobs/sha256"))) {
      for (Path blob : blobs.toList()) {
        if (Files.readString(blob, java.nio.charset.StandardCharsets.ISO_8859_1).contains("diff_ids")) {
          config = blob;
        }
      }
    }
    String json = Files.readString(config);
    String lie = json.replaceAll("sha256:[0-9a-f]{64}\"\\]", "sha256:" + "0".repeat(64) + "\"]");
    Digest lieDigest = Digest.sha256(lie.getBytes());
    Files.writeString(bad.resolve("blobs/sha256").resolve(lieDigest.hex()), lie);
    rewriteManifestConfig(bad, Digest.parse("sha256:" + config.getFileName()), lieDigest, lie.length());

    IOException e = assertThrows(IOException.class,
        () -> store.importImages(bad, ImportOptions.DEFAULTS, Progress.NONE));
    assertTrue(e.getMessage().contains("diff ID"), e.getMessage());
    assertEquals(List.of(), store.layers());
    assertEquals(List.of(), store.images());
    try (Stream<Path> tmp = Files.list(store.root().resolve("tmp"))) {
      assertEquals(List.of(), tmp.toList(), "no staging left in tmp/");
    }
  }

  private static void rewriteManifestConfig(Path layout, Digest oldConfig, Digest newConfig, long size)
      throws IOException {
    dev.layerfs.oci.image.ImageIndex index = dev.layerfs.oci.image.ImageIndex.fromJson(
        Files.readAllBytes(layout.resolve("index.json")));
    Descriptor entry = index.manifests().getFirst();
    String manifest = Files.readString(layout.resolve("blobs/sha256").resolve(entry.digest().hex()))
        .replace(oldConfig.toString(), newConfig.toString()).replaceFirst("\"size\":\\d+", "\"size\":" + size);
    Digest digest = Digest.sha256(manifest.getBytes());
    Files.writeString(layout.resolve("blobs/sha256").resolve(digest.hex()), manifest);
    Files.writeString(layout.resolve("index.json"), Files.readString(layout.resolve("index.json"))
        .replace(entry.digest().toString(), digest.toString())
        .replace("\"size\":" + entry.size(), "\"size\":" + manifest.length()));
  }

  @Test
  void containersShareTheImageLayersAndCommitTheirChangesAsANewLayer() throws IOException {
    StoredImage image = store.importImages(layout("app", Compression.GZIP, base(), update()),
        ImportOptions.DEFAULTS, Progress.NONE).getFirst();
    Container one = store.createContainer("app:1.0", "one");
    Container two = store.createContainer(image.shortId(), "two");
    assertEquals(one.lowerDirs(), two.lowerDirs(), "both containers stack the same layer directories");
    assertEquals(2, store.layers().size());

    Path merged = temp.resolve("merged");
    TreeListing expected;
    try (KernelOverlay mount = KernelOverlay.mount(one.mountOptions() + ",redirect_dir=on", merged)) {
      Tool.bash(merged, "echo new > etc/new && rm etc/os-release && mkdir -p srv/www && echo hi > srv/www/index"
          + " && mv opt opt2 && echo more >> etc/motd");
      expected = TreeListing.of(merged).without(Set.of("/"));
    }
    List<String> changes = store.changes("one").stream().map(Change::toString).toList();
    assertEquals(List.of("C /etc", "C /etc/motd", "A /etc/new", "D /etc/os-release", "D /opt", "A /opt2",
        "A /opt2/tool", "A /srv", "A /srv/www", "A /srv/www/index"), changes);

    StoredImage committed = store.commit("one", ImageReference.parse("app:2.0"), CommitOptions.defaults(),
        Progress.NONE);
    assertEquals(3, committed.diffIds().size());
    assertEquals(image.diffIds(), committed.diffIds().subList(0, 2));
    assertEquals("layerfs commit one", committed.config().history().getLast().createdBy());
    Container three = store.createContainer("app:2.0", "three");
    try (KernelOverlay mount = KernelOverlay.mount(three.mountOptions(), temp.resolve("three"))) {
      TreeListing actual = TreeListing.of(mount.path()).without(Set.of("/"));
      assertEquals(expected, actual, expected.diff(actual, "container one", "its commit"));
    }

    IOException inUse = assertThrows(IOException.class, () -> store.removeImage("app:2.0"));
    assertTrue(inUse.getMessage().contains("three"), inUse.getMessage());
    store.removeContainer("three");
    store.removeImage("app:2.0");
    assertEquals(2, store.layers().size(), "the committed layer went with its image; the shared ones stay");
    assertThrows(NoSuchFileException.class, () -> store.container("three"));
  }

  @Test
  void historyCountsAddedChangedDeletedAndWastedBytes() throws IOException {
    StoredImage image = store.importImages(layout("app", Compression.NONE, base(), update()),
        ImportOptions.DEFAULTS, Progress.NONE).getFirst();
    List<LayerHistory> history = store.history(image);

    LayerHistory first = history.get(0);
    assertEquals(8 + 100 + 50 + 30, first.added());
    assertEquals(0, first.changed() + first.deleted());
    assertEquals(100 + 50 + 30, first.wasted(), "motd replaced, sh and var/cache/a deleted later");
    LayerHistory second = history.get(1);
    assertEquals(10, second.added());
    assertEquals(120, second.changed());
    assertEquals(50 + 30, second.deleted());
    assertEquals(0, second.wasted());
  }

  @Test
  void removingANameKeepsTheImageAndGcRemovesOnlyWhatNothingUses() throws IOException {
    StoredImage image = store.importImages(layout("app", Compression.GZIP, base()), ImportOptions.DEFAULTS,
        Progress.NONE).getFirst();
    store.tag(image, ImageReference.parse("alias:1"));
    store.removeImage("app:1.0");
    assertEquals(List.of(ImageReference.parse("alias:1")), store.image(image.shortId()).names());
    Files.createDirectories(store.root().resolve("tmp/import-interrupted"));
    Files.writeString(store.root().resolve("blobs/sha256").resolve("f".repeat(64)), "orphan");

    GcResult result = store.gc();
    assertEquals(1, result.blobs());
    assertEquals(0, result.layers());
    assertFalse(Files.exists(store.root().resolve("tmp/import-interrupted")));

    GcResult removed = store.removeImage("alias:1");
    assertEquals(1, removed.layers());
    assertEquals(List.of(), store.images());
    assertEquals(List.of(), store.layers());
  }

  @Test
  void concurrentImportsOfSharedLayersStoreEachOnce() throws Exception {
    Path one = layout("one", Compression.GZIP, base(), update());
    Path two = layout("two", Compression.GZIP, base());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Path source = i % 2 == 0 ? one : two;
        runs.add(pool.submit((Callable<Object>) () -> LayerStore.open(store.root()).importImages(source,
            ImportOptions.DEFAULTS, Progress.NONE)));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdown();
    }
    assertEquals(2, store.images().size());
    assertEquals(2, store.layers().size());
    try (Stream<Path> tmp = Files.list(store.root().resolve("tmp"))) {
      assertEquals(List.of(), tmp.toList());
    }
  }
}
