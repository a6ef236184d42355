package dev.layerfs.oci.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real tools the tests build images with and compare against (umoci, skopeo, GNU tar, mount, a registry);
 * a missing tool fails naming the Debian package to install, never skips.
 */
public final class Tool {
  private static final Map<String, String> PACKAGES = Map.ofEntries(Map.entry("umoci", "umoci"),
      Map.entry("skopeo", "skopeo"), Map.entry("tar", "tar"), Map.entry("mount", "mount"),
      Map.entry("umount", "mount"), Map.entry("setfattr", "attr"), Map.entry("getfattr", "attr"),
      Map.entry("setpriv", "util-linux"), Map.entry("openssl", "openssl"), Map.entry("htpasswd", "apache2-utils"),
      Map.entry("/usr/bin/docker-registry", "docker-registry"));

  private Tool() {}

  /** Runs a command in {@code dir} and returns its standard output; a non-zero exit fails with both outputs. */
  public static String run(Path dir, String... command) {
    Result result = exec(dir, List.of(command));
    if (result.exit != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (" + result.exit + "):\n" + result.stderr
          + result.stdout);
    }
    return result.stdout;
  }

  /** Runs a bash script with {@code -euo pipefail} in {@code dir}; a non-zero exit fails with its output. */
  public static String bash(Path dir, String script) {
    return run(dir, "bash", "-euo", "pipefail", "-c", script);
  }

  /** The outcome of a command that may fail. */
  public record Result(int exit, String stdout, String stderr) {}

  public static Result exec(Path dir, List<String> command) {
    try {
      Process process = start(new ProcessBuilder(command).directory(dir == null ? null : dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))));
      CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      String stdout = read(process.getInputStream());
      if (!process.waitFor(600, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      return new Result(process.exitValue(), stdout, stderr.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Starts a process; when its program is missing, the error says what to install. */
  public static Process start(ProcessBuilder builder) throws IOException {
    String program = builder.command().getFirst();
    try {
      return builder.start();
    } catch (IOException e) {
      throw new IOException("cannot run " + program + "; the tests need it: apt-get install "
          + PACKAGES.getOrDefault(program, program), e);
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
