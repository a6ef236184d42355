package dev.layerfs.cli;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code layerfs mount -o lowerdir=…,upperdir=…,workdir=… MERGED}: the tutorial's {@code mount -t overlay}, served
 * over FUSE by a daemon.
 *
 * <p>Java cannot fork, so the command starts a second JVM in a new session ({@code setsid}) that mounts and serves
 * ({@link MountDaemon}), and waits until that daemon reports through a pipe that the kernel answers requests on the
 * mount: when the command exits 0 the next shell command already sees the merged view. {@code -f} serves in the
 * foreground instead. The {@code layerfs} launcher script starts the daemon itself for the plain forms, without
 * this command's JVM; this command is the way for the others ({@code -f}, {@code --help}, a child JVM of
 * {@code layerfs container mount}, anything the script does not recognise). Both check and report in
 * {@link MountDaemon}.
 */
@Command(name = "mount", description = {
    "Mounts layers as one merged view over FUSE, as 'mount -t overlay' does, and returns once it is live.",
    "Options: the kernel's (lowerdir=top:...:bottom, upperdir=, workdir=, ro, userxattr, redirect_dir=, xino=,"
        + " volatile, index=off, metacopy=on|off, uuid=), FUSE's (allow_other, default_permissions, fsname=, subtype=),"
        + " mount flags without effect here (nodev, nosuid, noatime, relatime, ...), and fuse-overlayfs's timeout=,"
        + " fsync=0|1; passthrough=upper|all chooses how lower files opened for reading are served."})
final class MountCommand implements Callable<Integer> {
  private static final long START_TIMEOUT_SECONDS = 60;
  /** The daemon's descriptor for its report: the pipe comes after stdin, stdout and stderr. */
  private static final int DAEMON_READY_FD = 3;

  @Option(names = "-o", paramLabel = "OPTIONS", required = true,
      description = "Comma-separated mount options; may be given more than once.")
  List<String> options;

  @Option(names = {"-f", "--foreground"}, description = "Serve the mount in this process until it is unmounted.")
  boolean foreground;

  @Parameters(arity = "1..2", paramLabel = "[SOURCE] MOUNTPOINT",
      description = "The directory to mount on; mount(8) style, a source name may come first (shown as fsname).")
  List<String> places;

  /**
   * The drop-in form fuse-overlayfs is called with ({@code layerfs -o OPTIONS MOUNTPOINT}, as containers/storage's
   * {@code mount_program} does): without a command, the arguments are a mount's.
   */
  static String[] dropIn(String[] args) {
    if (args.length > 0 && args[0].startsWith("-o")) {
      String[] withCommand = new String[args.length + 1];
      withCommand[0] = "mount";
      System.arraycopy(args, 0, withCommand, 1, args.length);
      return withCommand;
    }
    return args;
  }

  @Override
  public Integer call() throws Exception {
    MountDaemon.Request request = MountDaemon.Request.of(options, places);
    MountDaemon.Checked checked = request.check();
    return foreground ? MountDaemon.serve(checked, new MountDaemon.ReadyPipe(-1), false) : daemonize(request);
  }

  /**
   * Starts the daemon JVM ({@code setsid java … MountDaemon 3 -o OPTIONS MOUNTPOINT}), as the launcher script does
   * for plain mounts, and waits for its report; its output goes to this command's stderr until it has opened its log.
   */
  private int daemonize(MountDaemon.Request request) throws Exception {
    List<byte[]> argv = new ArrayList<>();
    argv.add(bytes(setsid()));
    argv.add(bytes(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String flag : daemonJvmFlags()) {
      argv.add(bytes(flag));
    }
    for (String arg : List.of("-cp", System.getProperty("java.class.path"), MountDaemon.class.getName(),
        Integer.toString(DAEMON_READY_FD))) {
      argv.add(bytes(arg));
    }
    for (String arg : request.arguments()) {
      argv.add(bytes(arg));
    }
    List<byte[]> env = new ArrayList<>();
    for (Map.Entry<String, String> e : System.getenv().entrySet()) {
      env.add(bytes(e.getKey() + "=" + e.getValue()));
    }
    if (System.getenv("MALLOC_ARENA_MAX") == null) {
      env.add(bytes("MALLOC_ARENA_MAX=2")); // FFM buffers from many threads otherwise spread over many arenas
    }
    System.out.flush();
    System.err.flush();
    int[] pipe = Processes.pipe();
    int devNull = Posix.open("/dev/null", Posix.O_RDWR | Posix.O_CLOEXEC);
    int stderr = Posix.dup(2); // above the child's 0..3, as spawn wants
    int pid;
    try {
      pid = Processes.spawn(argv.get(0), argv, env, devNull, stderr, stderr, pipe[1]);
    } finally {
      Posix.closeQuietly(pipe[1]);
      Posix.closeQuietly(devNull);
      Posix.closeQuietly(stderr);
    }
    String answer;
    CompletableFuture<String> reading = CompletableFuture.supplyAsync(() -> readAll(pipe[0]));
    try {
      answer = reading.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS).strip();
    } catch (TimeoutException e) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
      throw new IOException("the daemon did not report within " + START_TIMEOUT_SECONDS + " s");
    } finally {
      Posix.closeQuietly(pipe[0]);
    }
    if (answer.equals(MountDaemon.READY)) {
      return 0;
    }
    int status = Processes.waitpid(pid);
    System.err.println("layerfs mount: " + (answer.startsWith(MountDaemon.ERROR)
        ? answer.substring(MountDaemon.ERROR.length())
        : "the daemon exited (status " + status + ") before mounting"));
    return status != 0 ? status : Errors.FAILURE;
  }

  /**
   * The JVM flags for the daemon: the launcher's ({@code LAYERFS_JAVA_OPTS}, else the ones any layerfs JVM needs),
   * then {@code LAYERFS_DAEMON_OPTS}, else flags that keep a long-running daemon small (measured in
   * {@code layerfs-fuse/README.md}): a bounded heap that starts small, the client compiler only, small stacks.
   */
  static List<String> daemonJvmFlags() {
    List<String> flags = new ArrayList<>();
    String fromLauncher = System.getenv("LAYERFS_JAVA_OPTS");
    flags.addAll(fromLauncher != null && !fromLauncher.isBlank() ? List.of(fromLauncher.trim().split("\\s+"))
        : List.of("--enable-native-access=ALL-UNNAMED", "-Dsun.jnu.encoding=UTF-8", "-Dfile.encoding=UTF-8",
            "-XX:+UseSerialGC"));
    String daemon = System.getenv("LAYERFS_DAEMON_OPTS");
    flags.addAll(List.of((daemon != null && !daemon.isBlank() ? daemon : DAEMON_FLAGS).trim().split("\\s+")));
    return flags;
  }

  /** Kept equal to the launcher's {@code LAYERFS_DAEMON_OPTS}. */
  private static final String DAEMON_FLAGS =
      "-Xms8m -Xmx96m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=2000"
          + " -XX:TieredStopAtLevel=1 -Xss256k -XX:ReservedCodeCacheSize=16m";

  private static String setsid() throws IOException {
    for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IOException("setsid not found: install util-linux, or run 'layerfs mount -f' in the background");
  }

  private static String readAll(int fd) {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(4096);
      for (long n; (n = Posix.read(fd, buffer)) > 0; ) {
        text.write(buffer.asSlice(0, n).toArray(JAVA_BYTE), 0, (int) n);
      }
    } catch (PosixException e) {
      return "error reading the daemon's report: " + e.getMessage();
    }
    return text.toString(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return Names.bytes(s);
  }
}
