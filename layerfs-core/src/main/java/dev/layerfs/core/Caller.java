package dev.layerfs.core;

import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who asks for a new file, so it gets their owner, group and umask as it would on the kernel's overlay rather
 * than the daemon's.
 */
public record Caller(int uid, int gid, int umask) {
  /** This process, for embedded use: its effective ids and umask. */
  public static Caller process() {
    return new Caller(Posix.geteuid(), Posix.getegid(), processUmask());
  }

  /**
   * The process umask, read from {@code /proc/self/status}: asking {@code umask(2)} changes it for a moment,
   * which would race with other threads creating files.
   */
  static int processUmask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).trim(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Kernels before 4.7 have no Umask line.
    }
    return Posix.umask();
  }
}
