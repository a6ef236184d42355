package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Child processes that inherit chosen descriptors, which {@link ProcessBuilder} cannot start: it closes every
 * descriptor above 2 in the child, yet {@code fusermount3} expects its socket as {@code _FUSE_COMMFD}.
 */
public final class Processes {
  private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
  // glibc's opaque types, rounded up generously: 80, 336 and 128 bytes on x86_64 and aarch64.
  private static final long FILE_ACTIONS_SIZE = 256;
  private static final long SPAWNATTR_SIZE = 1024;
  private static final long SIGSET_SIZE = 256;

  private static final class POSIX_SPAWN {
    static final MethodHandle H = Native.call("posix_spawn",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  }
  private static final class ACTIONS_INIT {
    static final MethodHandle H = Native.call("posix_spawn_file_actions_init",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }
  private static final class ACTIONS_DUP2 {
    static final MethodHandle H = Native.call("posix_spawn_file_actions_adddup2",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  }
  private static final class ACTIONS_CLOSEFROM {
    static final MethodHandle H = Native.call("posix_spawn_file_actions_addclosefrom_np",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  }
  private static final class ACTIONS_DESTROY {
    static final MethodHandle H = Native.call("posix_spawn_file_actions_destroy",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }
  private static final class ATTR_INIT {
    static final MethodHandle H = Native.call("posix_spawnattr_init",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }
  private static final class ATTR_SETFLAGS {
    static final MethodHandle H = Native.call("posix_spawnattr_setflags",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
  }
  private static final class ATTR_SETSIGMASK {
    static final MethodHandle H = Native.call("posix_spawnattr_setsigmask",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }
  private static final class ATTR_SETSIGDEFAULT {
    static final MethodHandle H = Native.call("posix_spawnattr_setsigdefault",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }
  private static final class ATTR_DESTROY {
    static final MethodHandle H = Native.call("posix_spawnattr_destroy",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }
  private static final class SIGEMPTYSET {
    static final MethodHandle H = Native.call("sigemptyset",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }
  private static final class SIGFILLSET {
    static final MethodHandle H = Native.call("sigfillset",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private Processes() {}

  /**
   * Starts {@code path} with {@code argv} and exactly the environment {@code env} ({@code NAME=value} entries).
   * The child's descriptor {@code i} is the parent's {@code childFds[i]}; every other descriptor is closed in the
   * child, its signal mask is empty and every signal has its default action. Answers the child's pid.
   *
   * @throws IllegalArgumentException if a parent descriptor lies below {@code childFds.length} without being equal
   *     to its own index, since an earlier redirection would overwrite it
   */
  public static int spawn(byte[] path, List<byte[]> argv, List<byte[]> env, int... childFds) throws PosixException {
    for (int i = 0; i < childFds.length; i++) {
      if (childFds[i] < childFds.length && childFds[i] != i) {
        throw new IllegalArgumentException("descriptor " + childFds[i] + " for child descriptor " + i
            + " would be overwritten; pass descriptors >= " + childFds.length);
      }
    }
    try (Scratch s = Scratch.open()) {
      MemorySegment actions = s.allocate(FILE_ACTIONS_SIZE);
      MemorySegment attr = s.allocate(SPAWNATTR_SIZE);
      MemorySegment emptySet = s.allocate(SIGSET_SIZE);
      MemorySegment fullSet = s.allocate(SIGSET_SIZE);
      int ignored = (int) SIGEMPTYSET.H.invokeExact(emptySet);
      ignored = (int) SIGFILLSET.H.invokeExact(fullSet);
      check((int) ACTIONS_INIT.H.invokeExact(actions), "posix_spawn_file_actions_init", path);
      check((int) ATTR_INIT.H.invokeExact(attr), "posix_spawnattr_init", path);
      try {
        for (int i = 0; i < childFds.length; i++) {
          check((int) ACTIONS_DUP2.H.invokeExact(actions, childFds[i], i), "posix_spawn_file_actions_adddup2", path);
        }
        check((int) ACTIONS_CLOSEFROM.H.invokeExact(actions, childFds.length),
            "posix_spawn_file_actions_addclosefrom_np", path);
        check((int) ATTR_SETFLAGS.H.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
            "posix_spawnattr_setflags", path);
        check((int) ATTR_SETSIGMASK.H.invokeExact(attr, emptySet), "posix_spawnattr_setsigmask", path);
        check((int) ATTR_SETSIGDEFAULT.H.invokeExact(attr, fullSet), "posix_spawnattr_setsigdefault", path);
        MemorySegment pid = s.allocate(4);
        int rc = (int) POSIX_SPAWN.H.invokeExact(pid, s.cstring(path), actions, attr, strings(s, argv),
            strings(s, env));
        check(rc, "posix_spawn", path);
        return pid.get(JAVA_INT, 0);
      } finally {
        ignored = (int) ACTIONS_DESTROY.H.invokeExact(actions);
        ignored = (int) ATTR_DESTROY.H.invokeExact(attr);
      }
    } catch (Throwable t) {
      throw Native.propagate(t);
    }
  }

  /**
   * Waits for child {@code pid} to end and answers its exit status, or 128 plus the signal number when a signal
   * ended it, as shells report.
   */
  public static int waitpid(int pid) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment status = s.allocate(4);
      long rc;
      do {
        rc = s.call(Syscalls.WAIT4, pid, s.address(status), 0, 0);
      } while (rc < 0 && s.lastErrno() == Errno.EINTR);
      s.check(rc, "waitpid", null);
      int raw = status.get(JAVA_INT, 0);
      int signal = raw & 0x7f;
      return signal == 0 ? (raw >> 8) & 0xff : 128 + signal;
    }
  }

  /** A pipe as {@code {readEnd, writeEnd}}, both close-on-exec. */
  public static int[] pipe() throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment fds = s.allocate(8);
      s.check(s.call(Syscalls.PIPE2, s.address(fds), Posix.O_CLOEXEC), "pipe2", null);
      return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
    }
  }

  /** The spawn family answers an error number instead of setting errno. */
  private static void check(int rc, String call, byte[] path) throws PosixException {
    if (rc != 0) {
      throw new PosixException(rc, call, Names.printable(path));
    }
  }

  private static MemorySegment strings(Scratch s, List<byte[]> values) {
    MemorySegment array = s.allocate((values.size() + 1L) * ADDRESS.byteSize());
    for (int i = 0; i < values.size(); i++) {
      array.setAtIndex(ADDRESS, i, s.cstring(values.get(i)));
    }
    return array;
  }
}
