package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.layer.LayerApply;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Xattrs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code layerfs layer diff} and {@code layer apply} on the command line, as root and as nobody. */
class LayerCommandTest {
  @TempDir Path temp;

  private Path upper() throws IOException {
    Path upper = temp.resolve("upper");
    LayerApply.builder().build().apply(new ByteArrayInputStream(new LayerTar()
        .dir("etc").file("etc/conf", "v2").whiteout("etc/old").dir("var").opaque("var").file("var/new", "n")
        .bytes()), upper);
    return upper;
  }

  @Test
  void aDiffOnStdoutAppliesBackToTheSameLayer() throws IOException {
    Path upper = upper();
    Cli.Run diff = Cli.raw("layer", "diff", upper.toString());
    assertEquals(0, diff.exit(), diff.err());
    assertTrue(diff.err().startsWith("diff ID sha256:"), diff.err());
    Files.write(temp.resolve("layer.tar"), diff.outBytes());
    assertTrue(Tool.run(temp, "tar", "-tf", "layer.tar").contains("etc/.wh.old"));

    Cli.Run apply = Cli.raw("layer", "apply", temp.resolve("layer.tar").toString(), temp.resolve("again").toString());
    assertEquals(0, apply.exit(), apply.err());
    TreeListing original = TreeListing.of(upper).without(Set.of("/"));
    TreeListing again = TreeListing.of(temp.resolve("again")).without(Set.of("/"));
    assertEquals(original, again, original.diff(again, "upper", "diffed and applied"));
  }

  @Test
  void writesCompressedFilesWithFixedTimesReproducibly() throws IOException {
    Path upper = upper();
    for (String name : List.of("one.tar.zst", "two.tar.zst")) {
      Cli.Run run = Cli.raw("layer", "diff", upper.toString(), "-o", temp.resolve(name).toString(),
          "--compress", "zstd", "--timestamp", "2020-01-01T00:00:00Z");
      assertEquals(0, run.exit(), run.err());
      Tool.run(temp, "touch", upper.resolve("etc/conf").toString());
    }
    assertArrayEquals(Files.readAllBytes(temp.resolve("one.tar.zst")), Files.readAllBytes(temp.resolve("two.tar.zst")));
    String listing = Tool.bash(temp, "zstd -dc one.tar.zst | tar -tv --full-time");
    assertTrue(listing.lines().allMatch(l -> l.contains("2020-01-01 00:00:00")), listing);
  }

  @Test
  void aHostileLayerFailsNamingTheEntryAndCreatesNothing() throws IOException {
    new LayerTar().symlink("escape", "/etc").file("escape/pwned", "x").writeTo(temp.resolve("evil.tar"));
    Cli.Run run = Cli.raw("layer", "apply", temp.resolve("evil.tar").toString(), temp.resolve("target").toString());
    assertEquals(1, run.exit());
    assertTrue(run.err().contains("escape/pwned") && run.err().contains("symlink"), run.err());
    assertFalse(Files.exists(temp.resolve("target")));
    assertFalse(Files.exists(Path.of("/etc/pwned")));
  }

  @Test
  void aRenamedDirectoryNeedsTheLowerLayersAndSaysSo() throws IOException {
    Path upper = upper();
    Xattrs.set(Posix.AT_FDCWD, Names.bytes(upper.resolve("var").toString()), "trusted.overlay.opaque", new byte[0], 0);
    Xattrs.set(Posix.AT_FDCWD, Names.bytes(upper.resolve("var").toString()), "trusted.overlay.redirect",
        "/srv".getBytes(), 0);
    Cli.Run run = Cli.raw("layer", "diff", upper.toString(), "-o", temp.resolve("out.tar").toString());
    assertEquals(1, run.exit());
    assertTrue(run.err().contains("--lower") && run.err().contains("var"), run.err());
    assertFalse(Files.exists(temp.resolve("out.tar")), "no partial output");
  }

  /**
   * Without root a layer keeps its opaque marks in {@code user.overlay.*} (the {@code userxattr} option) and a
   * device node is refused; the CLI runs as nobody in a child JVM.
   */
  @Test
  void asNobodyOpaqueDirectoriesUseUserXattrsAndDevicesAreRefused() throws IOException {
    Path world = Files.createTempDirectory("layerfs-rootless-");
    try {
      Files.setPosixFilePermissions(world, PosixFilePermissions.fromString("rwxrwxrwx"));
      String classPath = worldReadableClassPath(world.resolve("cp"));
      new LayerTar().dir("var").opaque("var").file("var/new", "n").whiteout("gone").writeTo(world.resolve("ok.tar"));
      new LayerTar().dir("dev").charDevice("dev/null", 1, 3).writeTo(world.resolve("dev.tar"));
      Tool.run(world, "chmod", "0644", "ok.tar", "dev.tar");

      Tool.Result ok = asNobody(classPath, "layer", "apply", world.resolve("ok.tar").toString(),
          world.resolve("ok").toString());
      assertEquals(0, ok.exit(), ok.stderr());
      assertEquals("y", new String(Xattrs.get(Posix.AT_FDCWD, Names.bytes(world.resolve("ok/var").toString()),
          "user.overlay.opaque")));
      assertTrue(Posix.lstatat(Posix.AT_FDCWD, Names.bytes(world.resolve("ok/gone").toString())).isCharDevice(),
          "unprivileged users may make whiteouts");

      Tool.Result dev = asNobody(classPath, "layer", "apply", world.resolve("dev.tar").toString(),
          world.resolve("dev").toString());
      assertEquals(1, dev.exit());
      assertTrue(dev.stderr().contains("dev/null") && dev.stderr().contains("needs root"), dev.stderr());
      assertFalse(Files.exists(world.resolve("dev")));
    } finally {
      Tool.run(null, "rm", "-rf", world.toString());
    }
  }

  private static Tool.Result asNobody(String classPath, String... args) {
    List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
        "-Dsun.jnu.encoding=UTF-8", "-cp", classPath, "dev.layerfs.cli.Main"));
    command.addAll(List.of(args));
    return Tool.exec(Path.of("/"), command);
  }

  /** A copy of this JVM's class path that nobody can read (the build's own may sit under /root). */
  private static String worldReadableClassPath(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String entry : System.getProperty("java.class.path").split(":")) {
      Path source = Path.of(entry);
      if (!Files.exists(source)) {
        continue;
      }
      Path copy = dir.resolve(i++ + "-" + source.getFileName());
      Tool.run(null, "cp", "-r", source.toString(), copy.toString());
      entries.add(copy.toString());
    }
    Tool.run(null, "chmod", "-R", "a+rX", dir.toString());
    return String.join(":", entries);
  }
}
