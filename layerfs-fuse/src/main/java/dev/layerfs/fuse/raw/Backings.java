package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The backing files registered with the kernel for FUSE passthrough, one per node while it has passthrough opens.
 *
 * <p>The kernel allows a node only one backing file at a time and fails any other open of it while that lasts, so
 * every passthrough open of a node shares one backing id: the first open's registration
 * ({@code FUSE_DEV_IOC_BACKING_OPEN}) is kept until RELEASE has come for the node's last passthrough open, and
 * later opens of the same file give theirs back at once. Open files are told apart by their handle, so a filesystem
 * that gives every open of a node the same handle is counted right too.
 */
final class Backings {
  private final int fuseFd;
  private final Map<Long, Backing> byNode = new HashMap<>();
  private final AtomicBoolean warned = new AtomicBoolean();

  /** A backing file registered for one open, not yet bound to its node. */
  record Candidate(int id, long dev, long ino) {}

  private static final class Backing {
    final Candidate file;
    final Map<Long, Integer> opensByHandle = new HashMap<>();

    Backing(Candidate file) {
      this.file = file;
    }
  }

  Backings(int fuseFd) {
    this.fuseFd = fuseFd;
  }

  /**
   * Registers {@code fd} as a backing file; the kernel keeps its own reference, so {@code fd} may be closed
   * afterwards. Answers null when the kernel refuses it (EPERM without CAP_SYS_ADMIN, ELOOP for a file on a
   * filesystem stacked too deep, EINVAL for a non-regular file), so the open is served through the daemon.
   */
  Candidate register(int fd) {
    Stat st;
    try {
      st = Posix.fstat(fd);
    } catch (PosixException e) {
      return refused(e);
    }
    return register(fd, st.dev(), st.ino());
  }

  /** {@link #register(int)} of a file whose device and inode number are known. */
  Candidate register(int fd, long dev, long ino) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment map = arena.allocate(16, 8);
      map.set(JAVA_INT, 0, fd);
      return new Candidate(Posix.ioctl(fuseFd, Abi.DEV_IOC_BACKING_OPEN, map), dev, ino);
    } catch (PosixException e) {
      return refused(e);
    }
  }

  private Candidate refused(PosixException e) {
    Session.log().log(warned.compareAndSet(false, true) ? Level.WARNING : Level.DEBUG,
        "passthrough refused; serving the file through the daemon", e);
    return null;
  }

  /**
   * Binds a candidate to the passthrough open ({@code nodeId}, {@code handle}) and answers the backing id to reply
   * with: the node's existing one when it is backed by the same file already.
   *
   * @throws FuseException EBUSY when the node is open in passthrough backed by another file
   */
  synchronized int bind(long nodeId, long handle, Candidate candidate) throws FuseException {
    Backing backing = byNode.get(nodeId);
    if (backing == null) {
      backing = new Backing(candidate);
      byNode.put(nodeId, backing);
    } else {
      unregister(candidate.id());
      if (backing.file.dev() != candidate.dev() || backing.file.ino() != candidate.ino()) {
        throw FuseException.of(Errno.EBUSY);
      }
    }
    backing.opensByHandle.merge(handle, 1, Integer::sum);
    return backing.file.id();
  }

  /** Gives back a candidate that will not be bound, because its open failed. */
  void discard(Candidate candidate) {
    unregister(candidate.id());
  }

  /** Uncounts one passthrough open; opens that were not passthrough are not counted and are ignored. */
  synchronized void release(long nodeId, long handle) {
    Backing backing = byNode.get(nodeId);
    if (backing == null || !backing.opensByHandle.containsKey(handle)) {
      return;
    }
    backing.opensByHandle.compute(handle, (h, opens) -> opens == 1 ? null : opens - 1);
    if (backing.opensByHandle.isEmpty()) {
      byNode.remove(nodeId);
      unregister(backing.file.id());
    }
  }

  /** Whether node {@code nodeId} has a backing file registered. */
  synchronized boolean isBacked(long nodeId) {
    return byNode.containsKey(nodeId);
  }

  private void unregister(int id) {
    try (Arena arena = Arena.ofConfined()) {
      Posix.ioctl(fuseFd, Abi.DEV_IOC_BACKING_CLOSE, arena.allocateFrom(JAVA_INT, id));
    } catch (PosixException e) {
      Session.log().log(Level.WARNING, "could not unregister backing file " + id, e);
    }
  }
}
