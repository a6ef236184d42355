package dev.layerfs.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * The entry point of the daemon JVM that {@code layerfs mount} starts: its command line is written by
 * {@link MountCommand} alone, so it is read here without picocli, whose model of the commands took about half of
 * the daemon's start-up (0.4–0.5 s measured).
 *
 * <p>Arguments: the descriptor to report readiness on, the joined option string, the mount point.
 */
final class MountDaemon {
  private MountDaemon() {}

  public static void main(String[] args) {
    MountCommand mount = new MountCommand();
    mount.readyFd = Integer.parseInt(args[0]);
    mount.options = List.of(args[1]);
    mount.places = List.of(args[2]);
    int status;
    try {
      status = mount.call();
    } catch (Exception e) {
      status = Errors.report(new PrintWriter(System.err, true), "mount", e);
    }
    System.exit(status);
  }
}
