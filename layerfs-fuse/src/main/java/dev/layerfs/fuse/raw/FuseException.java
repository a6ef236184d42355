package dev.layerfs.fuse.raw;

import dev.layerfs.posix.Errno;
import java.io.IOException;

/**
 * An error number to answer a request with, cheap enough to throw on hot paths such as a failed LOOKUP: it records no
 * stack trace.
 *
 * <p>A filesystem may also throw {@code dev.layerfs.posix.PosixException}, whose errno is answered as well; any other
 * exception is logged and answered with EIO.
 */
public final class FuseException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  private FuseException(int errno) {
    super(Errno.name(errno));
    this.errno = errno;
  }

  public static FuseException of(int errno) {
    if (errno <= 0 || errno >= 4096) {
      throw new IllegalArgumentException("not an errno: " + errno);
    }
    return new FuseException(errno);
  }

  public int errno() {
    return errno;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
