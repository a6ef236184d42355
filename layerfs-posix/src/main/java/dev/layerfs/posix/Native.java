package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
import java.util.Arrays;

/**
 * The linker plumbing shared by every binding: one {@code syscall(2)} downcall, errno capture and per-thread scratch
 * memory.
 *
 * <p>Every system call goes through glibc's {@code syscall(long number, ...)} with seven {@code long} arguments
 * (the number and six arguments; the kernel ignores the ones a call does not take), so a JVM links one downcall stub
 * instead of one per C signature: each new signature cost the FFM linker a generated class and about six lambda forms
 * (5-30 ms, the mount daemon linked 14 before it could answer), and neither the AppCDS archive nor JDK 25's AOT
 * cache keeps them. Pointers are passed as addresses, so {@link Scratch#address} does the checks the linker did for
 * {@code ADDRESS} arguments (native, alive, accessible) and keeps the segment reachable until the call returns.
 */
final class Native {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(PathElement.groupElement("errno")).withInvokeExactBehavior();
  private static final MethodHandle SYSCALL = LINKER.downcallHandle(symbol("syscall"),
      FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
      Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

  /** strerror(3), linked only when a message is wanted: start-up paths never need it. */
  private static final class STRERROR {
    static final MethodHandle H = call("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  private Native() {}

  /** A downcall of a C library function that is not a system call (posix_spawn and its helpers, strerror). */
  static MethodHandle call(String name, FunctionDescriptor descriptor) {
    return LINKER.downcallHandle(symbol(name), descriptor);
  }

  private static MemorySegment symbol(String name) {
    return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
  }

  static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.H.invokeExact(errno);
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
   * Opening pushes the high-water point and closing pops back to it, so calls may nest.
   */
  static final class Scratch implements AutoCloseable {
    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
    private static final long CAPACITY = 64 * 1024;

    private final MemorySegment errno = Arena.ofAuto().allocate(CAPTURE);
    private final MemorySegment buffer = Arena.ofAuto().allocate(CAPACITY, 16);
    /** The segments whose addresses the next call passes, held so that none is freed before the call returns. */
    private final MemorySegment[] passed = new MemorySegment[6];
    private int passedCount;
    private long used;
    private long[] marks = new long[4];
    private int depth;

    static Scratch open() {
      Scratch scratch = LOCAL.get();
      if (scratch.depth == scratch.marks.length) {
        scratch.marks = Arrays.copyOf(scratch.marks, scratch.depth * 2);
      }
      scratch.marks[scratch.depth++] = scratch.used;
      return scratch;
    }

    /**
     * The address of {@code segment} for the next {@link #call}, checked as the linker checks an {@code ADDRESS}
     * argument: a heap segment's "address" is an offset and a closed one's memory is gone, so both are refused.
     */
    long address(MemorySegment segment) {
      if (!segment.isNative()) {
        throw new IllegalArgumentException("a system call needs native memory, not a heap segment");
      }
      if (!segment.scope().isAlive() || !segment.isAccessibleBy(Thread.currentThread())) {
        throw new IllegalStateException("the segment's arena is closed or confined to another thread");
      }
      passed[passedCount++] = segment;
      return segment.address();
    }

    /** {@code syscall(nr, ...)}: the kernel's return value, or -1 with errno left for {@link #lastErrno}. */
    long call(long nr, long a, long b, long c, long d, long e, long f) {
      try {
        return (long) SYSCALL.invokeExact(errno, nr, a, b, c, d, e, f);
      } catch (Throwable t) {
        throw unchecked(t);
      } finally {
        release();
      }
    }

    long call(long nr, long a, long b, long c, long d, long e) {
      return call(nr, a, b, c, d, e, 0);
    }

    long call(long nr, long a, long b, long c, long d) {
      return call(nr, a, b, c, d, 0, 0);
    }

    long call(long nr, long a, long b, long c) {
      return call(nr, a, b, c, 0, 0, 0);
    }

    long call(long nr, long a, long b) {
      return call(nr, a, b, 0, 0, 0, 0);
    }

    long call(long nr, long a) {
      return call(nr, a, 0, 0, 0, 0, 0);
    }

    long call(long nr) {
      return call(nr, 0, 0, 0, 0, 0, 0);
    }

    private void release() {
      while (passedCount > 0) {
        passed[--passedCount] = null;
      }
    }

    int lastErrno() {
      return (int) ERRNO.get(errno, 0L);
    }

    /** A zeroed, 16-byte aligned block valid until this scratch is closed. */
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
      used = marks[--depth];
      release();
    }
  }
}
