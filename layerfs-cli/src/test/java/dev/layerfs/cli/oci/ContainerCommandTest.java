package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerfs.cli.MountTable;
import dev.layerfs.oci.store.Container;
import dev.layerfs.oci.store.LayerStore;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.OciLayouts;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Containers on the command line: mount through {@code layerfs mount}, concurrent and interrupted commands. */
class ContainerCommandTest {
  @TempDir Path temp;

  private Path layout(String name, LayerTar... layers) {
    OciLayouts.write(temp.resolve(name), "1", Compression.GZIP, List.of(layers));
    return temp.resolve(name);
  }

  private static LayerTar base() {
    return new LayerTar().dir("etc").file("etc/motd", "hello\n").dir("bin").file("bin/sh", "#!\n");
  }

  /**
   * {@code container mount} runs {@code layerfs mount -o OPTIONS DIR}, the FUSE mount over the store's shared
   * layers, and prints and records the mountpoint; what is written through it lands in the container's upper dir.
   */
  @Test
  void mountRunsLayerfsMountWithTheContainersOptionsAndPrintsTheMountpoint() throws IOException {
    Cli cli = new Cli(temp.resolve("store"));
    cli.run("image", "import", layout("app", base()).toString());
    cli.run("container", "create", "app:1", "web");
    Path mountpoint = null;
    try {
      mountpoint = Path.of(cli.run("container", "mount", "web").strip());
      assertEquals(cli.root().resolve("containers/web/merged").toRealPath(), mountpoint);
      assertTrue(MountTable.isMountPoint(mountpoint));
      assertEquals("hello\n", Files.readString(mountpoint.resolve("etc/motd")));
      Files.writeString(mountpoint.resolve("etc/motd"), "changed\n");
      assertEquals(mountpoint.toString(), cli.run("container", "mount", "web").strip(), "mounting again is a no-op");

      JsonNode listed = OutputOptions.json().readTree(cli.run("ps", "--json")).get(0);
      assertEquals(mountpoint.toString(), listed.get("mountpoint").asText());
      Cli.Run rm = cli.exec("container", "rm", "web");
      assertEquals(1, rm.exit());
      assertTrue(rm.err().contains("umount"), rm.err());

      cli.run("container", "umount", "web");
      assertFalse(MountTable.isMountPoint(mountpoint));
      mountpoint = null;
      assertEquals("C /etc\nC /etc/motd\n", cli.run("container", "diff", "web"));
      assertTrue(OutputOptions.json().readTree(cli.run("ps", "--json")).get(0).get("mountpoint").isNull());
      cli.run("container", "rm", "web");
      assertEquals("", cli.run("ps", "-q"));
    } finally {
      if (mountpoint != null && MountTable.isMountPoint(mountpoint)) {
        Tool.run(null, "umount", mountpoint.toString());
      }
    }
  }

  /**
   * The mount command is this JVM again, with its class path, running {@code dev.layerfs.cli.Main mount}, so the
   * mount runs exactly the code that asked for it.
   */
  @Test
  void theMountCommandLineStartsThisCliInAChildJvm() throws IOException {
    MountLauncher launcher = MountLauncher.thisJvm();
    List<String> command = launcher.mountCommand("lowerdir=/l2:/l1,upperdir=/u,workdir=/w", Path.of("/mnt/c"));
    assertTrue(command.getFirst().endsWith("/bin/java"), command.toString());
    int main = command.indexOf("dev.layerfs.cli.Main");
    assertEquals(List.of("mount", "-o", "lowerdir=/l2:/l1,upperdir=/u,workdir=/w", "/mnt/c"),
        command.subList(main + 1, command.size()));
    assertEquals(System.getProperty("java.class.path"), command.get(command.indexOf("-cp") + 1));
    assertEquals(List.of("umount", "/mnt/c"), launcher.umountCommand(Path.of("/mnt/c")).subList(main + 1, main + 3));

    List<String> version = new ArrayList<>(command.subList(0, main + 1));
    version.add("--version");
    assertEquals("layerfs development\n", Tool.run(temp, version.toArray(String[]::new)));
  }

  @Test
  void theMountOptionsListTheImageLayersTopFirst() throws IOException {
    Cli cli = new Cli(temp.resolve("store"));
    cli.run("image", "import", layout("app", base(), new LayerTar().dir("srv").file("srv/x", "x")).toString());
    cli.run("container", "create", "app:1", "c");
    LayerStore store = LayerStore.open(cli.root());
    Container c = store.container("c");
    assertEquals(store.layersOf(store.image("app:1")).getLast().directory(), c.lowerDirs().getFirst());
    assertEquals("lowerdir=" + c.lowerDirs().get(0) + ":" + c.lowerDirs().get(1) + ",upperdir=" + c.upper()
        + ",workdir=" + c.work() + ",redirect_dir=on", c.mountOptions());
  }

