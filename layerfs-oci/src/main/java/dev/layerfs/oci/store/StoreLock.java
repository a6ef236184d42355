package dev.layerfs.oci.store;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An {@code flock(2)} on a lock file of the store, so that concurrent {@code layerfs} processes (and threads, each
 * with its own descriptor) exclude each other; the kernel drops it if the process dies.
 */
final class StoreLock implements AutoCloseable {
  private final int fd;

  private StoreLock(int fd) {
    this.fd = fd;
  }

  static StoreLock shared(Path file) throws IOException {
    return take(file, Posix.LOCK_SH);
  }

  static StoreLock exclusive(Path file) throws IOException {
    return take(file, Posix.LOCK_EX);
  }

  private static StoreLock take(Path file, int operation) throws IOException {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(file.toString()), Posix.O_RDWR | Posix.O_CREAT, 0644);
    try {
      Posix.flock(fd, operation);
      return new StoreLock(fd);
    } catch (PosixException e) {
      Posix.closeQuietly(fd);
      throw new IOException("cannot lock " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    Posix.closeQuietly(fd);
  }
}
