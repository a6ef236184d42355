package dev.layerfs.fuse.raw;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The protocol side of one FUSE connection: the reader threads serving a device descriptor, and the one teardown
 * when the last of them stops.
 *
 * <p>Readers stop when the kernel ends the connection (ENODEV after an unmount or abort). The last one to stop owns
 * the teardown: it calls {@link RawFileSystem#destroy}, closes the descriptor and runs the mount's cleanup, so no
 * other thread, and no shutdown hook, ever frees what a reader may still use.
 */
final class Session {
  /**
   * The logger, made on first use: finding the JDK's logging backend (a service look-up over the class path, then
   * java.util.logging's set-up) cost the mount daemon 25-90 ms of its start-up, and most daemons never log.
   */
  private static final class Log {
    static final System.Logger LOGGER = System.getLogger("dev.layerfs.fuse");
  }

  private final int fd;
  private final RawFileSystem fs;
  private final Options options;
  private final boolean privileged;
  private final Runnable cleanup;
  private final Backings backings;
  private final Reader[] readers;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicBoolean destroyed = new AtomicBoolean();
  private final CompletableFuture<Connection> ready = new CompletableFuture<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile Connection connection;
  private boolean closed; // guarded by this

  /**
   * @param privileged whether the process may register passthrough backing files (CAP_SYS_ADMIN)
   * @param cleanup run once after the descriptor is closed, by the thread that tears the session down
   */
  Session(int fd, RawFileSystem fs, Options options, boolean privileged, Runnable cleanup) {
    this.fd = fd;
    this.fs = fs;
    this.options = options;
    this.privileged = privileged;
    this.cleanup = cleanup;
    this.backings = new Backings(fd);
    this.readers = new Reader[options.readers()];
    for (int i = 0; i < readers.length; i++) {
      readers[i] = new Reader(this, fs, fd);
    }
  }

  /** Starts the readers: platform daemon threads, each serving requests inline. */
  void start() {
    for (int i = 0; i < readers.length; i++) {
      running.incrementAndGet();
      try {
        Thread.ofPlatform().name("fuse-reader-" + i).daemon(true).start(readers[i]);
      } catch (Throwable t) {
        readerExited();
        throw t;
      }
    }
  }

  Options options() {
    return options;
  }

  boolean privileged() {
    return privileged;
  }

  Backings backings() {
    return backings;
  }

  /**
   * The negotiated connection, set once the filesystem's {@code init} succeeded and before INIT is answered, so
   * readers see it with the first later request.
   */
  Connection connection() {
    return connection;
  }

  /** The FUSE side's logger. */
  static System.Logger log() {
    return Log.LOGGER;
  }

  void connect(Connection negotiated) {
    connection = negotiated;
  }

  void ready(Connection negotiated) {
    ready.complete(negotiated);
  }

  void failed(Throwable cause) {
    ready.completeExceptionally(cause);
  }

  /** Waits until the kernel has taken the INIT reply, and answers what was agreed. */
  Connection awaitReady() throws IOException, InterruptedException {
    try {
      return ready.get();
    } catch (ExecutionException e) {
      throw new IOException("the FUSE session did not start: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Waits until every reader stopped and the session is torn down. */
  void awaitEnd() throws InterruptedException {
    ended.await();
  }

  boolean hasEnded() {
    return ended.getCount() == 0;
  }

  /** Marks request {@code unique} interrupted if a reader is serving it, and reports whether one was. */
  boolean interrupt(long unique) {
    for (Reader reader : readers) {
      if (reader.request().interruptIf(unique)) {
        return true;
      }
    }
    return false;
  }

  /** Calls {@link RawFileSystem#destroy} once, if the filesystem's {@code init} succeeded. */
  void destroy() {
    if (connection != null && destroyed.compareAndSet(false, true)) {
      try {
        fs.destroy();
      } catch (Throwable t) {
        log().log(Level.WARNING, "the filesystem's destroy failed", t);
      }
    }
  }

  /** Writes a notification; ENOENT means the kernel had nothing cached for it. */
  synchronized void notifyKernel(MemorySegment message) throws IOException {
    if (closed) {
      throw new IOException("the FUSE session has ended");
    }
    try {
      Posix.write(fd, message);
    } catch (PosixException e) {
      if (e.errno() != Errno.ENOENT) {
        throw e;
      }
    }
  }

  void readerExited() {
    if (running.decrementAndGet() == 0) {
      tearDown();
    }
  }

  private void tearDown() {
    try {
      destroy();
    } finally {
      synchronized (this) {
        closed = true;
        Posix.closeQuietly(fd);
      }
      try {
        cleanup.run();
      } catch (Throwable t) {
        log().log(Level.WARNING, "cleaning up after the FUSE session failed", t);
      }
      ready.completeExceptionally(new IOException("the session ended before the kernel's INIT"));
      ended.countDown();
    }
  }
}
