package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The answer to GETATTR and SETATTR ({@code struct fuse_attr_out}): attributes and how long the kernel may cache
 * them. Views are reused: do not keep one past the call.
 */
public final class AttrOut {
  static final int SIZE = 104;
  private static final long ATTR_VALID = 0;
  private static final long ATTR_VALID_NSEC = 8;
  private static final long ATTR = 16;

  private final Attr attr = new Attr();
  private MemorySegment buffer;
  private long at;

  AttrOut() {}

  AttrOut bind(MemorySegment buffer, long at) {
    this.buffer = buffer;
    this.at = at;
    Abi.zero(buffer, at, SIZE);
    attr.bind(buffer, at + ATTR);
    return this;
  }

  public AttrOut attrTimeout(Duration timeout) {
    buffer.set(JAVA_LONG, at + ATTR_VALID, timeout.getSeconds());
    buffer.set(JAVA_INT, at + ATTR_VALID_NSEC, timeout.getNano());
    return this;
  }

  public Attr attr() {
    return attr;
  }
}
