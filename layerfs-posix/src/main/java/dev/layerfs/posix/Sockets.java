package dev.layerfs.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.layerfs.posix.Native.Scratch;
import java.lang.foreign.MemorySegment;

/**
 * Unix-domain socket pairs and descriptor passing ({@code SCM_RIGHTS}), which {@code java.nio} cannot do: the
 * {@code fusermount3} helper hands the {@code /dev/fuse} descriptor it opened back this way.
 */
public final class Sockets {
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_SEQPACKET = 5;

  private static final int AF_UNIX = 1;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;

  // struct msghdr and struct cmsghdr on LP64 Linux (x86_64 and aarch64 alike).
  private static final long MSGHDR_SIZE = 56;
  private static final long MSG_IOV = 16;
  private static final long MSG_IOVLEN = 24;
  private static final long MSG_CONTROL = 32;
  private static final long MSG_CONTROLLEN = 40;
  private static final long CMSG_SPACE_ONE_FD = 24;
  private static final long CMSG_LEN_ONE_FD = 20;


  private Sockets() {}

  /** A connected pair of {@code AF_UNIX} sockets of {@code type}, both close-on-exec. */
  public static int[] socketpair(int type) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment fds = s.allocate(8);
      s.check(s.call(Syscalls.SOCKETPAIR, AF_UNIX, type | SOCK_CLOEXEC, 0, s.address(fds)), "socketpair", null);
      return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
    }
  }

  /**
   * Receives one message carrying a descriptor ({@code SCM_RIGHTS}) and answers that descriptor, close-on-exec;
   * answers -1 when the peer closed the socket without sending one.
   */
  public static int receiveFd(int socket) throws PosixException {
    try (Scratch s = Scratch.open()) {
      MemorySegment data = s.allocate(8);
      MemorySegment iov = s.allocate(16);
      iov.set(ADDRESS, 0, data);
      iov.set(JAVA_LONG, 8, 1);
      MemorySegment control = s.allocate(CMSG_SPACE_ONE_FD);
      MemorySegment msg = s.allocate(MSGHDR_SIZE);
      msg.set(ADDRESS, MSG_IOV, iov);
      msg.set(JAVA_LONG, MSG_IOVLEN, 1);
      msg.set(ADDRESS, MSG_CONTROL, control);
      msg.set(JAVA_LONG, MSG_CONTROLLEN, CMSG_SPACE_ONE_FD);
      long n;
      do {
        n = s.call(Syscalls.RECVMSG, socket, s.address(msg), MSG_CMSG_CLOEXEC);
      } while (n < 0 && s.lastErrno() == Errno.EINTR);
      s.check(n, "recvmsg", null);
      boolean carriesFd = msg.get(JAVA_LONG, MSG_CONTROLLEN) >= CMSG_LEN_ONE_FD
          && control.get(JAVA_LONG, 0) >= CMSG_LEN_ONE_FD
          && control.get(JAVA_INT, 8) == SOL_SOCKET
          && control.get(JAVA_INT, 12) == SCM_RIGHTS;
      if (n == 0 && !carriesFd) {
        return -1;
      }
      if (!carriesFd) {
        throw new PosixException(Errno.EPROTO, "recvmsg", null, "the message carried no descriptor");
      }
      return control.get(JAVA_INT, 16);
    }
  }
}
