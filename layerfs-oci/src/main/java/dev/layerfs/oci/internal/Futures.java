package dev.layerfs.oci.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work started on another thread, as if it had run on this one. */
public final class Futures {
  private Futures() {}

  /**
   * The result of {@code work} once done; its failure as it was thrown, and an {@link InterruptedIOException} saying
   * {@code waitingFor} when this thread is interrupted meanwhile.
   */
  public static <T> T await(Future<T> work, String waitingFor) throws IOException {
    try {
      return work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + waitingFor);
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException runtime -> throw runtime;
        case Error error -> throw error;
        default -> throw new IOException(e.getCause());
      }
    }
  }
}
