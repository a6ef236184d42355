package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended attributes of any file type in any namespace, with binary values, addressed by a directory descriptor
 * and a name.
 *
 * <p>An attribute's name is bytes, like a file's: {@code setfattr -n user.$'\xff'} is a valid name that must reach
 * a layer as it came. Names are therefore carried as strings with one char per byte (ISO-8859-1), which keep every
 * byte and still compare, hash and match prefixes such as {@code trusted.overlay.} as strings do. {@link #name} and
 * {@link #bytes} convert at the edges where names are bytes; {@link #ofText} and {@link #text} where they are Unicode
 * text (Java's attribute views, messages).
 *
 * <p>Every call goes through the {@code *xattrat(2)} calls (Linux 6.13) with {@code AT_SYMLINK_NOFOLLOW}, and
 * {@code AT_EMPTY_PATH} for an empty name, which addresses {@code DIRFD} itself. Before those calls (ENOSYS), where
 * they are refused (EPERM), and for an {@code O_PATH} descriptor addressed itself (which they refuse with EBADF),
 * the object is reached as {@code /proc/self/fd/DIRFD/NAME} with the {@code l*} calls, which never follow the final
 * symlink: walking that path was 60% of a read's time in the kernel (profile of {@code ls -l} through the mount),
 * and a tenth of a copy-up's metadata copy. With {@link Posix#AT_FDCWD} the name is an ordinary path.
 */
public final class Xattrs {
  public static final int XATTR_CREATE = 1;
  public static final int XATTR_REPLACE = 2;
  /** The largest value the kernel accepts ({@code XATTR_SIZE_MAX}). */
  public static final int SIZE_MAX = 65536;


  private static final byte[] PROC_FD = "/proc/self/fd/".getBytes(StandardCharsets.US_ASCII);
  /** {@code struct xattr_args}: the value's address (u64), its size (u32), flags (u32). */
  private static final long XATTR_ARGS_SIZE = 16;
  /** False once the kernel answered ENOSYS to an {@code *at} call (older than 6.13); tests set it to try both. */
  static volatile boolean atCalls = true;

  private Xattrs() {}

  /** The name whose bytes are {@code bytes}. */
  public static String name(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  /** The bytes of {@code name}; a char beyond one byte means it was made from text without {@link #ofText}. */
  public static byte[] bytes(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) > 0xff) {
        throw new IllegalArgumentException("xattr name '" + name + "' is text, not bytes");
      }
    }
    return name.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The name whose bytes are {@code text} in UTF-8. */
  public static String ofText(String text) {
    return name(text.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code name} read as UTF-8; bytes that are not UTF-8 become U+FFFD, so it may not name the same attribute. */
  public static String text(String name) {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }

  /** {@code name} for a message: UTF-8 as text, any other byte as {@code \xNN}. */
  public static String printable(String name) {
    return Names.printable(bytes(name));
  }

  /** The value of {@code attr}, or null when the file has no such attribute (ENODATA). */
  public static byte[] get(int dirfd, byte[] name, String attr) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment key = s.cstring(bytes(attr));
      MemorySegment buf = s.allocate(4096);
      long n = get(s, dirfd, name, key, buf);
      if (n < 0 && s.lastErrno() == Errno.ERANGE) {
        buf = s.allocate(SIZE_MAX);
        n = get(s, dirfd, name, key, buf);
      }
      if (n < 0 && s.lastErrno() == Errno.ENODATA) {
        return null;
      }
      check(s, n, "getxattr ", attr, name);
      return buf.asSlice(0, n).toArray(JAVA_BYTE);
    }
  }

  /** Sets {@code attr}; {@code flags} is 0, {@link #XATTR_CREATE} or {@link #XATTR_REPLACE}. */
  public static void set(int dirfd, byte[] name, String attr, byte[] value, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment key = s.cstring(bytes(attr));
      MemorySegment data = s.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, data, JAVA_BYTE, 0, value.length);
      if (atCall(dirfd, name)) {
        long rc = s.call(Syscalls.SETXATTRAT, dirfd, s.address(s.cstring(name)), atFlags(name), s.address(key),
            s.address(xattrArgs(s, data, value.length, flags)), XATTR_ARGS_SIZE);
        if (!unanswered(s, rc, name)) {
          check(s, rc, "setxattr ", attr, name);
          return;
        }
      }
      long call = name.length == 0 ? Syscalls.SETXATTR : Syscalls.LSETXATTR;
      long rc = s.call(call, s.address(procPath(s, dirfd, name)), s.address(key), s.address(data), value.length,
          flags);
      check(s, rc, "setxattr ", attr, name);
    }
  }

  /** The names of all attributes the caller may see, in the order the filesystem lists them. */
  public static List<String> list(int dirfd, byte[] name) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment buf = s.allocate(4096);
      long n = list(s, dirfd, name, buf);
      if (n < 0 && s.lastErrno() == Errno.ERANGE) {
        buf = s.allocate(SIZE_MAX);
        n = list(s, dirfd, name, buf);
      }
      s.check(n, "listxattr", name);
      List<String> names = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf.get(JAVA_BYTE, i) == 0) {
          names.add(name(buf.asSlice(start, i - start).toArray(JAVA_BYTE)));
          start = i + 1;
        }
      }
      return names;
    }
  }

  /** Removes {@code attr}; ENODATA when absent. */
  public static void remove(int dirfd, byte[] name, String attr) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment key = s.cstring(bytes(attr));
      if (atCall(dirfd, name)) {
        long rc = s.call(Syscalls.REMOVEXATTRAT, dirfd, s.address(s.cstring(name)), atFlags(name), s.address(key));
        if (!unanswered(s, rc, name)) {
          check(s, rc, "removexattr ", attr, name);
          return;
        }
      }
      long call = name.length == 0 ? Syscalls.REMOVEXATTR : Syscalls.LREMOVEXATTR;
      check(s, s.call(call, s.address(procPath(s, dirfd, name)), s.address(key)), "removexattr ", attr, name);
    }
  }

  /** Fails for a negative {@code rc}, naming the attribute readably; the name is rendered only then. */
  private static void check(Scratch s, long rc, String call, String attr, byte[] name) throws PosixException {
    if (rc < 0) {
      s.check(rc, call + printable(attr), name);
    }
  }

  /** One {@code getxattr} into {@code buf}: its length, or -1 with the errno in {@code s}. */
  private static long get(Scratch s, int dirfd, byte[] name, MemorySegment key, MemorySegment buf) {
    if (atCall(dirfd, name)) {
      long n = s.call(Syscalls.GETXATTRAT, dirfd, s.address(s.cstring(name)), atFlags(name), s.address(key),
          s.address(xattrArgs(s, buf, buf.byteSize(), 0)), XATTR_ARGS_SIZE);
      if (!unanswered(s, n, name)) {
        return n;
      }
    }
    long call = name.length == 0 ? Syscalls.GETXATTR : Syscalls.LGETXATTR;
    return s.call(call, s.address(procPath(s, dirfd, name)), s.address(key), s.address(buf), buf.byteSize());
  }

  /** One {@code listxattr} into {@code buf}: the names' length, or -1 with the errno in {@code s}. */
  private static long list(Scratch s, int dirfd, byte[] name, MemorySegment buf) {
    if (atCall(dirfd, name)) {
      long n = s.call(Syscalls.LISTXATTRAT, dirfd, s.address(s.cstring(name)), atFlags(name), s.address(buf),
          buf.byteSize());
      if (!unanswered(s, n, name)) {
        return n;
      }
    }
    long call = name.length == 0 ? Syscalls.LISTXATTR : Syscalls.LLISTXATTR;
    return s.call(call, s.address(procPath(s, dirfd, name)), s.address(buf), buf.byteSize());
  }

  /** Whether the {@code *at} calls may address {@code name} in {@code dirfd}: not an empty name in the cwd. */
  private static boolean atCall(int dirfd, byte[] name) {
    return atCalls && (name.length > 0 || dirfd != Posix.AT_FDCWD);
  }

  private static int atFlags(byte[] name) {
    return name.length == 0 ? Posix.AT_SYMLINK_NOFOLLOW | Posix.AT_EMPTY_PATH : Posix.AT_SYMLINK_NOFOLLOW;
  }

  /** {@code struct xattr_args} for a value buffer of {@code size} bytes. */
  private static MemorySegment xattrArgs(Scratch s, MemorySegment value, long size, int flags) {
    MemorySegment args = s.allocate(XATTR_ARGS_SIZE);
    args.set(JAVA_LONG, 0, s.address(value));
    args.set(JAVA_INT, 8, (int) size);
    args.set(JAVA_INT, 12, flags);
    return args;
  }

  /**
   * Whether an {@code *at} call's failure says nothing about the attribute, so the {@code /proc} path must answer:
   * ENOSYS (a kernel before 6.13; the calls are not tried again); EPERM, which a seccomp filter may give for calls
   * it does not know (a container runtime's, say) and which the old call then confirms or corrects; or, for an
   * empty name, EBADF, the answer for an {@code O_PATH} descriptor.
   */
  private static boolean unanswered(Scratch s, long n, byte[] name) {
    if (n >= 0) {
      return false;
    }
    int errno = s.lastErrno();
    if (errno == Errno.ENOSYS) {
      atCalls = false;
    }
    return errno == Errno.ENOSYS || errno == Errno.EPERM || (errno == Errno.EBADF && name.length == 0);
  }

  private static MemorySegment procPath(Scratch s, int dirfd, byte[] name) {
    if (dirfd == Posix.AT_FDCWD) {
      return s.cstring(name);
    }
    byte[] fd = Integer.toString(dirfd).getBytes(StandardCharsets.US_ASCII);
    int length = PROC_FD.length + fd.length + (name.length == 0 ? 0 : 1 + name.length);
    MemorySegment path = s.allocate(length + 1L);
    MemorySegment.copy(PROC_FD, 0, path, JAVA_BYTE, 0, PROC_FD.length);
    MemorySegment.copy(fd, 0, path, JAVA_BYTE, PROC_FD.length, fd.length);
    if (name.length != 0) {
      path.set(JAVA_BYTE, PROC_FD.length + fd.length, (byte) '/');
      MemorySegment.copy(name, 0, path, JAVA_BYTE, PROC_FD.length + fd.length + 1L, name.length);
    }
    return path;
  }
}
