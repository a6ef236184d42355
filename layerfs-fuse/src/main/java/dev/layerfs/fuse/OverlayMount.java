package dev.layerfs.fuse;

import dev.layerfs.core.Overlay;
import dev.layerfs.fuse.raw.Connection;
import dev.layerfs.fuse.raw.FuseServer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An overlay mounted over FUSE: opens the engine on the layers, mounts it and waits until the kernel answers
 * requests, so that whatever runs next already sees the merged view.
 *
 * <pre>{@code
 * try (OverlayMount mount = OverlayMount.mount(mountPoint, MountOptions.parse("lowerdir=l,upperdir=u,workdir=w"))) {
 *   ... // mountPoint shows the merged view
 * }                                 // unmounted, layers released
 * }</pre>
 *
 * <p>{@link #close} unmounts (lazily, aborting the connection, when the mount is busy) and releases the layers once
 * the session is torn down; if someone else unmounts, {@link #awaitUnmount} returns and {@link #close} only
 * releases. A shutdown hook may call {@link #close}: the session's own reader thread does the teardown.
 */
public final class OverlayMount implements AutoCloseable {
  private final Overlay overlay;
  private final OverlayFileSystem fs;
  private final FuseServer server;
  private final Connection connection;

  private OverlayMount(Overlay overlay, OverlayFileSystem fs, FuseServer server, Connection connection) {
    this.overlay = overlay;
    this.fs = fs;
    this.server = server;
    this.connection = connection;
  }

  /**
   * Opens the layers, mounts them on {@code mountPoint} (through {@code mount(2)} as root, else through
   * {@code fusermount3}) and answers once the mount is live. Nothing is left mounted or open when it fails.
   */
  public static OverlayMount mount(Path mountPoint, MountOptions options) throws IOException, InterruptedException {
    Overlay overlay = Overlay.open(options.overlay());
    FuseServer server = null;
    try {
      OverlayFileSystem fs = new OverlayFileSystem(overlay, options.settings());
      FuseServer.Builder builder = FuseServer.builder(mountPoint, fs);
      if (options.threads() > 0) {
        builder.readers(options.threads());
      }
      server = builder
          .fsName(options.fsName())
          .subtype(options.subtype())
          .allowOther(options.allowOther())
          .defaultPermissions(options.defaultPermissions())
          .readOnly(overlay.isReadOnly())
          .mount();
      Connection connection = server.awaitReady();
      return new OverlayMount(overlay, fs, server, connection);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (server != null) {
        try {
          server.close();
        } catch (IOException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
      }
      overlay.close();
      throw e;
    }
  }

  public Path mountPoint() {
    return server.mountPoint();
  }

  public Overlay overlay() {
    return overlay;
  }

  /** What the kernel and the server agreed on (protocol version, passthrough, …). */
  public Connection connection() {
    return connection;
  }

  /** The bridge serving the mount, for its counts of nodes and handles the kernel holds. */
  public OverlayFileSystem fileSystem() {
    return fs;
  }

  /** Waits until the mount is gone, whoever unmounted it (umount, fusermount3 -u, {@link #close}). */
  public void awaitUnmount() throws InterruptedException {
    server.awaitUnmount();
  }

  /** Unmounts if still mounted, waits for the session to end and releases the layers. */
  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      overlay.close();
    }
  }
}
