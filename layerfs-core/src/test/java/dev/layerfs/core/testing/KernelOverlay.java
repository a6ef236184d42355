package dev.layerfs.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A kernel overlayfs mount for a test (root only), unmounted by {@link #close} whatever happened in between, so a
 * failing test never leaves a mount behind.
 */
public final class KernelOverlay implements AutoCloseable {
  private final Path mountPoint;
  private boolean mounted;

  private KernelOverlay(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  /** Mounts {@code mount -t overlay overlay -o OPTIONS MOUNTPOINT}; the error output is in the exception. */
  public static KernelOverlay mount(String options, Path mountPoint) throws IOException {
    Files.createDirectories(mountPoint);
    KernelOverlay m = new KernelOverlay(mountPoint);
    run(List.of("mount", "-t", "overlay", "overlay", "-o", options, mountPoint.toString()));
    m.mounted = true;
    return m;
  }

  public Path path() {
    return mountPoint;
  }

  static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(command + " timed out");
      }
      if (p.exitValue() != 0) {
        throw new IOException(command + " failed (" + p.exitValue() + "): " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(command + " interrupted", e);
    }
  }

  @Override
  public void close() throws IOException {
    if (!mounted) {
      return;
    }
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        run(List.of("umount", mountPoint.toString()));
        mounted = false;
        return;
      } catch (IOException e) {
        last = e;
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    run(List.of("umount", "-l", mountPoint.toString()));
    mounted = false;
    throw last;
  }
}
