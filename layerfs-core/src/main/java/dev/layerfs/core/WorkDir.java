package dev.layerfs.core;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The kernel's {@code workdir/work}: where objects are built before they appear in upper with one atomic link or
 * rename, so a crash never leaves a half-made file visible.
 *
 * <p>Like the kernel, it is emptied and remade at every start (mode 0000 as root, 0700 for others, who have no
 * capability to write into a 0000 directory), deleted objects are replaced by hard
 * links of one shared whiteout kept here, and temporary names are {@code #<hex>}.
 */
final class WorkDir implements AutoCloseable {
  private static final byte[] WORK = Names.bytes("work");
  private static final byte[] INCOMPAT = Names.bytes("incompat");
  private static final byte[] VOLATILE = Names.bytes("volatile");
  private static final byte[] DIRTY = Names.bytes("dirty");

  /** {@code O_PATH} descriptor of {@code workdir/work}. */
  final int fd;
  private final AtomicLong counter = new AtomicLong(0x10);
  private final Object whiteoutLock = new Object();
  private byte[] sharedWhiteout;
  private volatile boolean tmpfileSupported = true;

  private WorkDir(int fd) {
    this.fd = fd;
  }

  /**
   * Prepares {@code workdir/work} under the workdir descriptor {@code baseFd}: refuses a work dir marked by a
   * volatile overlay that was never cleaned up, removes what a crash left, and makes a fresh empty directory.
   */
  static WorkDir prepare(int baseFd, String workDirName, boolean volatileWrites) throws PosixException {
    if (Posix.lstatatOrNull(baseFd, Names.join(WORK, INCOMPAT)) != null) {
      throw new OverlayOptionException(Errno.EINVAL, "workdir", workDirName,
          "holds work/incompat from a 'volatile' overlay; its upper layer may be inconsistent after a crash. "
              + "Remove work/incompat to use it anyway");
    }
    if (Posix.lstatatOrNull(baseFd, WORK) != null) {
      removeTree(baseFd, WORK);
    }
    int mode = Posix.geteuid() == 0 ? 0 : 0700;
    Posix.mkdirat(baseFd, WORK, mode);
    Posix.fchmodat(baseFd, WORK, mode);
    int fd = Posix.openat(baseFd, WORK, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
    if (volatileWrites) {
      Posix.mkdirat(fd, INCOMPAT, 0);
      Posix.mkdirat(fd, Names.join(INCOMPAT, VOLATILE), 0);
      Posix.closeQuietly(Posix.openat(fd, Names.join(Names.join(INCOMPAT, VOLATILE), DIRTY),
          Posix.O_CREAT | Posix.O_EXCL | Posix.O_WRONLY, 0));
    }
    return new WorkDir(fd);
  }

  /** A fresh name in the work dir. */
  byte[] tempName() {
    return ("#" + Long.toHexString(counter.getAndIncrement())).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Makes a whiteout under a fresh name in the work dir, ready to be renamed into place: a hard link of the shared
   * whiteout, as the kernel makes them, or a new one where links are not possible.
   */
  byte[] newWhiteout() throws PosixException {
    byte[] name = tempName();
    synchronized (whiteoutLock) {
      if (sharedWhiteout == null) {
        byte[] shared = tempName();
        Posix.mknodat(fd, shared, Posix.S_IFCHR, 0);
        sharedWhiteout = shared;
      }
      try {
        Posix.linkat(fd, sharedWhiteout, fd, name, 0);
        return name;
      } catch (PosixException e) {
        if (e.errno() != Errno.EMLINK && e.errno() != Errno.EPERM && e.errno() != Errno.EOPNOTSUPP) {
          throw e;
        }
        byte[] own = sharedWhiteout;
        sharedWhiteout = null;
        return own;
      }
    }
  }

  /**
   * Opens an unnamed file in the work dir ({@code O_TMPFILE}), or answers -1 where the filesystem cannot, so the
   * caller builds a named temporary instead.
   */
  int openTmpfile(int mode) throws PosixException {
    if (!tmpfileSupported) {
      return -1;
    }
    try {
      return Posix.openat(fd, new byte[] {'.'}, Posix.O_TMPFILE | Posix.O_RDWR, mode);
    } catch (PosixException e) {
      if (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EISDIR || e.errno() == Errno.EINVAL) {
        tmpfileSupported = false;
        return -1;
      }
      throw e;
    }
  }

  /** Gives an {@code O_TMPFILE} file its name in upper: the step that makes a copy-up visible. */
  static void linkTmpfile(int tmpfileFd, int dirfd, byte[] name) throws PosixException {
    byte[] proc = ("/proc/self/fd/" + tmpfileFd).getBytes(StandardCharsets.US_ASCII);
    Posix.linkat(Posix.AT_FDCWD, proc, dirfd, name, Posix.AT_SYMLINK_FOLLOW);
  }

  /** Removes a temporary object, and everything inside it, from the work dir. */
  void remove(byte[] name) throws PosixException {
    removeTree(fd, name);
  }

  /** Removes {@code name} under {@code dirfd} and, for a directory, all it contains, without following symlinks. */
  static void removeTree(int dirfd, byte[] name) throws PosixException {
    var st = Posix.lstatatOrNull(dirfd, name);
    if (st == null) {
      return;
    }
    if (!st.isDirectory()) {
      Posix.unlinkat(dirfd, name, 0);
      return;
    }
    if ((st.mode() & 0700) != 0700) {
      Posix.fchmodat(dirfd, name, 0700);
    }
    int sub = Posix.openat(dirfd, name, Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
    try {
      for (DirEntry e : Posix.readDirectory(sub, new byte[] {'.'})) {
        removeTree(sub, e.name());
      }
    } finally {
      Posix.closeQuietly(sub);
    }
    Posix.unlinkat(dirfd, name, Posix.AT_REMOVEDIR);
  }

  @Override
  public void close() {
    Posix.closeQuietly(fd);
  }
}
