package dev.layerfs.fuse.raw;

import java.lang.foreign.MemorySegment;

/**
 * The data answering a READ, placed by the filesystem directly into the reply buffer (for example with
 * {@code Posix.pread(fd, out.buffer(), offset)}), so that file data is copied once on its way to the kernel.
 *
 * <p>Do not keep the view or its buffer past the call.
 */
public final class ReadOut {
  private final MemorySegment payload;
  private MemorySegment buffer;
  private int length;

  ReadOut(MemorySegment payload) {
    this.payload = payload;
  }

  ReadOut bind(int size) {
    if (buffer == null || buffer.byteSize() != size) {
      buffer = payload.asSlice(0, size);
    }
    length = 0;
    return this;
  }

  /** Room for the requested bytes; fill a prefix of it and report its length with {@link #length(int)}. */
  public MemorySegment buffer() {
    return buffer;
  }

  /** How many bytes of {@link #buffer()} hold data; fewer than requested means end of file. */
  public void length(int length) {
    if (length < 0 || length > buffer.byteSize()) {
      throw new IllegalArgumentException("read length " + length + " outside 0.." + buffer.byteSize());
    }
    this.length = length;
  }

  int length() {
    return length;
  }
}
