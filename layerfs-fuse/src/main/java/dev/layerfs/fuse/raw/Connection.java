package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A negotiated FUSE connection: what the kernel and this server agreed at INIT, and the channel for telling the
 * kernel that something it cached has changed behind its back.
 *
 * <p>The notification methods may be called from any thread, but not from a filesystem method answering a request
 * about the same directory or node, which the kernel holds locked while it waits for the answer.
 */
public final class Connection {
  // struct fuse_notify_inval_inode_out and struct fuse_notify_inval_entry_out
  private static final int INVAL_INODE_SIZE = 24;
  private static final int INVAL_ENTRY_SIZE = 16;

  private final Session session;
  private final Init.Offer offer;
  private final Init.Agreement agreement;

  Connection(Session session, Init.Offer offer, Init.Agreement agreement) {
    this.session = session;
    this.offer = offer;
    this.agreement = agreement;
  }

  /** The protocol minor version both sides speak: the smaller of the kernel's and this server's (7.45). */
  public int protocolMinor() {
    return agreement.minor();
  }

  /** The largest WRITE, and READ, the kernel sends. */
  public int maxWrite() {
    return agreement.maxWrite();
  }

  /** Whether {@link OpenOut#passthrough} can take effect. */
  public boolean passthrough() {
    return agreement.has(Abi.PASSTHROUGH);
  }

  /** Whether the kernel caches writes and sends them later, owning size and mtime meanwhile. */
  public boolean writebackCache() {
    return agreement.has(Abi.WRITEBACK_CACHE);
  }

  /** Whether the kernel may send READDIRPLUS. */
  public boolean readdirplus() {
    return agreement.has(Abi.DO_READDIRPLUS);
  }

  /**
   * Whether the kernel opens a directory itself once OPENDIR is answered with ENOSYS (NO_OPENDIR_SUPPORT, Linux 5.1
   * on): from then on no opendir of the mount sends OPENDIR or RELEASEDIR, READDIR and FSYNCDIR carry handle 0,
   * and the kernel caches listings as it does for {@link OpenOut#cacheDir} with {@link OpenOut#keepCache}.
   */
  public boolean opensDirectoriesItself() {
    return agreement.has(Abi.NO_OPENDIR_SUPPORT);
  }

  Init.Agreement agreement() {
    return agreement;
  }

  Init.Offer offer() {
    return offer;
  }

  /**
   * Drops the kernel's cached attributes of {@code nodeId} and its cached data from {@code offset} for
   * {@code length} bytes (0 for to the end; a negative offset keeps the data and drops only attributes). A node
   * the kernel does not know is not an error.
   */
  public void invalidateInode(long nodeId, long offset, long length) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment message = header(arena, INVAL_INODE_SIZE, Abi.NOTIFY_INVAL_INODE);
      message.set(JAVA_LONG, Abi.OUT_HEADER_SIZE, nodeId);
      message.set(JAVA_LONG, Abi.OUT_HEADER_SIZE + 8, offset);
      message.set(JAVA_LONG, Abi.OUT_HEADER_SIZE + 16, length);
      session.notifyKernel(message);
    }
  }

  /**
   * Drops the kernel's cached lookup of {@code name} in directory {@code parent}, negative or not, so that the next
   * access looks it up again. A name the kernel has not cached is not an error.
   */
  public void invalidateEntry(long parent, byte[] name) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment message = header(arena, INVAL_ENTRY_SIZE + name.length + 1, Abi.NOTIFY_INVAL_ENTRY);
      message.set(JAVA_LONG, Abi.OUT_HEADER_SIZE, parent);
      message.set(JAVA_INT, Abi.OUT_HEADER_SIZE + 8, name.length);
      MemorySegment.copy(name, 0, message, JAVA_BYTE, Abi.OUT_HEADER_SIZE + INVAL_ENTRY_SIZE, name.length);
      session.notifyKernel(message);
    }
  }

  /** A zeroed notification message: an out header whose unique is 0 and whose error field holds the code. */
  private static MemorySegment header(Arena arena, int bodySize, int code) {
    MemorySegment message = arena.allocate(Abi.OUT_HEADER_SIZE + bodySize, 8);
    message.set(JAVA_INT, Abi.OUT_LEN, Abi.OUT_HEADER_SIZE + bodySize);
    message.set(JAVA_INT, Abi.OUT_ERROR, code);
    return message;
  }

  @Override
  public String toString() {
    return "FUSE " + Abi.MAJOR + "." + agreement.minor() + " (kernel " + offer.major() + "." + offer.minor() + "), "
        + agreement;
  }
}
