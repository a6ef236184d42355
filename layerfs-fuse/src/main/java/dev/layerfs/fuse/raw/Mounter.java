package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Mounts;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Processes;
import dev.layerfs.posix.Sockets;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Attaches a FUSE connection to a directory and detaches it: {@code mount(2)} when the process may (as libfuse does
 * for root), else the setuid {@code fusermount3} helper, which mounts and hands the {@code /dev/fuse} descriptor
 * back over a socket ({@code _FUSE_COMMFD}), as libfuse's {@code fuse_mount_fusermount} and go-fuse do.
 */
final class Mounter {
  private static final String HELPER = "fusermount3";
  private static final String CONNECTIONS = "/sys/fs/fuse/connections";

  /**
   * A mounted connection: its descriptor, the mount's device number (which names the connection and tells our mount
   * from whatever is mounted there later), and, with {@code auto_unmount}, the helper that waits for us to exit.
   */
  record Attached(int fd, long device, boolean viaHelper, int helperPid, int helperSocket) {}

  private Mounter() {}

  static Attached mount(byte[] mountPoint, Options options, boolean direct) throws IOException {
    Attached attached = direct ? mountDirectly(mountPoint, options) : mountWithHelper(mountPoint, options);
    try {
      return new Attached(attached.fd(), Mounts.deviceOf(mountPoint), attached.viaHelper(), attached.helperPid(),
          attached.helperSocket());
    } catch (PosixException e) {
      // Without the device number the mount cannot be told apart later: end the connection and detach it now.
      Posix.closeQuietly(attached.fd());
      release(attached);
      try {
        if (direct) {
          Mounts.umount2(mountPoint, Mounts.MNT_DETACH | Mounts.UMOUNT_NOFOLLOW);
        } else {
          runHelper(bytes("-u"), bytes("-q"), bytes("-z"), bytes("--"), mountPoint);
        }
      } catch (IOException | RuntimeException detachFailure) {
        e.addSuppressed(detachFailure);
      }
      throw e;
    }
  }

  private static Attached mountDirectly(byte[] mountPoint, Options options) throws IOException {
    int fd = Posix.open("/dev/fuse", Posix.O_RDWR);
    StringBuilder data = new StringBuilder()
        .append("fd=").append(fd)
        .append(",rootmode=").append(Integer.toOctalString(Posix.S_IFDIR))
        .append(",user_id=").append(Integer.toUnsignedString(Posix.geteuid()))
        .append(",group_id=").append(Integer.toUnsignedString(Posix.getegid()))
        .append(",max_read=").append(options.maxWrite());
    if (options.defaultPermissions()) {
      data.append(",default_permissions");
    }
    if (options.allowOther()) {
      data.append(",allow_other");
    }
    try {
      long flags = Mounts.MS_NOSUID | Mounts.MS_NODEV | (options.readOnly() ? Mounts.MS_RDONLY : 0);
      Mounts.mount(options.fsName(), mountPoint, "fuse." + options.subtype(), flags, data.toString());
    } catch (PosixException e) {
      Posix.closeQuietly(fd);
      throw e;
    }
    return new Attached(fd, 0, false, -1, -1);
  }

