package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.layerfs.posix.StatFs;
import java.lang.foreign.MemorySegment;

/** The answer to STATFS ({@code struct fuse_kstatfs}), which {@code df} shows. Do not keep it past the call. */
public final class StatfsOut {
  static final int SIZE = 80;
  private static final long BLOCKS = 0;
  private static final long BFREE = 8;
  private static final long BAVAIL = 16;
  private static final long FILES = 24;
  private static final long FFREE = 32;
  private static final long BSIZE = 40;
  private static final long NAMELEN = 44;
  private static final long FRSIZE = 48;

  private MemorySegment buffer;
  private long at;

  StatfsOut() {}

  StatfsOut bind(MemorySegment buffer, long at) {
    this.buffer = buffer;
    this.at = at;
    Abi.zero(buffer, at, SIZE);
    return this;
  }

  /** Copies what {@code fstatfs} reported about a real filesystem. */
  public StatfsOut set(StatFs st) {
    return blocks(st.blocks(), st.freeBlocks(), st.availableBlocks()).files(st.files(), st.freeFiles())
        .blockSize((int) st.blockSize(), (int) st.fragmentSize()).nameMax((int) st.nameMax());
  }

  /** Total, free and (for unprivileged users) available blocks, in fragment-size units. */
  public StatfsOut blocks(long total, long free, long available) {
    buffer.set(JAVA_LONG, at + BLOCKS, total);
    buffer.set(JAVA_LONG, at + BFREE, free);
    buffer.set(JAVA_LONG, at + BAVAIL, available);
    return this;
  }

  public StatfsOut files(long total, long free) {
    buffer.set(JAVA_LONG, at + FILES, total);
    buffer.set(JAVA_LONG, at + FFREE, free);
    return this;
  }

  public StatfsOut blockSize(int blockSize, int fragmentSize) {
    buffer.set(JAVA_INT, at + BSIZE, blockSize);
    buffer.set(JAVA_INT, at + FRSIZE, fragmentSize);
    return this;
  }

  public StatfsOut nameMax(int nameMax) {
    buffer.set(JAVA_INT, at + NAMELEN, nameMax);
    return this;
  }
}
