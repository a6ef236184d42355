package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs GNU tools (tar, setfattr, getfattr, find) as test oracles, with raw-byte names passed safely. */
final class Shell {
  private Shell() {}

  /** Runs a bash script in {@code dir} and returns its standard output, failing the test on a non-zero exit. */
  static byte[] run(Path dir, String script) {
    try {
      Process process = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
          .directory(dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      byte[] stdout = process.getInputStream().readAllBytes();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + script);
      }
      assertEquals(0, process.exitValue(),
          () -> "script failed: " + script + "\n" + new String(stderr.join(), StandardCharsets.UTF_8));
      return stdout;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static String text(Path dir, String script) {
    return new String(run(dir, script), StandardCharsets.UTF_8);
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Quotes arbitrary bytes for bash as {@code $'\xNN...'}, so that no name is re-encoded on the way. */
  static String quote(byte[] bytes) {
    StringBuilder quoted = new StringBuilder("$'");
    for (byte b : bytes) {
      quoted.append("\\x").append(HexFormat.of().toHexDigits(b));
    }
    return quoted.append('\'').toString();
  }

  static String quote(String s) {
    return quote(s.getBytes(StandardCharsets.UTF_8));
  }
}
