package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * An open directory read one {@code getdents64(2)} buffer at a time, so that listing a directory of any size needs
 * only that buffer, and resumable at the offset of any entry it returned (its {@code d_off}, the position the
 * filesystem itself hands out: stable across calls and across {@code telldir}/{@code seekdir}, as the kernel's
 * overlay relies on when it iterates a directory that merges nothing).
 *
 * <p>The reader stands on one entry at a time: {@link #hasEntry} reads the next buffer when the current one is used
 * up, the accessors describe the entry, and {@link #advance} moves past it. A caller that cannot take an entry
 * just stops; the next {@link #seek} to that entry's starting position is then free. Not thread-safe, but usable
 * from one thread after another (FUSE reader threads take turns on an open directory): the buffer is on the heap,
 * filled from the calling thread's scratch memory, so there is no arena to close (closing a shared arena stops
 * every thread of the JVM for a moment).
 *
 * <p>The buffer is 4 KiB at first, which holds most directories whole, and 32 KiB from the second read on for a
 * directory that filled it (less room left than the largest entry takes); at the end of the directory it is let go
 * until the reader reads again. A FUSE mount keeps readers open after their directories were read (nothing says
 * when a reader is done), and a walk through a tree opens one for each directory: 32 KiB each outlived several
 * young collections and made them copy it.
 */
public final class DirectoryReader implements AutoCloseable {
  private static final int FIRST_BUFFER_SIZE = 4 * 1024;
  private static final int BUFFER_SIZE = 32 * 1024;
  /** The largest {@code struct linux_dirent64}: a 255-byte name, its terminator and the header, aligned to 8. */
  private static final int LARGEST_ENTRY = 280;
  private static final long D_OFF = 8;
  private static final long D_RECLEN = 16;
  private static final long D_TYPE = 18;
  private static final long D_NAME = 19;

  private final int fd;
  private final byte[] path;
  private byte[] bytes;
  private MemorySegment buffer;
  private int length;
  private int at;
  private int nameLength = -1;
  /** The directory offset of the entry under the cursor: 0 at the start, else the {@code d_off} before it. */
  private long position;
  private boolean ended;

  private DirectoryReader(int fd, byte[] path) {
    this.fd = fd;
    this.path = path;
  }

  /**
   * Opens {@code path} (relative to {@code dirfd}, which may be an {@code O_PATH} descriptor) for reading its
   * entries; symbolic links are not followed.
   */
  public static DirectoryReader open(int dirfd, byte[] path) throws PosixException {
    int fd = Posix.openat(dirfd, path, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
    try {
      return new DirectoryReader(fd, path);
    } catch (RuntimeException | Error e) {
      Posix.closeQuietly(fd);
      throw e;
    }
  }

  /** Whether there is an entry under the cursor, reading the next buffer if needed; false at the end. */
  public boolean hasEntry() throws PosixException {
    if (at < length) {
      return true;
    }
    if (ended) {
      return false;
    }
    if (bytes == null || bytes.length < BUFFER_SIZE && bytes.length - length < LARGEST_ENTRY) {
      bytes = new byte[bytes == null ? FIRST_BUFFER_SIZE : BUFFER_SIZE];
      buffer = MemorySegment.ofArray(bytes);
    }
    length = Posix.getdents64(fd, bytes, path);
    at = 0;
    nameLength = -1;
    ended = length == 0;
    if (ended) {
      bytes = null;
      buffer = null;
    }
    return !ended;
  }

  /** Whether the last read found the end of the directory (a {@link #seek} looks again). */
  public boolean isAtEnd() {
    return ended;
  }

  /** Moves past the entry under the cursor. */
  public void advance() {
    position = nextOffset();
    at += Short.toUnsignedInt(buffer.get(JAVA_SHORT_UNALIGNED, at + D_RECLEN));
    nameLength = -1;
  }

  /**
   * Places the cursor at a position: 0 for the start, or the {@link #nextOffset} of an entry read before. Staying
   * where the cursor is costs nothing (the descriptor's own offset is the last buffered entry's {@code d_off});
   * anything else is an {@code lseek} that drops the buffer.
   */
  public void seek(long offset) throws PosixException {
    if (offset == position) {
      ended &= at < length; // at the end, look again: entries may have been added since
      return;
    }
    Posix.lseek(fd, offset, Posix.SEEK_SET);
    position = offset;
    length = 0;
    at = 0;
    nameLength = -1;
    ended = false;
  }

  /** The directory offset of the entry under the cursor, to {@link #seek} back to it. */
  public long position() {
    return position;
  }

  public long ino() {
    return buffer.get(JAVA_LONG_UNALIGNED, at);
  }

  /** The entry's {@code DT_*} type. */
  public int type() {
    return Byte.toUnsignedInt(buffer.get(JAVA_BYTE, at + D_TYPE));
  }

  /** The offset of the entry after this one: where a listing that took this entry resumes. */
  public long nextOffset() {
    return buffer.get(JAVA_LONG_UNALIGNED, at + D_OFF);
  }

  public int nameLength() {
    if (nameLength < 0) {
      long end = at + D_NAME;
      while (buffer.get(JAVA_BYTE, end) != 0) {
        end++;
      }
      nameLength = (int) (end - at - D_NAME);
    }
    return nameLength;
  }

  /** The entry's name, a new array. */
  public byte[] name() {
    return buffer.asSlice(at + D_NAME, nameLength()).toArray(JAVA_BYTE);
  }

  /** Copies the entry's name into {@code into} at {@code offset}; {@link #nameLength} bytes. */
  public void copyName(byte[] into, int offset) {
    MemorySegment.copy(buffer, JAVA_BYTE, at + D_NAME, into, offset, nameLength());
  }

  /** Whether the entry is "." or "..". */
  public boolean isDotOrDotDot() {
    int n = nameLength();
    return (n == 1 || n == 2) && buffer.get(JAVA_BYTE, at + D_NAME) == '.'
        && (n == 1 || buffer.get(JAVA_BYTE, at + D_NAME + 1) == '.');
  }

  @Override
  public void close() {
    Posix.closeQuietly(fd);
  }
}
