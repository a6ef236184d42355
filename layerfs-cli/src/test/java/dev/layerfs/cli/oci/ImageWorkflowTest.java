package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.nio.OverlayFs;
import dev.layerfs.oci.store.Container;
import dev.layerfs.oci.store.LayerStore;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker's storage trick end to end with real tools: a root filesystem generated here is packed with umoci,
 * imported, shared by two containers, changed through the NIO view, committed, exported, converted by skopeo to a
 * docker-archive and back, and unpacked by umoci; the result is the tree the container showed, byte for byte,
 * xattrs, owners, links and devices included. The kernel mounts the store's layers as umoci unpacks them.
 */
class ImageWorkflowTest {
  /** Overlay xattrs are the overlay's business; everything else in a tree is compared. */
  private static final java.util.function.Predicate<String> FILE_XATTRS = x -> !x.startsWith("trusted.overlay.");
  private static final Set<String> ROOT = Set.of("/");

  @TempDir static Path shared;
  static Path layout;

  @TempDir Path temp;

  /** A small root filesystem with one of everything a real one has. */
  static final String ROOTFS = String.join("\n",
      "mkdir -p etc usr/bin usr/lib home/alice tmp dev var/log var/cache/apt deep/a/b/c/d",
      "echo 'root:x:0:0::/root:/bin/sh' > etc/passwd && setfattr -n user.comment -v 0x00ff0102 etc/passwd",
      "printf secret > etc/shadow && chmod 0600 etc/shadow && chown 0:42 etc/shadow",
      "printf '\\177ELF binary' > usr/bin/ping && chmod 4755 usr/bin/ping",
      "setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 usr/bin/ping",
      "ln usr/bin/ping usr/bin/ping6 && ln -s ping usr/bin/pong && ln -s /etc/passwd etc/passwd.link",
      "ln -s missing dangling && printf lib > usr/lib/libfoo.so && echo cached > var/cache/apt/pkgcache",
      "mkfifo dev/initctl && mknod dev/null c 1 3 && mknod dev/sda b 8 0 && chmod 0660 dev/sda",
      "echo notes > home/alice/notes && chown -R 1234:5678 home/alice && chmod 0700 home/alice",
      "chmod 1777 tmp && setfattr -n user.dir -v hello home && touch empty && chmod 0444 empty",
      "printf latin > $'caf\\xe9' && mkdir $'dir-\\xff' && echo inside > $'dir-\\xff/in\\xfe'",
      "echo deep > deep/a/b/c/d/file",
      "truncate -s 4M var/log/sparse && printf data | dd of=var/log/sparse bs=4096 seek=500 conv=notrunc status=none",
      "touch -h -d '2001-02-03 04:05:06.123456789' usr/bin/pong etc/passwd");

  /** A second layer made by umoci: deletions, a replaced directory, a new file. */
  static final String SECOND_LAYER = String.join("\n",
      "rm etc/passwd.link && rm -r var/cache/apt && mkdir var/cache/apt && echo fresh > var/cache/apt/new",
      "echo more >> etc/passwd && echo added > etc/hostname");

  @BeforeAll
  static void packWithUmoci() throws IOException {
    Path tree = Files.createDirectory(shared.resolve("tree"));
    Tool.bash(tree, ROOTFS);
    layout = shared.resolve("layout");
    Tool.run(shared, "umoci", "init", "--layout", layout.toString());
    Tool.run(shared, "umoci", "new", "--image", layout + ":1");
    Tool.run(shared, "umoci", "unpack", "--image", layout + ":1", "bundle");
    Tool.run(shared, "cp", "-a", tree + "/.", "bundle/rootfs/");
    Tool.run(shared, "umoci", "repack", "--refresh-bundle", "--image", layout + ":1", "bundle");
    Tool.bash(shared.resolve("bundle/rootfs"), SECOND_LAYER);
    Tool.run(shared, "umoci", "repack", "--image", layout + ":1", "bundle");
  }

  @Test
  void aUmociImageGoesThroughTheStoreAndBackUnchangedButForTheContainersChanges() throws IOException {
    Cli cli = new Cli(temp.resolve("store"));
    assertTrue(cli.run("image", "import", layout.toString()).contains("Loaded image: layout:1"));
    LayerStore store = LayerStore.open(cli.root());

    cli.run("container", "create", "layout:1", "c1");
    cli.run("container", "create", "layout:1", "c2");
    Container c1 = store.container("c1");
    Container c2 = store.container("c2");
    assertEquals(2, cli.list("layers/sha256").stream().filter(n -> !n.endsWith(".json")).count(),
        "two image layers, stored once for the image and both containers");
    assertEquals(c1.lowerDirs(), c2.lowerDirs());
    JsonNode df = OutputOptions.json().readTree(cli.run("df", "--json"));
    assertEquals(3 * df.get("layerBytes").asLong(), df.get("unsharedLayerBytes").asLong(),
        "one image and two containers share one copy of the layers");

    changeThroughTheNioView(c1);
    TreeListing expected = mergedView(c1);

    String id = cli.run("commit", "c1", "layout:2").strip();
    assertTrue(id.startsWith("sha256:"), id);
    String diff = cli.run("container", "diff", "c1");
    assertTrue(diff.contains("D /etc/shadow\n") && diff.contains("A /home/bob\n") && diff.contains("D /home/alice\n"),
        diff);

    cli.run("image", "export", "layout:2", temp.resolve("exported").toString());
    Tool.run(temp, "skopeo", "copy", "oci:exported:2", "docker-archive:converted.tar:layout:2");
    Tool.run(temp, "skopeo", "copy", "docker-archive:converted.tar", "oci:back:back");
    Tool.run(temp, "umoci", "unpack", "--image", "back:back", "unpacked");
    TreeListing unpacked = listing(temp.resolve("unpacked/rootfs"));
    assertEquals(expected, unpacked, expected.diff(unpacked, "container c1", "committed, exported, unpacked"));

    Cli other = new Cli(temp.resolve("other-store"));
    assertTrue(other.run("image", "import", temp.resolve("converted.tar").toString())
        .contains("Loaded image: layout:2"));
    Container again = LayerStore.open(other.root()).createContainer("layout:2", "again");
    TreeListing reimported = mergedView(again);
    assertEquals(expected, reimported, expected.diff(reimported, "container c1", "docker-archive re-imported"));

    cli.run("image", "export", "layout:2", temp.resolve("saved.tar").toString(), "--format", "docker-archive");
    Tool.run(temp, "skopeo", "copy", "docker-archive:saved.tar", "oci:saved:s");
    Tool.run(temp, "umoci", "unpack", "--image", "saved:s", "saved-unpacked");
    TreeListing saved = listing(temp.resolve("saved-unpacked/rootfs"));
    assertEquals(expected, saved, expected.diff(saved, "container c1", "our docker-archive unpacked by umoci"));
  }

