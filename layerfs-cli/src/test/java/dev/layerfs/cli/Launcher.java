package dev.layerfs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code layerfs} command as a user runs it, for tests: the project's launcher script, run from a scratch
 * directory on the test's class path (the mount fast path and the command JVM, daemons included), and shell
 * scripts run with real tools. {@link #cleanUp}
 * unmounts whatever is still mounted under the scratch directory and ends the daemons it recorded, so a failing
 * test leaves neither mounts nor processes behind.
 */
final class Launcher {
  record Result(int status, String out, String err) {
    String all() {
      return out + err;
    }
  }

  final Path bin;
  final Path layerfs;

  Launcher(Path scratch) throws IOException {
    this(scratch, false);
  }

  /**
   * @param readableByAll copy the class path into the scratch directory, for users that cannot read this user's
   *     build and repository directories
   */
  Launcher(Path scratch, boolean readableByAll) throws IOException {
    this.bin = Files.createDirectories(scratch.resolve("bin"));
    String classPath = readableByAll ? copyClassPath(scratch.resolve("cp")) : System.getProperty("java.class.path");
    this.layerfs = bin.resolve("layerfs");
    // The project's own launcher script, copied so that any user can run it; with LAYERFS_CLASSPATH it runs these
    // classes as they are (no build, no archives), and its mount fast path is the one users get.
    Path script = Files.copy(projectLauncher(), bin.resolve("layerfs-launcher"));
    Files.writeString(layerfs, "#!/bin/sh\n"
        + "export LAYERFS_CLASSPATH='" + classPath + "'\n"
        + "export JAVA_HOME=\"${LAYERFS_TEST_JAVA_HOME:-" + JAVA_HOME + "}\"\n"
        + "exec '" + script + "' \"$@\"\n");
    // The command JVM alone, as a child JVM of 'layerfs container mount' runs it: no launcher script.
    Files.writeString(bin.resolve("layerfs-java"), "#!/bin/sh\n"
        + "exec '" + JAVA_HOME + "/bin/java' --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp '"
        + classPath + "' " + Main.class.getName() + " \"$@\"\n");
    for (Path p : List.of(layerfs, script, bin.resolve("layerfs-java"))) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private static final String JAVA_HOME = System.getProperty("java.home");

  /**
   * A JDK home in {@code dir} whose {@code bin/java} appends each command line to {@code log} and runs this JDK's:
   * run the launcher with {@code LAYERFS_TEST_JAVA_HOME} set to it to see which JVMs a command starts.
   */
  static Path tracingJavaHome(Path dir, Path log) throws IOException {
    Path java = Files.createDirectories(dir.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\necho \"$*\" >> '" + log + "'\nexec '" + JAVA_HOME + "/bin/java' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  /** The {@code layerfs} script at the top of the project, found upwards from the working directory. */
  static Path projectLauncher() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("layerfs");
      if (Files.isRegularFile(candidate) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("the layerfs launcher script was not found above " + Path.of("").toAbsolutePath());
  }

  private static String copyClassPath(Path into) throws IOException {
    List<String> copied = new ArrayList<>();
    String[] entries = System.getProperty("java.class.path").split(":");
    for (int i = 0; i < entries.length; i++) {
      Path from = Path.of(entries[i]);
      Path to = into.resolve(i + "-" + from.getFileName());
      if (Files.isDirectory(from)) {
        try (var walk = Files.walk(from)) {
          for (Path p : (Iterable<Path>) walk::iterator) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
              Files.createDirectories(target);
            } else {
              Files.copy(p, target);
            }
          }
        }
      } else if (Files.isRegularFile(from)) {
        Files.createDirectories(into);
        Files.copy(from, to);
      }
      copied.add(to.toString());
    }
    return String.join(":", copied);
  }

  /** Runs a shell script in {@code dir} with {@code layerfs} on the PATH. */
  Result sh(Path dir, String script) {
    return run(dir, Map.of(), "sh", "-c", script);
  }

  /** Runs a shell script that must succeed, and answers its output. */
  String shOk(Path dir, String script) {
    Result r = sh(dir, script);
    if (r.status() != 0) {
      throw new AssertionError("`" + script + "` exited " + r.status() + ":\n" + r.all());
    }
    return r.out();
  }

  Result run(Path dir, Map<String, String> env, String... command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    builder.environment().put("LC_ALL", "C");
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      try {
        process.getOutputStream().close();
        var out = process.getInputStream();
        var err = process.getErrorStream();
        var outText = new java.util.concurrent.CompletableFuture<String>();
        var errText = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().start(() -> outText.complete(read(out)));
        Thread.ofVirtual().start(() -> errText.complete(read(err)));
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          throw new AssertionError(List.of(command) + " did not finish in 120 s");
        }
        return new Result(process.exitValue(), outText.get(10, TimeUnit.SECONDS), errText.get(10, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError(e);
      } finally {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Mount points under {@code root} that are mounted now. */
  static List<Path> mountsUnder(Path root) throws IOException {
    List<Path> found = new ArrayList<>();
    for (MountTable.Mount m : MountTable.read()) {
      if (m.mountPoint().startsWith(root)) {
        found.add(m.mountPoint());
      }
    }
    return found;
  }

  /** Daemons recorded for mount points under {@code root} that still run. */
  static List<Long> daemonsUnder(Path root) throws IOException {
    List<Long> pids = new ArrayList<>();
    for (RuntimeDir.MountState s : RuntimeDir.all()) {
      if (s.mountPoint().startsWith(root) && s.daemonAlive()) {
        pids.add(s.pid());
      }
    }
    return pids;
  }

  /**
   * Waits up to 20 s for daemons under {@code root} to exit after their unmount, then detaches what is still mounted
   * and kills what still runs; answers what had to be cleaned up, which a passing test expects to be nothing.
   */
  static List<String> cleanUp(Path root) throws IOException, InterruptedException {
    List<String> leftovers = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!daemonsUnder(root).isEmpty() && mountsUnder(root).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    List<Path> mounts = mountsUnder(root);
    for (int i = mounts.size() - 1; i >= 0; i--) {
      leftovers.add("mount " + mounts.get(i));
      new ProcessBuilder("umount", "-l", mounts.get(i).toString()).start().waitFor();
    }
    for (long pid : daemonsUnder(root)) {
      leftovers.add("daemon " + pid);
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (RuntimeDir.MountState s : RuntimeDir.all()) {
      if (s.mountPoint().startsWith(root)) {
        RuntimeDir.remove(s.mountPoint(), -1);
      }
    }
    return leftovers;
  }
}
