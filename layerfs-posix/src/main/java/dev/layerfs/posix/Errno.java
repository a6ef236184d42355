package dev.layerfs.posix;

/** Linux error numbers (asm-generic values, shared by x86_64 and aarch64) with their symbolic names. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int ENXIO = 6;
  public static final int E2BIG = 7;
  public static final int EBADF = 9;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int EXDEV = 18;
  public static final int ENODEV = 19;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int EINVAL = 22;
  public static final int ENFILE = 23;
  public static final int EMFILE = 24;
  public static final int ENOTTY = 25;
  public static final int ETXTBSY = 26;
  public static final int EFBIG = 27;
  public static final int ENOSPC = 28;
  public static final int ESPIPE = 29;
  public static final int EROFS = 30;
  public static final int EMLINK = 31;
  public static final int EPIPE = 32;
  public static final int ERANGE = 34;
  public static final int EDEADLK = 35;
  public static final int ENAMETOOLONG = 36;
  public static final int ENOLCK = 37;
  public static final int ENOSYS = 38;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;
  public static final int EPROTO = 71;
  public static final int EOVERFLOW = 75;
  public static final int EOPNOTSUPP = 95;
  public static final int ECONNREFUSED = 111;
  public static final int ESTALE = 116;
  public static final int EDQUOT = 122;
  public static final int ENOTCONN = 107;
  public static final int ENOTSUP = EOPNOTSUPP;

  private static final String[] NAMES = new String[134];

  static {
    String[] names = {
      "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN", "ENOMEM",
      "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE",
      "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE",
      "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP"
    };
    for (int i = 0; i < names.length; i++) {
      NAMES[i + 1] = names[i];
    }
    NAMES[ENODATA] = "ENODATA";
    NAMES[EPROTO] = "EPROTO";
    NAMES[EOVERFLOW] = "EOVERFLOW";
    NAMES[EOPNOTSUPP] = "EOPNOTSUPP";
    NAMES[ENOTCONN] = "ENOTCONN";
    NAMES[ECONNREFUSED] = "ECONNREFUSED";
    NAMES[ESTALE] = "ESTALE";
    NAMES[EDQUOT] = "EDQUOT";
  }

  private Errno() {}

  /** The symbolic name, such as {@code ENOENT}, or {@code errno 123} for numbers without one here. */
  public static String name(int errno) {
    String name = errno > 0 && errno < NAMES.length ? NAMES[errno] : null;
    return name != null ? name : "errno " + errno;
  }

  /** The C library's description of the error, such as "No such file or directory". */
  public static String describe(int errno) {
    return Native.strerror(errno);
  }
}
