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
  private final String detail;
  private String path;
  private byte[] pathBytes;
  private String message;

  public PosixException(int errno, String call, String path) {
    this(errno, call, path, (String) null);
  }

  public PosixException(int errno, String call, String path, String detail) {
    this.errno = errno;
    this.call = call;
    this.path = path;
    this.detail = detail;
  }

  /**
   * For failed system calls on a byte path: failures are often expected (ENOENT on a lookup), so the path is decoded
   * and the message written only when someone asks for them.
   */
  PosixException(int errno, String call, byte[] path) {
    this(errno, call, (String) null, (String) null);
    this.pathBytes = path;
  }

  /** For subclasses that word their own message, such as option errors. */
  protected PosixException(String message, int errno, String call, String path) {
    this(errno, call, path, (String) null);
    this.message = message;
  }

  @Override
  public String getMessage() {
    if (message == null) {
      String p = path();
      String where = p == null ? call : call + "(" + p + ")";
      String text = where + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
      message = detail == null ? text : text + ": " + detail;
    }
    return message;
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
    if (path == null && pathBytes != null) {
      path = Names.printable(pathBytes);
    }
    return path;
  }
}