  /**
   * Runs {@code fusermount3 -o OPTIONS -- MOUNTPOINT} with one end of a socket pair as descriptor 3, and receives the
   * device descriptor from it. The helper sets {@code fd}, {@code rootmode}, {@code user_id} and {@code group_id}
   * itself. With {@code auto_unmount} it stays running until our end of the socket closes, then unmounts.
   */
  private static Attached mountWithHelper(byte[] mountPoint, Options options) throws IOException {
    StringBuilder mountOptions = new StringBuilder()
        .append("fsname=").append(options.fsName())
        .append(",subtype=").append(options.subtype())
        .append(",max_read=").append(options.maxWrite());
    if (options.defaultPermissions()) {
      mountOptions.append(",default_permissions");
    }
    if (options.allowOther()) {
      mountOptions.append(",allow_other");
    }
    if (options.readOnly()) {
      mountOptions.append(",ro");
    }
    if (options.autoUnmount()) {
      mountOptions.append(",auto_unmount");
    }
    byte[] helper = helper();
    int[] socket = Sockets.socketpair(Sockets.SOCK_STREAM);
    // With auto_unmount the helper outlives this call, so its messages go to our stderr instead of a pipe.
    int[] errors = options.autoUnmount() ? null : Processes.pipe();
    int pid;
    try {
      pid = Processes.spawn(helper, List.of(helper, bytes("-o"), bytes(mountOptions.toString()), bytes("--"),
          mountPoint), List.of(bytes("_FUSE_COMMFD=3")), 0, 1, errors == null ? 2 : errors[1], socket[1]);
    } catch (PosixException | RuntimeException e) {
      Posix.closeQuietly(socket[0]);
      if (errors != null) {
        Posix.closeQuietly(errors[0]);
      }
      throw e;
    } finally {
      Posix.closeQuietly(socket[1]);
      if (errors != null) {
        Posix.closeQuietly(errors[1]);
      }
    }
    int fd = -1;
    int status = 0;
    String message = "";
    try {
      fd = Sockets.receiveFd(socket[0]);
    } finally {
      if (fd < 0 || !options.autoUnmount()) {
        Posix.closeQuietly(socket[0]);
        status = Processes.waitpid(pid);
        message = errors == null ? "" : drain(errors[0]);
      }
    }
    if (fd < 0) {
      throw new IOException(HELPER + " could not mount " + Names.printable(mountPoint) + " (exit status " + status
          + (message.isEmpty() ? ")" : "): " + message));
    }
    return options.autoUnmount() ? new Attached(fd, 0, true, pid, socket[0]) : new Attached(fd, 0, true, -1, -1);
  }

  /**
   * Detaches the mount if it is still ours: normally, else lazily when it is busy, and then aborts the connection so
   * that clients holding files open get errors instead of waiting for a daemon that is shutting down.
   */
  static void unmount(byte[] mountPoint, Attached attached) throws IOException {
    unmount(mountPoint, attached, true);
  }

  /** Like {@link #unmount(byte[], Attached)}, but a busy mount fails with EBUSY unless {@code lazyWhenBusy}. */
  static void unmount(byte[] mountPoint, Attached attached, boolean lazyWhenBusy) throws IOException {
    if (!isMounted(mountPoint, attached.device())) {
      return;
    }
    if (attached.viaHelper()) {
      String busy = runHelper(bytes("-u"), bytes("-q"), bytes("--"), mountPoint);
      if (busy != null) {
        if (!lazyWhenBusy) {
          throw new PosixException(Errno.EBUSY, "umount", Names.printable(mountPoint), busy);
        }
        String failure = runHelper(bytes("-u"), bytes("-q"), bytes("-z"), bytes("--"), mountPoint);
        if (failure != null) {
          throw new IOException(HELPER + " could not unmount " + Names.printable(mountPoint) + ": " + failure);
        }
        abort(attached.device());
      }
      return;
    }
    try {
      Mounts.umount2(mountPoint, Mounts.UMOUNT_NOFOLLOW);
    } catch (PosixException e) {
      if (e.errno() != Errno.EBUSY || !lazyWhenBusy) {
        throw e;
      }
      Mounts.umount2(mountPoint, Mounts.MNT_DETACH | Mounts.UMOUNT_NOFOLLOW);
      abort(attached.device());
    }
  }

  /** Frees what the mount holds besides the device descriptor: an {@code auto_unmount} helper and its socket. */
  static void release(Attached attached) {
    if (attached.helperSocket() >= 0) {
      Posix.closeQuietly(attached.helperSocket());
      try {
        Processes.waitpid(attached.helperPid());
      } catch (PosixException e) {
        Session.log().log(Level.WARNING, "could not wait for " + HELPER, e);
      }
    }
  }

