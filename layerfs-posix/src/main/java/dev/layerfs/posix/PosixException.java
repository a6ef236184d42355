package dev.layerfs.posix;

import java.io.IOException;

/**
 * A failed system call, carrying the errno so callers can map it (to a FUSE reply, an NIO exception, an exit code)
 * without parsing messages.
 */
public class PosixException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;
  private final String call;
  private final String path;

  public PosixException(int errno, String call, String path) {
    super(message(errno, call, path));
    this.errno = errno;
    this.call = call;
    this.path = path;
  }

  public PosixException(int errno, String call, String path, String detail) {
    super(message(errno, call, path) + ": " + detail);
    this.errno = errno;
    this.call = call;
    this.path = path;
  }

  /** For subclasses that word their own message, such as option errors. */
  protected PosixException(String message, int errno, String call, String path) {
    super(message);
    this.errno = errno;
    this.call = call;
    this.path = path;
  }

  private static String message(int errno, String call, String path) {
    String where = path == null ? call : call + "(" + path + ")";
    return where + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
  }

  /** The error number, as in {@code <errno.h>}. */
  public int errno() {
    return errno;
  }

  public String errnoName() {
    return Errno.name(errno);
  }

  /** The failed call or operation, such as {@code openat} or {@code rename}. */
  public String call() {
    return call;
  }

  /** The path the call was about, printable (non-UTF-8 bytes escaped), or null. */
  public String path() {
    return path;
  }
}
