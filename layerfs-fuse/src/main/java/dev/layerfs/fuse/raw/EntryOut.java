package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The answer to a name lookup ({@code struct fuse_entry_out}): the node the name leads to, its attributes, and how
 * long the kernel may cache both.
 *
 * <p>Every entry answered with a non-zero node id counts as one lookup of that node, which the kernel later gives
 * back through {@link RawFileSystem#forget}. A node id of 0 is a negative entry: the name does not exist, and the
 * kernel caches that for the entry timeout. Views are reused: do not keep one past the call.
 */
public final class EntryOut {
  static final int SIZE = 128;
  private static final long NODEID = 0;
  private static final long GENERATION = 8;
  private static final long ENTRY_VALID = 16;
  private static final long ATTR_VALID = 24;
  private static final long ENTRY_VALID_NSEC = 32;
  private static final long ATTR_VALID_NSEC = 36;
  private static final long ATTR = 40;

  private final Attr attr = new Attr();
  private MemorySegment buffer;
  private long at;

  EntryOut() {}

  /** Points this view at a zeroed {@code fuse_entry_out} at {@code at}. */
  EntryOut bind(MemorySegment buffer, long at) {
    this.buffer = buffer;
    this.at = at;
    Abi.zero(buffer, at, SIZE);
    attr.bind(buffer, at + ATTR);
    return this;
  }

  public EntryOut nodeId(long nodeId) {
    buffer.set(JAVA_LONG, at + NODEID, nodeId);
    return this;
  }

  /** The node id set so far, 0 for none. */
  public long nodeId() {
    return buffer.get(JAVA_LONG, at + NODEID);
  }

  /** Distinguishes reuses of one node id: the pair (node id, generation) must be unique for the mount's life. */
  public EntryOut generation(long generation) {
    buffer.set(JAVA_LONG, at + GENERATION, generation);
    return this;
  }

  /** How long the kernel may trust that the name leads to this node (or, for node id 0, to nothing). */
  public EntryOut entryTimeout(Duration timeout) {
    buffer.set(JAVA_LONG, at + ENTRY_VALID, timeout.getSeconds());
    buffer.set(JAVA_INT, at + ENTRY_VALID_NSEC, timeout.getNano());
    return this;
  }

  /** How long the kernel may trust the attributes. */
  public EntryOut attrTimeout(Duration timeout) {
    buffer.set(JAVA_LONG, at + ATTR_VALID, timeout.getSeconds());
    buffer.set(JAVA_INT, at + ATTR_VALID_NSEC, timeout.getNano());
    return this;
  }

  public Attr attr() {
    return attr;
  }
}
