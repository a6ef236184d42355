package dev.layerfs.core;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;

/**
 * A mount option or layer directory that cannot be used; the message names the option and the path, and the
 * errno is the one the kernel's mount would fail with.
 */
public final class OverlayOptionException extends PosixException {
  private static final long serialVersionUID = 1L;

  private final String option;

  OverlayOptionException(String option, String value, String problem) {
    this(Errno.EINVAL, option, value, problem);
  }

  OverlayOptionException(int errno, String option, String value, String problem) {
    super(message(option, value, problem), errno, "mount", value);
    this.option = option;
  }

  private static String message(String option, String value, String problem) {
    return value == null ? option + ": " + problem : option + "=" + value + ": " + problem;
  }

  /** The option at fault, such as {@code upperdir}. */
  public String option() {
    return option;
  }
}
