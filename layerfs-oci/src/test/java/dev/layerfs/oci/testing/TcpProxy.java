package dev.layerfs.oci.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of a plain-HTTP registry that counts the bytes each way and can break the stream
 * to the client once: cut the connection, or flip one byte, a given number of bytes from now. It is how the tests
 * see what the client sent and how it copes with a bad network.
 */
public final class TcpProxy implements AutoCloseable {
  private static final long NONE = Long.MAX_VALUE;

  private final int targetPort;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong toServer = new AtomicLong();
  private final AtomicLong toClient = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();
  private long cutAt = NONE;
  private long corruptAt = NONE;

  public TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("tcp-proxy-" + server.getLocalPort()).start(this::acceptLoop);
  }

  /** host:port of the proxy, to use as the registry in image references. */
  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  public long bytesToServer() {
    return toServer.get();
  }

  public long bytesToClient() {
    return toClient.get();
  }

  public long connections() {
    return connections.get();
  }

  /** Closes the connection that carries the client's byte number {@code bytes} from now. */
  public synchronized void cutAfter(long bytes) {
    cutAt = toClient.get() + bytes;
  }

  /** Inverts the bits of the byte sent to the client {@code bytes} from now. */
  public synchronized void corruptAfter(long bytes) {
    corruptAt = toClient.get() + bytes;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(upstream);
        connections.incrementAndGet();
        Thread.ofVirtual().start(() -> pump(client, upstream, false));
        Thread.ofVirtual().start(() -> pump(upstream, client, true));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean towardsClient) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        if (!towardsClient) {
          toServer.addAndGet(n);
          out.write(buffer, 0, n);
          continue;
        }
        if (!forwardToClient(buffer, n, out)) {
          to.close();
          from.close();
          return;
        }
      }
    } catch (IOException connectionGone) {
      // the other side closed; closing both ends below ends the exchange
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Forwards a chunk to the client, applying a pending fault; false when the connection is to be cut. */
  private synchronized boolean forwardToClient(byte[] buffer, int n, OutputStream out) throws IOException {
    long start = toClient.get();
    if (corruptAt >= start && corruptAt < start + n) {
      buffer[(int) (corruptAt - start)] ^= (byte) 0xff;
      corruptAt = NONE;
    }
    int length = n;
    boolean cut = cutAt >= start && cutAt < start + n;
    if (cut) {
      length = (int) (cutAt - start);
      cutAt = NONE;
    }
    out.write(buffer, 0, length);
    out.flush();
    toClient.addAndGet(length);
    return !cut;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException alreadyClosed) {
      // nothing left to release
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
  }
}