  @Test
  void theKernelMountsTheStoredLayersAsUmociUnpacksThem() throws IOException {
    Cli cli = new Cli(temp.resolve("store"));
    cli.run("image", "import", layout.toString());
    Tool.run(shared, "umoci", "unpack", "--image", layout + ":1", temp.resolve("umoci").toString());
    TreeListing byUmoci = listing(temp.resolve("umoci/rootfs"));

    Container c = LayerStore.open(cli.root()).createContainer("layout:1", "k");
    String lowers = String.join(":", c.lowerDirs().stream().map(Path::toString).toList());
    assertEquals(2, c.lowerDirs().size(), "the kernel needs two lower layers for a mount without upper");
    try (KernelOverlay mount = KernelOverlay.mount("lowerdir=" + lowers, temp.resolve("kernel"))) {
      TreeListing byKernel = listing(mount.path());
      assertEquals(byUmoci, byKernel, byUmoci.diff(byKernel, "umoci unpack", "mount -t overlay of the layers"));
    }
  }

  @Test
  void historyShowsWhatEachLayerDidAndWhatItWastes() throws IOException {
    Cli cli = new Cli(temp.resolve("store"));
    cli.run("image", "import", layout.toString());
    JsonNode history = OutputOptions.json().readTree(cli.run("image", "history", "layout:1", "--json"));
    assertEquals(2, history.size());
    JsonNode second = history.get(1);
    assertEquals("cached\n".length(), second.get("deleted").asLong(), "the replaced apt cache: " + second);
    assertEquals("added\n".length() + "fresh\n".length(), second.get("added").asLong(), second.toString());
    assertTrue(history.get(0).get("wasted").asLong() >= "cached\n".length() + "root:x:0:0::/root:/bin/sh\n".length(),
        history.toString());
    String table = cli.run("image", "history", "layout:1");
    assertTrue(table.contains("WASTED") && table.contains("umoci"), table);
  }

  /** Add, change, delete, a directory replaced by a file and a file by a directory, a renamed lower directory. */
  private static void changeThroughTheNioView(Container container) throws IOException {
    try (FileSystem fs = OverlayFs.builder().lower(container.lowerDirs().toArray(Path[]::new))
        .upper(container.upper()).work(container.work()).build()) {
      Path root = fs.getPath("/");
      Files.writeString(root.resolve("etc/motd"), "added through the view\n");
      Files.writeString(root.resolve("etc/passwd"), "alice:x:1234:5678::/home/bob:/bin/sh\n",
          StandardOpenOption.APPEND);
      Files.delete(root.resolve("etc/shadow"));
      deleteTree(root.resolve("deep"));
      Files.writeString(root.resolve("deep"), "a file where a tree was\n");
      Files.delete(root.resolve("usr/lib/libfoo.so"));
      Files.createDirectory(root.resolve("usr/lib/libfoo.so"));
      Files.writeString(root.resolve("usr/lib/libfoo.so/now-a-dir"), "x");
      Files.move(root.resolve("home/alice"), root.resolve("home/bob"));
      Files.writeString(root.resolve("home/bob/more-notes"), "moved and extended\n");
      Files.createLink(root.resolve("usr/bin/ping-link"), root.resolve("usr/bin/ping"));
      Files.getFileAttributeView(root.resolve("var/log/sparse"), UserDefinedFileAttributeView.class)
          .write("origin", ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}));
      Files.setPosixFilePermissions(root.resolve("empty"), PosixFilePermissions.fromString("rw-r-----"));
      deleteTree(root.resolve("var/cache"));
      Files.createDirectories(root.resolve("var/cache/new"));
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The merged view of a container, seen through the kernel's overlay. */
  private TreeListing mergedView(Container container) throws IOException {
    try (KernelOverlay mount = KernelOverlay.mount(container.mountOptions(),
        temp.resolve("view-" + container.name()))) {
      return listing(mount.path());
    }
  }

  private static TreeListing listing(Path root) {
    return TreeListing.of(root, true, FILE_XATTRS).without(ROOT);
  }
}
