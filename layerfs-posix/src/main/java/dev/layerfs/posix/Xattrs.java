package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended attributes of any file type in any namespace, with binary values, addressed by a directory descriptor
 * and a name.
 *
 * <p>Linux has no portable {@code *at} form of the xattr calls, so the object is reached as
 * {@code /proc/self/fd/DIRFD/NAME} with the {@code l*} calls, which never follow the final symlink, and an empty
 * name addresses {@code DIRFD} itself (which may be an {@code O_PATH} descriptor). With {@link Posix#AT_FDCWD} the
 * name is an ordinary path.
 */
public final class Xattrs {
  public static final int XATTR_CREATE = 1;
  public static final int XATTR_REPLACE = 2;
  /** The largest value the kernel accepts ({@code XATTR_SIZE_MAX}). */
  public static final int SIZE_MAX = 65536;

  private static final class LGETXATTR {
    static final MethodHandle H = Native.errnoCall("lgetxattr",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
  }
  private static final class GETXATTR {
    static final MethodHandle H = Native.errnoCall("getxattr",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
  }
  private static final class LSETXATTR {
    static final MethodHandle H = Native.errnoCall("lsetxattr",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
  }
  private static final class SETXATTR {
    static final MethodHandle H = Native.errnoCall("setxattr",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
  }
  private static final class LLISTXATTR {
    static final MethodHandle H = Native.errnoCall("llistxattr",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
  }
  private static final class LISTXATTR {
    static final MethodHandle H = Native.errnoCall("listxattr",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
  }
  private static final class LREMOVEXATTR {
    static final MethodHandle H = Native.errnoCall("lremovexattr",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }
  private static final class REMOVEXATTR {
    static final MethodHandle H = Native.errnoCall("removexattr",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final byte[] PROC_FD = "/proc/self/fd/".getBytes(StandardCharsets.US_ASCII);

  private Xattrs() {}

  /** The value of {@code attr}, or null when the file has no such attribute (ENODATA). */
  public static byte[] get(int dirfd, byte[] name, String attr) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment path = procPath(s, dirfd, name);
      MemorySegment key = s.cstring(attr.getBytes(StandardCharsets.UTF_8));
      MethodHandle call = name.length == 0 ? GETXATTR.H : LGETXATTR.H;
      MemorySegment buf = s.allocate(4096);
      long n = (long) call.invokeExact(s.errno(), path, key, buf, buf.byteSize());
      if (n < 0 && s.lastErrno() == Errno.ERANGE) {
        buf = s.allocate(SIZE_MAX);
        n = (long) call.invokeExact(s.errno(), path, key, buf, buf.byteSize());
      }
      if (n < 0 && s.lastErrno() == Errno.ENODATA) {
        return null;
      }
      s.check(n, "getxattr " + attr, name);
      return buf.asSlice(0, n).toArray(JAVA_BYTE);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** Sets {@code attr}; {@code flags} is 0, {@link #XATTR_CREATE} or {@link #XATTR_REPLACE}. */
  public static void set(int dirfd, byte[] name, String attr, byte[] value, int flags) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment path = procPath(s, dirfd, name);
      MemorySegment key = s.cstring(attr.getBytes(StandardCharsets.UTF_8));
      MemorySegment data = s.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, data, JAVA_BYTE, 0, value.length);
      MethodHandle call = name.length == 0 ? SETXATTR.H : LSETXATTR.H;
      int rc = (int) call.invokeExact(s.errno(), path, key, data, (long) value.length, flags);
      s.check(rc, "setxattr " + attr, name);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** The names of all attributes the caller may see, in the order the filesystem lists them. */
  public static List<String> list(int dirfd, byte[] name) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment path = procPath(s, dirfd, name);
      MethodHandle call = name.length == 0 ? LISTXATTR.H : LLISTXATTR.H;
      MemorySegment buf = s.allocate(4096);
      long n = (long) call.invokeExact(s.errno(), path, buf, buf.byteSize());
      if (n < 0 && s.lastErrno() == Errno.ERANGE) {
        buf = s.allocate(SIZE_MAX);
        n = (long) call.invokeExact(s.errno(), path, buf, buf.byteSize());
      }
      s.check(n, "listxattr", name);
      List<String> names = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf.get(JAVA_BYTE, i) == 0) {
          names.add(new String(buf.asSlice(start, i - start).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      return names;
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /** Removes {@code attr}; ENODATA when absent. */
  public static void remove(int dirfd, byte[] name, String attr) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment path = procPath(s, dirfd, name);
      MemorySegment key = s.cstring(attr.getBytes(StandardCharsets.UTF_8));
      MethodHandle call = name.length == 0 ? REMOVEXATTR.H : LREMOVEXATTR.H;
      s.check((int) call.invokeExact(s.errno(), path, key), "removexattr " + attr, name);
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
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
