package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.internal.Futures;
import java.io.IOException;
import java.util.concurrent.FutureTask;

/**
 * A registry client being built and connected ({@link RegistryClient#connect}) on its own thread while a command
 * does other work, such as opening its store: the JDK's TLS set-up, the HTTP client and the first round trip to the
 * registry then overlap with that work instead of following it. {@link #get} answers the client, or throws what
 * building or connecting it threw; {@link #close} closes the client, or stops the attempt when the command failed
 * before it needed the client.
 */
public final class PendingClient implements AutoCloseable {
  private final FutureTask<RegistryClient> task;
  private RegistryClient client;
  private boolean closed;

  private PendingClient(RegistryClient.Builder builder, ImageReference reference) {
    task = new FutureTask<>(() -> {
      RegistryClient built = builder.build();
      if (adopt(built)) {
        built.connect(reference);
      }
      return built;
    });
  }

  /** Starts building {@code builder}'s client and connecting it to the registry of {@code reference}. */
  public static PendingClient start(RegistryClient.Builder builder, ImageReference reference) {
    PendingClient pending = new PendingClient(builder, reference);
    Thread.ofPlatform().name("registry-connect").daemon().start(pending.task);
    return pending;
  }

  /** Keeps {@code built} to close it, unless this was closed meanwhile; answers whether to go on connecting. */
  private synchronized boolean adopt(RegistryClient built) {
    if (closed) {
      built.close();
      return false;
    }
    client = built;
    return true;
  }

  /** The client, connected; waits for it. */
  public RegistryClient get() throws IOException {
    return Futures.await(task, "the connection to the registry");
  }

  @Override
  public void close() {
    task.cancel(true);
    synchronized (this) {
      closed = true;
      if (client != null) {
        client.close();
      }
    }
  }
}
