package dev.layerfs.oci.store;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes that survive a crash: a file is written under a temporary name, forced to disk, renamed over the final
 * name and its directory forced, so a reader sees either the old or the new content, never a torn one.
 */
final class Durable {
  private Durable() {}

  /** Replaces {@code file} with {@code content} atomically; {@code scratch} is a directory on the same filesystem. */
  static void write(Path file, byte[] content, Path scratch) throws IOException {
    Path temp = Files.createTempFile(scratch, "write-", ".tmp");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        out.write(java.nio.ByteBuffer.wrap(content));
        out.force(true);
      }
      move(temp, file);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Renames {@code from} over {@code to} atomically and forces the directory entry to disk. */
  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the store's temporary directory must be on the store's filesystem: " + e.getMessage(), e);
    }
    syncDirectory(to.getParent());
  }

  /** Forces a directory's entries to disk. */
  static void syncDirectory(Path dir) throws IOException {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(dir.toString()), Posix.O_RDONLY | Posix.O_DIRECTORY);
    try {
      Posix.fsync(fd);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  /**
   * Forces everything written to {@code dir}'s filesystem to disk ({@code syncfs(2)}): one call for a whole
   * unpacked layer instead of one fsync per file.
   */
  static void syncFilesystem(Path dir) throws IOException {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(dir.toString()), Posix.O_RDONLY | Posix.O_DIRECTORY);
    try {
      Posix.syncfs(fd);
    } finally {
      Posix.closeQuietly(fd);
    }
  }
}
