package dev.layerfs.fuse.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs real shell tools against a mount, as a user would, and never leaves a process behind. */
final class Shell {
  record Result(int status, String out, String err) {}

  private Shell() {}

  /** Runs {@code script} with {@code sh -c} in {@code directory} and answers its output; fails unless it exits 0. */
  static String sh(Path directory, String script) {
    Result result = run(directory, script);
    assertEquals(0, result.status(), () -> "`" + script + "` failed: " + result.err());
    return result.out();
  }

  static Result run(Path directory, String script) {
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).directory(directory.toFile());
    builder.environment().put("LC_ALL", "C");
    try {
      Process process = builder.start();
      try {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          throw new AssertionError("`" + script + "` did not finish in 60 s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(),
            StandardCharsets.UTF_8), new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while running `" + script + "`", e);
      } finally {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
