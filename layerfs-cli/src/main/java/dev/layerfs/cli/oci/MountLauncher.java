package dev.layerfs.cli.oci;

import dev.layerfs.cli.MountTable;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Mounts a container by running this very CLI as a child process, {@code layerfs mount -o lowerdir=…,upperdir=…,
 * workdir=… DIR}, the FUSE mount that serves the overlay, and unmounts it with {@code layerfs umount DIR}. The child
 * is this JVM's {@code java} with this JVM's class path (or module path), so the mount runs exactly the code that
 * asked for it; it may stay in the foreground serving the mount or detach, and the mount counts as done once the
 * directory is a mount point.
 */
final class MountLauncher {
  private static final String MAIN = "dev.layerfs.cli.Main";
  private static final long POLL_MILLIS = 50;
  /** Starts the server in a session of its own, so that closing the terminal does not hang it up. */
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final List<String> launcher;

  /** A launcher that runs {@code launcher} followed by the subcommand and its arguments. */
  private MountLauncher(List<String> launcher) {
    this.launcher = List.copyOf(launcher);
  }

  /** The command line that starts this CLI again: this JVM's java, its native-access flag, class or module path. */
  static MountLauncher thisJvm() {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8"));
    String modulePath = System.getProperty("jdk.module.path");
    if (MountLauncher.class.getModule().isNamed() && modulePath != null && !modulePath.isEmpty()) {
      command.addAll(List.of("--enable-native-access=dev.layerfs.posix", "-p", modulePath, "-m",
          "dev.layerfs.cli/" + MAIN));
    } else {
      command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
          MAIN));
    }
    return new MountLauncher(command);
  }

  /** {@code … mount -o OPTIONS MOUNTPOINT}. */
  List<String> mountCommand(String options, Path mountpoint) {
    List<String> command = new ArrayList<>(launcher);
    command.addAll(List.of("mount", "-o", options, mountpoint.toString()));
    return command;
  }

  /** {@code … umount MOUNTPOINT}. */
  List<String> umountCommand(Path mountpoint) {
    List<String> command = new ArrayList<>(launcher);
    command.addAll(List.of("umount", mountpoint.toString()));
    return command;
  }

  /**
   * Starts the mount in a session of its own and waits until {@code mountpoint} is a mount point; answers the pid
   * of the process that serves it (the child, if it stayed). Its output goes to {@code log}, whose end is shown
   * if it fails.
   */
  long mount(String options, Path mountpoint, Path log, Duration timeout) throws IOException {
    Files.createDirectories(mountpoint);
    Path real = mountpoint.toRealPath();
    if (MountTable.isMountPoint(real)) {
      throw new IOException(mountpoint + " is already a mount point");
    }
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.addAll(mountCommand(options, real));
    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (MountTable.isMountPoint(real)) {
        return child.isAlive() ? child.pid() : -1;
      }
      if (!child.isAlive()) {
        if (MountTable.isMountPoint(real)) {
          return -1;
        }
        throw new IOException("layerfs mount failed (exit " + child.exitValue() + "): " + tail(log));
      }
      pause();
    }
    child.destroy();
    throw new IOException("layerfs mount did not mount " + mountpoint + " within " + timeout.toSeconds() + " s: "
        + tail(log));
  }

  /** Runs the unmount and waits for the mount point to go. */
  void umount(Path mountpoint, Duration timeout) throws IOException {
    Process child = new ProcessBuilder(umountCommand(mountpoint)).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      int exit = child.waitFor();
      if (exit != 0) {
        throw new IOException("layerfs umount " + mountpoint + " failed (exit " + exit + "): " + output);
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      while (MountTable.isMountPoint(mountpoint) && System.nanoTime() < deadline) {
        pause();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while unmounting " + mountpoint);
    }
    if (MountTable.isMountPoint(mountpoint)) {
      throw new IOException(mountpoint + " is still mounted after layerfs umount");
    }
  }

  private static String tail(Path log) throws IOException {
    String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
    return text.isEmpty() ? "(no output)" : text.length() > 2000 ? "…" + text.substring(text.length() - 2000) : text;
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for a mount");
    }
  }
}
