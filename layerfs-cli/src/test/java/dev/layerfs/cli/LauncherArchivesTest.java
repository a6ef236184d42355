package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class data archives, as an installed build uses them (the other tests run the launcher on their
 * class path, without archives): which command makes which archive, and that a stale or broken archive is remade
 * rather than breaking the command. The build is this test's class path packed as the launcher expects it, the CLI's
 * jar and its {@code lib}, since the JVM archives classes only from jars.
 */
class LauncherArchivesTest {
  @TempDir Path tmp;
  private Path launcher;
  private Path target;
  private Path cwd;

  @BeforeEach
  void build() throws IOException {
    Path project = Files.createDirectories(tmp.resolve("project"));
    launcher = Files.copy(Launcher.projectLauncher(), project.resolve("layerfs"));
    Files.createDirectories(project.resolve("scripts"));
    Files.copy(Launcher.projectLauncher().resolveSibling("scripts/java-home"), project.resolve("scripts/java-home"));
    target = project.resolve("layerfs-cli/target");
    Path lib = Files.createDirectories(target.resolve("lib"));
    Path cliClasses = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    jar(cliClasses, target.resolve("layerfs-cli-0.jar"));
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(":")) {
      Path p = Path.of(entry);
      if (p.equals(cliClasses) || p.toString().contains("/test-classes")) {
        continue;
      }
      Path into = lib.resolve(n++ + "-" + p.getFileName() + (Files.isDirectory(p) ? ".jar" : ""));
      if (Files.isDirectory(p)) {
        jar(p, into);
      } else {
        Files.copy(p, into);
      }
    }
    cwd = Files.createDirectories(tmp.resolve("cwd"));
  }

  @Test
  void commandsThatLoadMuchOfTheirOwnHaveArchivesOfTheirOwn() throws Exception {
    String version = run("--version");
    assertTrue(Files.size(target.resolve("layerfs.jsa")) > 0);
    assertFalse(Files.exists(target.resolve("layerfs-image.jsa")));
    Path store = tmp.resolve("store");
    run("image", "ls", "--root", store.toString());
    assertTrue(Files.size(target.resolve("layerfs-image.jsa")) > 0);
    FileTime made = Files.getLastModifiedTime(target.resolve("layerfs.jsa"));
    assertEquals(version, run("--version"));
    assertEquals(made, Files.getLastModifiedTime(target.resolve("layerfs.jsa")), "an archive is made once");
    assertEquals(List.of(), listing(cwd), "nothing is left in the caller's directory");
  }

  @Test
  void aBrokenArchiveIsMadeAgain() throws Exception {
    String version = run("--version");
    Path archive = target.resolve("layerfs.jsa");
    byte[] made = Files.readAllBytes(archive);
    for (String broken : List.of("", "not an archive")) {
      Files.writeString(archive, broken);
      assertEquals(version, run("--version"), "with an archive of '" + broken + "': no warning");
      byte[] again = Files.readAllBytes(archive);
      assertTrue(again.length > 4096 && Arrays.equals(made, 0, 4, again, 0, 4), "the archive was made again");
    }
  }

  @Test
  void aRebuildMakesTheArchivesAgain() throws Exception {
    run("--version");
    Path archive = target.resolve("layerfs.jsa");
    FileTime made = Files.getLastModifiedTime(archive);
    Files.setLastModifiedTime(target.resolve("layerfs-cli-0.jar"), FileTime.fromMillis(made.toMillis() + 60_000));
    run("--version");
    assertTrue(Files.getLastModifiedTime(archive).compareTo(made) > 0, "the archive predates the new jar");
  }

  private String run(String... args) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of(launcher.toString()), Stream.of(args)).toList())
        .directory(cwd.toFile());
    builder.environment().remove("LAYERFS_CLASSPATH");
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.redirectErrorStream(true);
    Process process = builder.start();
    try {
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "layerfs " + List.of(args) + " did not finish");
      assertEquals(0, process.exitValue(), "layerfs " + List.of(args) + ": " + out);
      return out;
    } finally {
      process.destroyForcibly();
    }
  }

  private static List<Path> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  private static void jar(Path classes, Path jar) throws IOException {
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
        Stream<Path> files = Files.walk(classes)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(p).toString()));
        Files.copy(p, out);
        out.closeEntry();
      }
    }
  }
}
