package dev.layerfs.cli;

import dev.layerfs.fuse.raw.FuseServer;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code layerfs umount MERGED}: unmounts a layerfs mount and waits until its daemon has released the layers, so the
 * upper layer can be mounted again at once. A mount whose daemon died (its users get ENOTCONN) is cleaned up too.
 * Anything that is not a layerfs mount is left alone.
 */
@Command(name = "umount", aliases = "unmount", description = {
    "Unmounts a layerfs mount and waits for its daemon to let go of the layers.",
    "A busy mount is an error unless -l; the mount of a daemon that died is detached even when busy."})
final class UmountCommand implements Callable<Integer> {
  private static final long DAEMON_EXIT_MILLIS = 20_000;

  @Option(names = {"-l", "--lazy"}, description = "Detach a busy mount now; its users get errors (ENOTCONN).")
  boolean lazy;

  @Parameters(paramLabel = "MOUNTPOINT")
  String mountPoint;

  @Override
  public Integer call() throws Exception {
    Path given = Path.of(mountPoint).toAbsolutePath().normalize();
    // The mount point itself may answer ENOTCONN: resolve its parent instead.
    Path parent = given.getParent() == null ? given : given.getParent().toRealPath();
    Path target = given.getFileName() == null ? given : parent.resolve(given.getFileName());
    MountTable.Mount mount = MountTable.at(target);
    RuntimeDir.MountState state = RuntimeDir.read(RuntimeDir.stateFile(target));
    if (mount == null) {
      RuntimeDir.remove(target, -1);
      throw new IllegalArgumentException(mountPoint + ": not mounted");
    }
    if (!mount.isLayerfs() && !(state != null && mount.type().startsWith("fuse."))) {
      throw new IllegalArgumentException(mountPoint + ": not a layerfs mount (it is " + mount.type() + " from "
          + mount.source() + "); use umount");
    }
    boolean daemonAlive = state != null && state.daemonAlive();
    try {
      FuseServer.unmount(target, mount.device(), lazy || !daemonAlive);
    } catch (PosixException e) {
      if (e.errno() == Errno.EBUSY) {
        throw new IOException(mountPoint + ": target is busy (a process uses it); 'layerfs umount -l' detaches it"
            + " anyway");
      }
      throw e;
    }
    if (daemonAlive) {
      awaitExit(state.pid());
    }
    RuntimeDir.remove(target, -1);
    return 0;
  }

  /** Polls, since {@code ProcessHandle.onExit} of a process that is not our child waits with growing delays. */
  private static void awaitExit(long pid) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + DAEMON_EXIT_MILLIS * 1_000_000;
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("unmounted, but the daemon (pid " + pid + ") did not exit within "
            + DAEMON_EXIT_MILLIS / 1000 + " s");
      }
      Thread.sleep(10);
    }
  }
}
