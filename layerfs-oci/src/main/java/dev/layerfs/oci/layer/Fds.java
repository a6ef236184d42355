package dev.layerfs.oci.layer;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Descriptor-relative file access for layer walks: every name is one component looked up in an open directory
 * without following symlinks, so that a symlink planted in a layer can never redirect a read or a write.
 */
final class Fds {
  static final int BUFFER = 1 << 20;

  private Fds() {}

  /** Opens the directory {@code name} in {@code dirFd}; ELOOP or ENOTDIR when it is a symlink or not a dir. */
  static int openDirectory(int dirFd, byte[] name) throws PosixException {
    return Posix.openat(dirFd, name, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
  }

  /** Opens a directory given by an absolute or relative path, following symlinks as the user means it. */
  static int openDirectory(java.nio.file.Path dir) throws PosixException {
    return Posix.openat(Posix.AT_FDCWD, dev.layerfs.posix.Names.bytes(dir.toString()),
        Posix.O_RDONLY | Posix.O_DIRECTORY);
  }

  /** Reads {@code length} bytes from {@code fd} starting at {@code offset}, with positional reads. */
  static InputStream input(int fd, long offset, long length) {
    return new PreadStream(fd, offset, length);
  }

  /** Writes {@code length} bytes of {@code data} at {@code offset} through the native {@code buffer}. */
  static void write(int fd, MemorySegment buffer, byte[] data, int length, long offset) throws PosixException {
    MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, length);
    long done = 0;
    while (done < length) {
      long n = Posix.pwrite(fd, buffer.asSlice(done, length - done), offset + done);
      if (n == 0) {
        throw new PosixException(Errno.EIO, "pwrite", null, "wrote nothing");
      }
      done += n;
    }
  }

  /** A file's bytes in a range, read with {@code pread} so the descriptor's offset is never used. */
  private static final class PreadStream extends InputStream {
    private final int fd;
    private final long end;
    private long position;
    private Arena arena;
    private MemorySegment buffer;

    PreadStream(int fd, long offset, long length) {
      this.fd = fd;
      this.position = offset;
      this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int at, int count) throws IOException {
      if (position >= end) {
        return -1;
      }
      if (buffer == null) {
        arena = Arena.ofConfined();
        buffer = arena.allocate(BUFFER);
      }
      int want = (int) Math.min(Math.min(count, BUFFER), end - position);
      long n = Posix.pread(fd, buffer.asSlice(0, want), position);
      if (n == 0) {
        throw new IOException("file shrank while it was read: " + (end - position) + " bytes missing");
      }
      MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, at, (int) n);
      position += n;
      return (int) n;
    }

    @Override
    public void close() {
      if (arena != null) {
        arena.close();
        arena = null;
        buffer = null;
      }
    }
  }
}
