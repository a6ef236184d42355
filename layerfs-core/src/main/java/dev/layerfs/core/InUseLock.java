package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.MountInfo;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps two overlays from writing one upper layer, which corrupts it: an exclusive {@code flock} on the upper and
 * work directories (held by this instance until closed, and released by the kernel if the process dies), and a
 * look at the kernel's overlay mounts.
 *
 * <p>The kernel itself only warns about a shared upperdir unless {@code index=on}; we refuse with EBUSY.
 */
final class InUseLock implements AutoCloseable {
  private final int upperFd;
  private final int workFd;

  private InUseLock(int upperFd, int workFd) {
    this.upperFd = upperFd;
    this.workFd = workFd;
  }

  static InUseLock acquire(OverlayOptions o) throws PosixException {
    checkKernelMounts(o);
    int upperFd = lock("upperdir", o.upperDir());
    try {
      return new InUseLock(upperFd, lock("workdir", o.workDir()));
    } catch (PosixException e) {
      Posix.closeQuietly(upperFd);
      throw e;
    }
  }

  private static int lock(String option, Path dir) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(dir.toString()), Posix.O_RDONLY | Posix.O_DIRECTORY);
    try {
      Posix.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
      return fd;
    } catch (PosixException e) {
      Posix.closeQuietly(fd);
      if (e.errno() == Errno.EAGAIN) {
        throw new OverlayOptionException(Errno.EBUSY, option, dir.toString(),
            "is in use by another layerfs overlay");
      }
      throw e;
    }
  }

  private static void checkKernelMounts(OverlayOptions o) throws PosixException {
    List<MountInfo> mounts;
    try {
      mounts = MountInfo.read();
    } catch (IOException e) {
      return;
    }
    Path upper = real(o.upperDir());
    Path work = real(o.workDir());
    for (MountInfo mount : mounts) {
      if (!mount.type().equals("overlay")) {
        continue;
      }
      for (var opt : OverlayOptions.split(mount.superOptions()).entrySet()) {
        boolean upperOpt = opt.getKey().equals("upperdir");
        if (!upperOpt && !opt.getKey().equals("workdir") || opt.getValue() == null) {
          continue;
        }
        Path used = Path.of(unescapeOverlay(opt.getValue()));
        if (used.equals(upper) || used.equals(work)) {
          String option = used.equals(upper) ? "upperdir" : "workdir";
          throw new OverlayOptionException(Errno.EBUSY, option, used.toString(),
              "is in use as " + opt.getKey() + " of the kernel overlay mounted at " + mount.mountPoint());
        }
      }
    }
  }

  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p;
    }
  }

  /** Undoes the overlay's backslash escapes of ':' and ','. */
  private static String unescapeOverlay(String s) {
    return s.replaceAll("\\\\(.)", "$1");
  }

  @Override
  public void close() {
    Posix.closeQuietly(upperFd);
    Posix.closeQuietly(workFd);
  }
}
