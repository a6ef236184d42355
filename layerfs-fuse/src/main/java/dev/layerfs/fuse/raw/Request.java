package dev.layerfs.fuse.raw;

/**
 * Who asked, and about which node: the context of one request, which a filesystem needs to give created files their
 * owner and to notice that the caller gave up.
 *
 * <p>Each reader thread reuses one instance: do not keep it past the call it was given in.
 */
public final class Request {
  private volatile long unique;
  private volatile long interruptedUnique;
  private long nodeId;
  private int uid;
  private int gid;
  private int pid;

  Request() {}

  void begin(long unique, long nodeId, int uid, int gid, int pid) {
    this.nodeId = nodeId;
    this.uid = uid;
    this.gid = gid;
    this.pid = pid;
    this.unique = unique;
  }

  void end() {
    unique = 0;
  }

  /** Marks this request interrupted if it is request {@code target}, and reports whether it was. */
  boolean interruptIf(long target) {
    if (target == 0 || unique != target) {
      return false;
    }
    interruptedUnique = target;
    return true;
  }

  /** The node the request is about: the parent directory for requests that carry a name. */
  public long nodeId() {
    return nodeId;
  }

  /** The caller's effective user id, which created files should be owned by. */
  public int uid() {
    return uid;
  }

  /** The caller's effective group id. */
  public int gid() {
    return gid;
  }

  /** The calling thread's process id, 0 for requests the kernel makes on its own (writeback, release). */
  public int pid() {
    return pid;
  }

  /**
   * Whether the kernel asked to interrupt this request because the caller got a signal; a long-running filesystem
   * call may check it and throw {@code FuseException.of(Errno.EINTR)}.
   */
  public boolean isInterrupted() {
    long current = unique;
    return current != 0 && interruptedUnique == current;
  }
}
