package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.store.LayerStore;
import dev.layerfs.oci.store.StoredImage;
import dev.layerfs.oci.store.StoredLayer;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.LocalRegistry;
import dev.layerfs.oci.testing.OciLayouts;
import dev.layerfs.oci.testing.TcpProxy;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layerfs push} and {@code pull} against a real registry (Debian's {@code docker-registry}, plain HTTP on
 * loopback), checked against skopeo and against {@code image import}; a TCP proxy in front of the registry counts
 * the bytes, drops a connection or flips a byte.
 */
class RegistryCommandTest {
  /** The size of the random (incompressible) file of the base layer, large enough to cut a transfer in. */
  private static final int BIG = 1_000_000;

  @RegisterExtension
  static final LocalRegistry registry = LocalRegistry.plainHttp();

  @TempDir Path temp;

  /** A store with {@code app:2}: two imported layers, one big, and a third committed from a container. */
  private Cli committedImage() throws IOException {
    byte[] random = new byte[BIG];
    new Random(42).nextBytes(random);
    OciLayouts.write(temp.resolve("base"), "1", Compression.GZIP, List.of(
        new LayerTar().dir("etc").file("etc/motd", "hello\n").dir("data").file(LayerTar.utf8("data/random"), random,
            0644),
        new LayerTar().dir("etc").file("etc/hostname", "base\n").symlink("etc/link", "motd")));
    Cli cli = new Cli(temp.resolve("store"));
    cli.run("image", "import", temp.resolve("base").toString());
    cli.run("container", "create", "base:1", "c");
    Path upper = LayerStore.open(cli.root()).container("c").upper();
    Files.writeString(Files.createDirectories(upper.resolve("srv")).resolve("committed.txt"), "changed in c\n");
    cli.run("commit", "c", "app:2");
    return cli;
  }

  @Test
  void aCommittedImagePushedAndPulledIntoAnEmptyStoreIsTheSameAndSkopeoAgrees() throws IOException {
    Cli cli = committedImage();
    String ref = registry.address() + "/team/app:2";
    String digest = cli.run("push", "app:2", ref).strip();
    StoredImage pushed = LayerStore.open(cli.root()).image("app:2");
    assertEquals(pushed.manifestDigest().toString(), digest, "the manifest goes as stored");

    Cli empty = new Cli(temp.resolve("pulled"));
    String out = empty.run("pull", ref);
    assertTrue(out.contains("Pulled image: " + ref) && out.contains("Digest: " + digest), out);
    assertSameImage(cli, "app:2", empty, ref);

    JsonNode inspected = OutputOptions.json().readTree(
        Tool.run(temp, "skopeo", "inspect", "--tls-verify=false", "docker://" + ref));
    assertEquals(digest, inspected.path("Digest").asText());
    List<String> layers = new ArrayList<>();
    inspected.path("Layers").forEach(layer -> layers.add(layer.asText()));
    assertEquals(pushed.manifest().layers().stream().map(layer -> layer.digest().toString()).toList(), layers);

    Tool.run(temp, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", "docker://" + ref,
        "oci:" + temp.resolve("by-skopeo") + ":2");
    Descriptor copied = ImageIndex.fromJson(Files.readAllBytes(temp.resolve("by-skopeo/index.json")))
        .manifests().getFirst();
    assertEquals(digest, copied.digest().toString(), "skopeo copied the manifest as it was pushed");
  }

  @Test
  void anImageSkopeoPushedPullsAsImportingItsLayoutDoes() throws IOException {
    OciLayouts.write(temp.resolve("layout"), "1", Compression.GZIP, List.of(
        new LayerTar().dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\n").hardlink("usr/bin/t2",
            "usr/bin/tool"),
        new LayerTar().whiteout("usr/bin/t2").file("usr/bin/new", "new\n")));
    String ref = registry.address() + "/by/skopeo:1";
    Tool.run(temp, "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
        "oci:" + temp.resolve("layout") + ":1", "docker://" + ref);

    Cli pulled = new Cli(temp.resolve("pulled"));
    pulled.run("pull", ref, "--progress", "plain");
    Cli imported = new Cli(temp.resolve("imported"));
    imported.run("image", "import", temp.resolve("layout").toString());
    assertSameImage(imported, "layout:1", pulled, ref);

