package dev.layerfs.fuse.raw;

import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Sockets;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The kernel's side of a FUSE connection, played over a {@code SOCK_SEQPACKET} socket pair (which keeps message
 * boundaries as {@code /dev/fuse} does), so that the protocol can be tested byte for byte without mounting.
 */
final class FakeKernel {
  static final int MAX_WRITE = 128 * 1024;

  final Session session;
  private final int fd;
  private long nextUnique = 2;

  FakeKernel(RawFileSystem fs, int readers, boolean privileged, boolean writebackCache) throws PosixException {
    int[] pair = Sockets.socketpair(Sockets.SOCK_SEQPACKET);
    Options options =
        new Options("test", "test", readers, MAX_WRITE, false, true, false, writebackCache, true, true, 1, false, false);
    session = new Session(pair[0], fs, options, privileged, () -> {});
    fd = pair[1];
    session.start();
  }

  /** A reply as the kernel would read it. */
  record Reply(int length, int error, long unique, ByteBuffer payload) {}

  /** The arguments of a request, little-endian as on every Linux FUSE architecture. */
  static final class Args {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Args u32(long value) {
      return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
    }

    Args u64(long value) {
      return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    Args name(String name) {
      put(name.getBytes(StandardCharsets.UTF_8));
      return put(new byte[1]);
    }

    Args put(byte[] raw) {
      bytes.writeBytes(raw);
      return this;
    }

    byte[] bytes() {
      return bytes.toByteArray();
    }
  }

  static Args args() {
    return new Args();
  }

  /** Sends INIT offering {@code major.minor} and {@code flags}, with {@code fuse_init_in} as long as that minor's. */
  long init(int major, int minor, long flags) throws PosixException {
    Args args = args().u32(major).u32(minor).u32(128 * 1024).u32(flags);
    if (minor >= 36) {
      args.u32(flags >>> 32).put(new byte[44]);
    }
    return send(Opcode.INIT, 0, args);
  }

  long send(int opcode, long nodeId, Args args) throws PosixException {
    return send(opcode, nextUnique += 2, nodeId, args.bytes());
  }

  long send(int opcode, long unique, long nodeId, byte[] body) throws PosixException {
    ByteBuffer header = ByteBuffer.allocate(Abi.IN_HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(Abi.IN_HEADER_SIZE + body.length).putInt(opcode).putLong(unique).putLong(nodeId)
        .putInt(1000).putInt(1000).putInt(4242).putInt(0).put(body);
    try (Arena arena = Arena.ofConfined()) {
      Posix.write(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, header.array()));
    }
    return unique;
  }

  Reply receive() throws PosixException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(MAX_WRITE + 4096);
      long n = Posix.read(fd, buffer);
      ByteBuffer reply = ByteBuffer.wrap(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE))
          .order(ByteOrder.LITTLE_ENDIAN);
      int length = reply.getInt();
      int error = reply.getInt();
      long unique = reply.getLong();
      return new Reply(length, error, unique, reply.slice().order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  /** Hangs up, as an unmount does, and waits for the session to be torn down. */
  void hangUp() throws InterruptedException {
    hangUpWithoutWaiting();
    session.awaitEnd();
  }

  /** Hangs up while a request is being served, so that its answer finds nobody to take it. */
  void hangUpWithoutWaiting() {
    Posix.closeQuietly(fd);
  }
}