  private static boolean isMounted(byte[] mountPoint, long device) throws PosixException {
    try {
      return Mounts.deviceOf(mountPoint) == device;
    } catch (PosixException e) {
      if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
        return false;
      }
      if (e.errno() == Errno.ENOTCONN) {
        return true; // a mount whose daemon is gone: still there to be unmounted
      }
      throw e;
    }
  }

  /**
   * Lets the kernel read ahead on the mount as far as one request carries ({@code bytes}) where it may: FUSE caps a
   * mount's readahead at what its INIT offered (128 KiB, the default of a block device), so a sequential read of a
   * file the kernel does not cache yet went to the daemon in 128 KiB requests. Raising the mount's
   * {@code /sys/class/bdi/MAJOR:MINOR/read_ahead_kb} after INIT (root only; others keep the default) made a cold
   * {@code dd} of a 1 GiB lower file take 0.37 s instead of 0.59 s (medians of 4, RAM-backed ext4, idle machine).
   */
  static void widenReadahead(long device, int bytes) {
    Path setting = Path.of("/sys/class/bdi", Posix.major(device) + ":" + Posix.minor(device), "read_ahead_kb");
    try {
      long current = Long.parseLong(Files.readString(setting).strip());
      if (current * 1024 < bytes) {
        Files.write(setting, bytes(Integer.toString(bytes / 1024)), StandardOpenOption.WRITE);
      }
    } catch (IOException | NumberFormatException e) {
      // Not root, or no sysfs here: the kernel's default readahead stays, which is only slower.
    }
  }

  /**
   * Aborts connection {@code device} through the fusectl filesystem ({@code /sys/fs/fuse/connections/N/abort}),
   * mounting a private instance of it when none is mounted and we may; without it, the connection ends when the
   * last file open on the detached mount is closed.
   */
  private static void abort(long device) throws IOException {
    String name = Long.toString(((long) Posix.major(device) << 20) | Posix.minor(device));
    Path shared = Path.of(CONNECTIONS, name, "abort");
    if (Files.exists(shared)) {
      Files.write(shared, bytes("1"), StandardOpenOption.WRITE);
      return;
    }
    if (Posix.geteuid() != 0) {
      Session.log().log(Level.WARNING, "the FUSE mount was busy and fusectl is not mounted; its connection ends when"
          + " the last open file on it is closed");
      return;
    }
    Path control = Files.createTempDirectory("layerfs-fusectl-");
    byte[] controlBytes = Names.bytes(control.toString());
    try {
      Mounts.mount("fusectl", controlBytes, "fusectl", 0, "");
      try {
        Path abort = control.resolve(name).resolve("abort");
        if (Files.exists(abort)) {
          Files.write(abort, bytes("1"), StandardOpenOption.WRITE);
        }
      } finally {
        Mounts.umount2(controlBytes, Mounts.UMOUNT_NOFOLLOW);
      }
    } finally {
      Files.delete(control);
    }
  }

  /** Runs the helper with {@code args} and answers null on success, else its exit status and error output. */
  private static String runHelper(byte[]... args) throws IOException {
    byte[] helper = helper();
    List<byte[]> argv = new ArrayList<>(List.of(helper));
    argv.addAll(List.of(args));
    int[] errors = Processes.pipe();
    int pid;
    try {
      pid = Processes.spawn(helper, argv, List.of(), 0, 1, errors[1]);
    } catch (PosixException | RuntimeException e) {
      Posix.closeQuietly(errors[0]);
      throw e;
    } finally {
      Posix.closeQuietly(errors[1]);
    }
    String message = drain(errors[0]);
    int status = Processes.waitpid(pid);
    return status == 0 ? null : "exit status " + status + (message.isEmpty() ? "" : ": " + message);
  }

  /** Reads a pipe to its end and closes it. */
  private static String drain(int fd) throws PosixException {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(4096);
      for (long n; (n = Posix.read(fd, buffer)) > 0; ) {
        text.write(buffer.asSlice(0, n).toArray(JAVA_BYTE), 0, (int) n);
      }
    } finally {
      Posix.closeQuietly(fd);
    }
    return text.toString(StandardCharsets.UTF_8).strip();
  }

  private static byte[] helper() throws IOException {
    String path = System.getenv("PATH");
    List<String> directories = new ArrayList<>(List.of((path == null ? "" : path).split(File.pathSeparator)));
    directories.addAll(List.of("/usr/bin", "/bin"));
    for (String directory : directories) {
      Path candidate = Path.of(directory.isEmpty() ? "." : directory, HELPER);
      if (Files.isExecutable(candidate)) {
        return Names.bytes(candidate.toAbsolutePath().toString());
      }
    }
    throw new IOException(HELPER + " not found on PATH: install the fuse3 package, or mount as root");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
