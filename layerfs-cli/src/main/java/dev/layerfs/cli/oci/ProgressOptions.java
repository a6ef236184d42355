package dev.layerfs.cli.oci;

import dev.layerfs.oci.store.Progress;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --progress}: bars with bytes and rates on a terminal, plain lines elsewhere, or nothing. */
public final class ProgressOptions {
  /** How progress is shown. */
  enum Mode { AUTO, TTY, PLAIN, QUIET }

  @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto", description = {
      "How to show progress on stderr: auto (bars on a terminal, plain lines otherwise), tty, plain or quiet."})
  String mode = "auto";

  Progress progress() {
    PrintStream err = System.err;
    return switch (parse()) {
      case QUIET -> Progress.NONE;
      case PLAIN -> new ConsoleProgress(err, false);
      case TTY -> new ConsoleProgress(err, true);
      case AUTO -> new ConsoleProgress(err, isTerminal(2));
    };
  }

  private Mode parse() {
    try {
      return Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--progress: '" + mode + "' is not one of auto, tty, plain, quiet");
    }
  }

  /** Whether descriptor {@code fd} is a terminal (the JDK tells it only for stdin and stdout together). */
  static boolean isTerminal(int fd) {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    } catch (java.io.IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
