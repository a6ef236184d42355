package dev.layerfs.oci.store;

import dev.layerfs.oci.internal.Futures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs a few registry transfers at once, as Docker does, so that one slow blob does not hold up the others and the
 * unpacking of the ones already received; the first failure cancels the rest.
 */
final class Transfers implements AutoCloseable {
  /** Docker's default ({@code max-concurrent-downloads} is 3, uploads 5); more rarely helps one registry. */
  static final int PARALLEL = 3;

  /** Work that moves one blob. */
  @FunctionalInterface
  interface Transfer<T> {
    T run() throws IOException;
  }

  private final ExecutorService pool =
      Executors.newFixedThreadPool(PARALLEL, Thread.ofVirtual().name("registry-transfer-", 0).factory());
  private final List<Future<?>> started = new ArrayList<>();

  <T> Future<T> start(Transfer<T> transfer) {
    Future<T> future = pool.submit(transfer::run);
    started.add(future);
    return future;
  }

  /** The transfer's result once done; its failure as it was thrown. */
  static <T> T await(Future<T> transfer) throws IOException {
    return Futures.await(transfer, "a registry transfer");
  }

  /** Cancels what is still running and waits for it to clean up after itself. */
  @Override
  public void close() {
    started.forEach(future -> future.cancel(true));
    pool.shutdownNow();
    try {
      pool.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
