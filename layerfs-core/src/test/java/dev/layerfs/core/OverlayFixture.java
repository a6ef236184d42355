package dev.layerfs.core;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.EngineFsOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Layer directories under a test's temp dir and an engine opened on them, closed by the test. */
final class OverlayFixture implements AutoCloseable {
  final Path lower;
  final Path lower2;
  final Path upper;
  final Path work;
  private final String extraOptions;
  Overlay overlay;

  OverlayFixture(Path tmp, String extraOptions) throws IOException {
    this.lower = Files.createDirectories(tmp.resolve("lower"));
    this.lower2 = Files.createDirectories(tmp.resolve("lower2"));
    this.upper = Files.createDirectories(tmp.resolve("upper"));
    this.work = Files.createDirectories(tmp.resolve("work"));
    this.extraOptions = extraOptions;
  }

  String options() {
    return "lowerdir=" + lower + ":" + lower2 + ",upperdir=" + upper + ",workdir=" + work
        + (extraOptions.isEmpty() ? "" : "," + extraOptions);
  }

  Overlay open() throws IOException {
    overlay = Overlay.open(OverlayOptions.parse(options()));
    return overlay;
  }

  EngineFsOps fs() {
    return new EngineFsOps(overlay);
  }

  /** Closes and opens again, as a restart of the daemon or program would. */
  Overlay reopen() throws IOException {
    overlay.close();
    return open();
  }

  @Override
  public void close() throws IOException {
    if (overlay != null) {
      overlay.close();
    }
  }

  static void delete(Path p) throws IOException {
    Differential.removeTree(p);
  }
}
