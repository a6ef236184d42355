package dev.layerfs.cli;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.layerfs.fuse.MountOptions;
import dev.layerfs.fuse.OverlayMount;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mount daemon: checks a mount's arguments, mounts, reports, serves until the mount goes away. This is the one
 * implementation of {@code layerfs mount} behind both ways of starting it:
 *
 * <ul>
 *   <li>the entry point of the daemon JVM ({@link #main}), which the {@code layerfs} launcher script starts itself in
 *       a new session for the plain forms {@code layerfs mount -o OPTIONS [SOURCE] MOUNTPOINT} and
 *       {@code layerfs -o OPTIONS MOUNTPOINT} (no command JVM at all), and which {@link MountCommand} starts for the
 *       others; its command line is read here without picocli, whose model of the commands took about half of the
 *       daemon's start-up (0.4–0.5 s measured);
 *   <li>{@code layerfs mount -f}, which serves in the command's JVM ({@link #serve}).
 * </ul>
 *
 * <p>Arguments of {@link #main}: the descriptor to report on, then the mount's own arguments: {@code -o OPTIONS}
 * (repeatable, also {@code -oOPTIONS}) and {@code [SOURCE] MOUNTPOINT}. The report is one line, {@code ready} once
 * the kernel answers requests on the mount, or {@code error MESSAGE} (the message names the option or path at fault)
 * before the daemon exits with a non-zero status; the descriptor is closed after it. Once mounted, before it reports,
 * the daemon sends its stdout and stderr to its log ({@link RuntimeDir#logFile}), so it holds nothing of the caller's.
 */
final class MountDaemon {
  static final String READY = "ready";
  static final String ERROR = "error ";

  private MountDaemon() {}

  /**
   * A mount as asked for: the {@code -o} values joined, with {@code fsname=SOURCE} added when a source is given and
   * the options name none (mount(8)'s rule), and the mount point as given.
   */
  record Request(String options, String mountPoint) {
    static Request of(List<String> options, List<String> places) {
      if (options == null || options.isEmpty()) {
        throw new IllegalArgumentException("missing -o OPTIONS");
      }
      if (places == null || places.isEmpty() || places.size() > 2) {
        throw new IllegalArgumentException("expected [SOURCE] MOUNTPOINT, got " + (places == null ? List.of() : places));
      }
      String joined = String.join(",", options);
      if (places.size() == 2 && !joined.contains("fsname=")) {
        joined = joined + ",fsname=" + places.get(0);
      }
      return new Request(joined, places.get(places.size() - 1));
    }

    /** {@code -o OPTIONS} (repeatable, or glued), then {@code [SOURCE] MOUNTPOINT}: the launcher's plain form. */
    static Request parse(List<String> args) {
      List<String> options = new ArrayList<>();
      List<String> places = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (a.equals("-o")) {
          if (++i == args.size()) {
            throw new IllegalArgumentException("-o needs OPTIONS");
          }
          options.add(args.get(i));
        } else if (a.startsWith("-o")) {
          options.add(a.substring(2));
        } else {
          places.add(a);
        }
      }
      return of(options, places);
    }

    /** The arguments {@link #parse} reads back into this request. */
    List<String> arguments() {
      return List.of("-o", options, mountPoint);
    }

    /**
     * Parses the options and checks the mount point, as the command's own checks: answers what to mount where
     * (the mount point's real path) or throws with a message naming the option or path at fault.
     */
    Checked check() throws IOException {
      MountOptions parsed = MountOptions.parse(options);
      Path target = Path.of(mountPoint).toAbsolutePath().normalize();
      if (!Files.isDirectory(target)) {
        throw new IllegalArgumentException("mount point " + mountPoint + ": "
            + (Files.exists(target) ? "not a directory" : "no such directory"));
      }
      return new Checked(parsed, options, target.toRealPath());
    }
  }

  /** A request whose options parsed and whose mount point is a directory, at its real path. */
  record Checked(MountOptions parsed, String options, Path target) {}

  /** The pipe the waiting launcher or command reads: one report, then closed. A descriptor below 0 is none. */
  static final class ReadyPipe {
    private int fd;

    ReadyPipe(int fd) {
      this.fd = fd;
    }

    void send(String message) {
      if (fd < 0) {
        return;
      }
      try (Arena arena = Arena.ofConfined()) {
        byte[] bytes = (message.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
        MemorySegment buffer = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
        Posix.write(fd, buffer);
      } catch (PosixException e) {
        System.err.println("layerfs: cannot report to the waiting command: " + e.getMessage());
      } finally {
        Posix.closeQuietly(fd);
        fd = -1;
      }
    }
  }

  public static void main(String[] args) {
    ReadyPipe pipe = new ReadyPipe(Integer.parseInt(args[0]));
    int status;
    try {
      Checked mount = Request.parse(List.of(args).subList(1, args.length)).check();
      status = serve(mount, pipe, true);
    } catch (Exception e) {
      // The report is the message; stderr (the caller's, if the log is not open yet) gets only a debugging trace.
      pipe.send(ERROR + Errors.describe(e));
      status = Errors.status(e);
      if (System.getenv("LAYERFS_DEBUG") != null) {
        e.printStackTrace();
      }
    }
    System.exit(status);
  }

  /** Points stdout and stderr at {@code log} (appending), so the daemon keeps no descriptor of its caller's. */
  private static void logTo(Path log) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(log.toString()),
        Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND | Posix.O_CLOEXEC, 0600);
    try {
      System.out.flush();
      System.err.flush();
      Posix.dup2(fd, 1);
      Posix.dup2(fd, 2);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  /**
   * Mounts, records the mount in the runtime directory, reports {@code ready}, and serves until the mount goes away;
   * a daemon sends its output to its log once mounted (a start that fails reports on the pipe and leaves no log).
   * SIGTERM and SIGINT unmount: the shutdown hook only asks for the unmount, the session's last reader tears down.
   */
  static int serve(Checked checked, ReadyPipe pipe, boolean daemon) throws Exception {
    Path target = checked.target();
    OverlayMount mount;
    try {
      mount = OverlayMount.mount(target, checked.parsed());
    } catch (Exception e) {
      pipe.send(ERROR + Errors.describe(e));
      throw e;
    }
    if (daemon) {
      try {
        logTo(RuntimeDir.logFile(target));
      } catch (IOException e) {
        pipe.send(ERROR + "cannot open the daemon's log in " + RuntimeDir.path() + ": " + Errors.describe(e));
        try {
          mount.close();
        } catch (IOException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }
    long pid = ProcessHandle.current().pid();
    Thread hook = new Thread(() -> {
      try {
        mount.close();
      } catch (IOException | RuntimeException e) {
        System.err.println("layerfs: unmounting " + target + " failed: " + Errors.describe(e));
      }
      RuntimeDir.remove(target, pid);
    }, "layerfs-unmount");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      RuntimeDir.write(target, checked.parsed().overlay(), checked.options());
    } catch (IOException e) {
      System.err.println("layerfs: cannot record the mount in " + RuntimeDir.path() + ": " + Errors.describe(e));
    }
    pipe.send(READY);
    mount.awaitUnmount();
    mount.close();
    RuntimeDir.remove(target, pid);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
    return 0;
  }
}
