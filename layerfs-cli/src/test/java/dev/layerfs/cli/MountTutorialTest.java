package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed tutorial's seven steps with real shell tools, once on the kernel's overlayfs and once on a layerfs mount
 * made by the {@code layerfs} command (a daemon in its own JVM): every command prints the same, and the raw layers
 * left behind are the same, byte for byte, as the kernel leaves them.
 */
class MountTutorialTest {
  @TempDir Path tmp;
  private Launcher launcher;

  @BeforeEach
  void launcher() throws Exception {
    launcher = new Launcher(tmp);
  }

  @AfterEach
  void nothingLeft() throws Exception {
    assertEquals(List.of(), Launcher.cleanUp(tmp), "left behind");
  }

  /** The tutorial, with {@code MOUNT} for step 3's mount command; each step's output is marked. */
  private static final String TUTORIAL = """
      set -e
      mkdir overlayfs
      cd overlayfs
      mkdir -p lower upper work merged
      echo "== step 2"
      echo "hello from lower" > lower/file1.txt
      ls lower
      echo "== step 3"
      MOUNT -o lowerdir=./lower,upperdir=./upper,workdir=./work ./merged
      ls merged
      cat merged/file1.txt
      echo "== step 4"
      echo "hello from upper" > merged/file2.txt
      ls lower
      ls upper
      ls merged
      echo "== step 5"
      echo "changed in merged" > merged/file1.txt
      cat lower/file1.txt
      cat upper/file1.txt
      echo "== step 6"
      rm merged/file1.txt
      ls merged
      ls lower
      ls -l upper | awk '{print $1, $NF}'
      echo "== step 7"
      umount merged
      ls merged
      ls lower upper
      """;

  @Test
  void theSevenStepsLeaveWhatTheKernelLeaves() throws Exception {
    Path kernel = Files.createDirectory(tmp.resolve("kernel"));
    Path layerfs = Files.createDirectory(tmp.resolve("layerfs"));
    String expected = launcher.shOk(kernel, TUTORIAL.replace("MOUNT", "mount -t overlay overlay"));
    String actual = launcher.shOk(layerfs, TUTORIAL.replace("MOUNT", "layerfs mount"));
    assertEquals(expected, actual);
    assertTrue(actual.contains("c--------- file1.txt"), actual);
    awaitDaemonsGone(layerfs);

    Path k = kernel.resolve("overlayfs");
    Path l = layerfs.resolve("overlayfs");
    assertEquals(TreeSnapshot.ofDisk(k.resolve("lower"), List.of()).lines(),
        TreeSnapshot.ofDisk(l.resolve("lower"), List.of()).lines());
    assertEquals(TreeSnapshot.ofDisk(k.resolve("upper"), List.of(k.resolve("lower"))).lines(),
        TreeSnapshot.ofDisk(l.resolve("upper"), List.of(l.resolve("lower"))).lines());
    assertEquals(workLayout(k.resolve("work")), workLayout(l.resolve("work")));
  }

  /** The work dir with its temporary names ({@code #hex}, a global counter) made comparable. */
  private static java.util.Map<String, String> workLayout(Path work) throws Exception {
    java.util.Map<String, String> layout = new java.util.TreeMap<>();
    TreeSnapshot.ofDisk(work, List.of()).lines().forEach((path, line) ->
        layout.put(path.replaceAll("#[0-9a-f]+", "#N"), line.replaceAll("#[0-9a-f]+", "#N")
            .replaceAll(" links \\[.*\\]", "")));
    return layout;
  }

  /** A plain {@code umount} does not wait for the daemon; the test does, so it leaves no process behind. */
  static void awaitDaemonsGone(Path root) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!Launcher.daemonsUnder(root).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(List.of(), Launcher.daemonsUnder(root), "daemons still running after umount");
  }
}