    String docker = registry.address() + "/by/skopeo:v2s2";
    Tool.run(temp, "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false", "--format", "v2s2",
        "oci:" + temp.resolve("layout") + ":1", "docker://" + docker);
    pulled.run("pull", docker);
    StoredImage v2s2 = LayerStore.open(pulled.root()).image(docker);
    StoredImage oci = LayerStore.open(imported.root()).image("layout:1");
    assertEquals(MediaTypes.DOCKER_MANIFEST, v2s2.manifestDescriptor().mediaType());
    assertEquals(oci.diffIds(), v2s2.diffIds(), "a Docker v2 schema 2 manifest of the same layers");
    assertEquals(LayerStore.open(pulled.root()).layersOf(v2s2), LayerStore.open(pulled.root()).layersOf(
        LayerStore.open(pulled.root()).image(ref)), "layers the store has are shared, not unpacked again");
  }

  @Test
  void aSecondPullTransfersNoLayerBytes() throws IOException {
    Cli cli = committedImage();
    cli.run("push", "app:2", registry.address() + "/again/app:2");
    try (TcpProxy proxy = new TcpProxy(registry.port())) {
      String ref = proxy.address() + "/again/app:2";
      Cli other = new Cli(temp.resolve("pulled"));
      other.run("pull", ref);
      long first = proxy.bytesToClient();
      assertTrue(first > BIG, "the first pull downloads the layers: " + first);

      Cli.Run second = other.exec("pull", ref, "--progress", "plain");
      assertEquals(0, second.exit(), second.err());
      long again = proxy.bytesToClient() - first;
      assertTrue(again < 10_000, "the second pull asks for the manifest only: " + again + " bytes");
      assertEquals(3, second.err().split("already stored", -1).length - 1, second.err());
      assertFalse(second.err().contains("downloading"), second.err());
    }
  }

  @Test
  void blobsAnotherRepositoryOfTheRegistryHasAreMountedNotSent() throws IOException {
    Cli cli = committedImage();
    try (TcpProxy proxy = new TcpProxy(registry.port())) {
      String base = proxy.address() + "/base/app:2";
      cli.run("image", "tag", "app:2", base);
      cli.run("push", base);
      long sentBefore = proxy.bytesToServer();
      assertTrue(sentBefore > BIG, "the first push sends the layers: " + sentBefore);

      Cli.Run push = cli.exec("push", "app:2", proxy.address() + "/derived/app:2", "--progress", "plain");
      assertEquals(0, push.exit(), push.err());
      long sent = proxy.bytesToServer() - sentBefore;
      assertTrue(sent < 20_000, "mounts and the manifest only: " + sent + " bytes\n" + push.err());
      assertEquals(4, push.err().split("mounted from " + proxy.address() + "/base/app", -1).length - 1, push.err());

      Cli.Run again = cli.exec("push", "app:2", proxy.address() + "/derived/app:2", "--progress", "plain");
      assertEquals(4, again.err().split("already in " + proxy.address() + "/derived/app", -1).length - 1,
          again.err());
    }
  }

  @Test
  void aPullCutOffMidLayerResumesAndIsVerified() throws IOException {
    Cli cli = committedImage();
    cli.run("push", "app:2", registry.address() + "/resume/app:2");
    try (TcpProxy proxy = new TcpProxy(registry.port())) {
      proxy.cutAfter(300_000);
      Cli other = new Cli(temp.resolve("pulled"));
      other.run("pull", proxy.address() + "/resume/app:2");
      long sent = proxy.bytesToClient();
      assertTrue(sent < BIG + 150_000, "resumed with a Range request rather than sending the first 300 kB again: "
          + sent + " bytes");
      assertSameImage(cli, "app:2", other, proxy.address() + "/resume/app:2");
    }
  }

  @Test
  void aCorruptedBlobFailsTheDigestAndLeavesNoTraceInTheStore() throws IOException {
    Cli cli = committedImage();
    cli.run("push", "app:2", registry.address() + "/corrupt/app:2");
    StoredImage image = LayerStore.open(cli.root()).image("app:2");
    try (TcpProxy proxy = new TcpProxy(registry.port())) {
      proxy.corruptAfter(300_000);
      Cli other = new Cli(temp.resolve("pulled"));
      Cli.Run run = other.exec("pull", proxy.address() + "/corrupt/app:2");
      assertEquals(1, run.exit(), run.err());
      String big = image.manifest().layers().getFirst().digest().toString();
      assertTrue(run.err().contains("corrupt/app@" + big + ": digest mismatch"), run.err());
      assertEquals(List.of(), other.list("blobs/sha256"), "no blob is stored");
      assertEquals(List.of(), other.list("layers/sha256"), "no layer is stored");
      assertEquals(List.of(), other.list("tmp"), "no download is left behind");
      assertEquals("", other.run("image", "ls", "-q"), "no image is named");
    }
  }

  @Test
  void anUnknownTagOrRepositoryIsAnErrorNamingTheReference() throws IOException {
    Cli cli = committedImage();
    cli.run("push", "app:2", registry.address() + "/known/app:2");
    Cli.Run tag = cli.exec("pull", registry.address() + "/known/app:nope");
    assertEquals(1, tag.exit());
    assertTrue(tag.err().contains("layerfs pull: " + registry.address() + "/known/app:nope: manifest not found"),
        tag.err());
    assertTrue(tag.err().contains("MANIFEST_UNKNOWN"), tag.err());

    Cli.Run repository = cli.exec("pull", registry.address() + "/no/such-repo:1");
    assertEquals(1, repository.exit());
    assertTrue(repository.err().contains(registry.address() + "/no/such-repo:1: manifest not found"),
        repository.err());

    Cli.Run image = cli.exec("push", "no-such-image", registry.address() + "/known/app:3");
    assertEquals(1, image.exit());
    assertTrue(image.err().contains("no-such-image: no such image"), image.err());

    Cli.Run bad = cli.exec("pull", "Upper/Case:1");
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("invalid image reference 'Upper/Case:1'"), bad.err());
  }

  @Test
  void aFullDiskFailsThePullNamingWhereAndNamesNoImage() throws IOException {
    Cli cli = committedImage();
    cli.run("push", "app:2", registry.address() + "/full/app:2");
    Path small = Files.createDirectory(temp.resolve("small-disk"));
    Tool.run(temp, "mount", "-t", "tmpfs", "-o", "size=600k", "layerfs-test", small.toString());
    try {
      Cli full = new Cli(small.resolve("store"));
      Cli.Run run = full.exec("pull", registry.address() + "/full/app:2");
      assertEquals(1, run.exit(), run.err());
      assertTrue(run.err().contains("No space left on device") && run.err().contains(small.toString()), run.err());
      assertEquals("", full.run("image", "ls", "-q"), "no image is named");
      assertEquals(List.of(), full.list("tmp"), "no download is left behind");
    } finally {
      Tool.run(temp, "umount", small.toString());
    }
  }

  @Test
  void anUnreachableRegistryIsAnErrorNamingIt() throws IOException {
    String closed = "127.0.0.1:" + LocalRegistry.freePort();
    Cli.Run run = new Cli(temp.resolve("store")).exec("pull", closed + "/team/app:1");
    assertEquals(1, run.exit());
    assertTrue(run.err().contains("layerfs pull: registry " + closed + " is unreachable"), run.err());
  }

  /** Same image ID, manifest, diff IDs and unpacked layers in two stores. */
  private static void assertSameImage(Cli expectedStore, String expectedName, Cli actualStore, String actualName)
      throws IOException {
    LayerStore expected = LayerStore.open(expectedStore.root());
    LayerStore actual = LayerStore.open(actualStore.root());
    StoredImage a = expected.image(expectedName);
    StoredImage b = actual.image(actualName);
    assertEquals(a.id(), b.id());
    assertEquals(a.manifestDigest(), b.manifestDigest());
    assertEquals(a.diffIds(), b.diffIds());
    List<StoredLayer> as = expected.layersOf(a);
    List<StoredLayer> bs = actual.layersOf(b);
    for (int i = 0; i < as.size(); i++) {
      TreeListing left = TreeListing.of(as.get(i).directory());
      TreeListing right = TreeListing.of(bs.get(i).directory());
      assertEquals(left, right, left.diff(right, expectedName, actualName));
    }
  }
}