  /** Two {@code layerfs image import} processes at once: both succeed, shared layers are stored once. */
  @Test
  void twoProcessesImportingAtOnceShareTheStore() throws Exception {
    Path root = temp.resolve("store");
    Path one = layout("one", big(1, 500), new LayerTar().file("one", "1"));
    Path two = layout("two", big(1, 500), new LayerTar().file("two", "2"));
    List<Process> processes = new ArrayList<>();
    for (Path source : List.of(one, two, one)) {
      processes.add(cli(root, "image", "import", source.toString()));
    }
    for (Process p : processes) {
      assertTrue(p.waitFor(300, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    Cli cli = new Cli(root);
    assertEquals(List.of("one:1", "two:1"), cli.run("image", "ls", "--json").lines().filter(l -> l.contains(":1\""))
        .map(l -> l.replaceAll(".*/library/([a-z]+:1)\".*", "$1")).sorted().toList());
    assertEquals(3, cli.list("layers/sha256").stream().filter(n -> !n.endsWith(".json")).count());
    assertEquals(List.of(), cli.list("tmp"));
    assertTrue(cli.run("gc").startsWith("Removed 0 layers and 0 blobs"));
  }

  /** An import killed while it unpacks leaves nothing half-visible, and running it again finishes it. */
  @Test
  void anImportKilledMidwayLeavesNothingHalfVisibleAndResumes() throws Exception {
    Path root = temp.resolve("store");
    Path source = layout("big", big(2, 1000), big(3, 1000));
    Process killed = cli(root, "image", "import", source.toString(), "--progress", "plain");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (killed.isAlive() && System.nanoTime() < deadline && !staging(root)) {
      Thread.sleep(5);
    }
    killed.destroyForcibly().waitFor();
    Cli cli = new Cli(root);
    assertEquals("", cli.run("image", "ls", "-q"), "no image appears before all its layers are stored");
    int layersBefore = (int) cli.list("layers/sha256").stream().filter(n -> !n.endsWith(".json")).count();
    assertTrue(layersBefore < 2, "killed while unpacking: " + cli.list("layers/sha256"));

    Cli.Run again = cli.exec("image", "import", source.toString(), "--progress", "plain");
    assertEquals(0, again.exit(), again.err());
    assertEquals(layersBefore, again.err().lines().filter(l -> l.contains("already stored")).count(), again.err());
    LayerStore store = LayerStore.open(root);
    LayerStore fresh = LayerStore.open(temp.resolve("fresh"));
    fresh.importImages(source, dev.layerfs.oci.store.ImportOptions.DEFAULTS, dev.layerfs.oci.store.Progress.NONE);
    for (var layer : store.layersOf(store.image("big:1"))) {
      TreeListing resumed = TreeListing.of(layer.directory());
      TreeListing clean = TreeListing.of(fresh.layer(layer.diffId()).orElseThrow().directory());
      assertEquals(clean, resumed, clean.diff(resumed, "fresh import", "resumed import"));
    }
    cli.run("gc");
    assertEquals(List.of(), cli.list("tmp"));
  }

  private static boolean staging(Path root) throws IOException {
    Path tmp = root.resolve("tmp");
    if (!Files.isDirectory(tmp)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(tmp)) {
      return entries.anyMatch(p -> p.getFileName().toString().startsWith("layer-"));
    }
  }

  /** A layer of a few thousand files of random bytes, slow enough to be caught unpacking. */
  private static LayerTar big(int seed, int files) {
    Random random = new Random(seed);
    LayerTar tar = new LayerTar().dir("data" + seed);
    for (int i = 0; i < files; i++) {
      byte[] content = new byte[4096 + random.nextInt(8192)];
      random.nextBytes(content);
      tar.file(LayerTar.utf8("data" + seed + "/f" + i), content, 0644);
    }
    return tar;
  }

  /** Starts {@code layerfs ARGS --root ROOT} as another process, as a user in another shell would. */
  private static Process cli(Path root, String... args) throws IOException {
    List<String> command = new ArrayList<>(MountLauncher.thisJvm().mountCommand("", Path.of("/")));
    command = new ArrayList<>(command.subList(0, command.indexOf("dev.layerfs.cli.Main") + 1));
    command.addAll(List.of(args));
    command.addAll(List.of("--root", root.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
  }
}
