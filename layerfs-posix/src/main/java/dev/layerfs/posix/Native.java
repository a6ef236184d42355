package dev.layerfs.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** The linker plumbing shared by every binding: symbol lookup, errno capture and per-thread scratch memory. */
final class Native {
  static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(PathElement.groupElement("errno")).withInvokeExactBehavior();
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  private static final MethodHandle STRERROR =
      call("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Native() {}

  /** A downcall whose first parameter is the thread's errno capture segment. */
  static MethodHandle errnoCall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    Linker.Option[] all = new Linker.Option[options.length + 1];
    all[0] = CAPTURE_ERRNO;
    System.arraycopy(options, 0, all, 1, options.length);
    return LINKER.downcallHandle(symbol(name), descriptor, all);
  }

  /** A downcall for functions that cannot fail. */
  static MethodHandle call(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(symbol(name), descriptor);
  }

  private static MemorySegment symbol(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
      return text.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      throw unchecked(t);
    }
  }

  /** For calls that cannot fail: rethrows unchecked throwables and wraps anything else. */
  static RuntimeException unchecked(Throwable t) {
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("unexpected native call failure", t);
  }

  /** Rethrows unchecked throwables as they are and returns checked ones as a PosixException to throw. */
  static PosixException propagate(Throwable t) {
    if (t instanceof PosixException e) {
      return e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException("unexpected native call failure", t);
  }

  /**
   * Per-thread native memory for one call's arguments, reused across calls so hot paths allocate nothing.
   * Opening marks the high-water point and closing returns to it, so calls may nest.
   */
  static final class Scratch implements AutoCloseable {
    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
    private static final long CAPACITY = 64 * 1024;

    private final MemorySegment errno = Arena.ofAuto().allocate(CAPTURE);
    private final MemorySegment buffer = Arena.ofAuto().allocate(CAPACITY, 16);
    private long used;
    private long mark;

    static Scratch open() {
      Scratch scratch = LOCAL.get();
      scratch.mark = scratch.used;
      return scratch;
    }

    MemorySegment errno() {
      return errno;
    }

    int lastErrno() {
      return (int) ERRNO.get(errno, 0L);
    }

    MemorySegment allocate(long size) {
      long start = (used + 15) & ~15L;
      if (start + size > CAPACITY) {
        return Arena.ofAuto().allocate(size, 16);
      }
      used = start + size;
      return buffer.asSlice(start, size).fill((byte) 0);
    }

    /** A NUL-terminated copy of a name; Linux names are bytes, never decoded. */
    MemorySegment cstring(byte[] bytes) {
      MemorySegment segment = allocate(bytes.length + 1L);
      MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
      return segment;
    }

    int check(int rc, String call, byte[] path) throws PosixException {
      if (rc < 0) {
        throw new PosixException(lastErrno(), call, path);
      }
      return rc;
    }

    long check(long rc, String call, byte[] path) throws PosixException {
      if (rc < 0) {
        throw new PosixException(lastErrno(), call, path);
      }
      return rc;
    }

    @Override
    public void close() {
      used = mark;
    }
  }
}
