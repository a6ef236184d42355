package dev.layerfs.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesTest {
  private static final byte[] SH = Names.bytes("/bin/sh");

  @TempDir Path tmp;

  @Test
  void childGetsChosenDescriptorsAndNoOthers() throws Exception {
    int[] pipe = Processes.pipe();
    int pid;
    try {
      pid = Processes.spawn(SH, List.of(SH, Names.bytes("-c"), Names.bytes("ls /proc/self/fd >&3; exit 7")),
          List.of(), 0, 1, 2, pipe[1]);
    } finally {
      Posix.close(pipe[1]);
    }
    String fds = readAll(pipe[0]);
    assertEquals(7, Processes.waitpid(pid));
    // ls's own directory descriptor is the lowest free one, 4; nothing else is inherited.
    assertEquals(List.of("0", "1", "2", "3", "4"), List.of(fds.strip().split("\n")));
  }

  @Test
  void environmentIsExactlyTheOneGiven() throws Exception {
    int[] pipe = Processes.pipe();
    int pid;
    try {
      pid = Processes.spawn(SH, List.of(SH, Names.bytes("-c"), Names.bytes("echo \"$ONLY:$HOME\" >&3")),
          List.of(Names.bytes("ONLY=this")), 0, 1, 2, pipe[1]);
    } finally {
      Posix.close(pipe[1]);
    }
    assertEquals("this:\n", readAll(pipe[0]));
    assertEquals(0, Processes.waitpid(pid));
  }

  @Test
  void deathBySignalIsReportedAsShellsDo() throws Exception {
    int pid = Processes.spawn(SH, List.of(SH, Names.bytes("-c"), Names.bytes("kill -TERM $$")), List.of(), 0, 1, 2);
    assertEquals(128 + 15, Processes.waitpid(pid));
  }

  @Test
  void descriptorsThatARedirectionWouldOverwriteAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Processes.spawn(SH, List.of(SH), List.of(), 0, 1, 3, 2));
    assertEquals("descriptor 3 for child descriptor 2 would be overwritten; pass descriptors >= 4", e.getMessage());
  }

  @Test
  void aMissingProgramFailsWithItsName() {
    byte[] missing = Names.bytes(tmp.resolve("missing").toString());
    PosixException e = assertThrows(PosixException.class,
        () -> Processes.spawn(missing, List.of(missing), List.of(), 0, 1, 2));
    assertEquals(Errno.ENOENT, e.errno());
  }

  @Test
  void receivingFromAClosedPeerAnswersNoDescriptor() throws Exception {
    int[] pair = Sockets.socketpair(Sockets.SOCK_STREAM);
    Posix.close(pair[1]);
    try {
      assertEquals(-1, Sockets.receiveFd(pair[0]));
    } finally {
      Posix.close(pair[0]);
    }
  }

  @Test
  void mountAndUnmountATmpfs() throws Exception {
    byte[] target = Names.bytes(tmp.toString());
    long before = Mounts.deviceOf(target);
    Mounts.mount("layerfs-test", target, "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NODEV, "size=1m");
    try {
      assertNotEquals(before, Mounts.deviceOf(target));
    } finally {
      Mounts.umount2(target, Mounts.UMOUNT_NOFOLLOW);
    }
    assertEquals(before, Mounts.deviceOf(target));
  }

  private static String readAll(int fd) throws PosixException {
    StringBuilder text = new StringBuilder();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(4096);
      for (long n; (n = Posix.read(fd, buffer)) > 0; ) {
        text.append(new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
      }
    } finally {
      Posix.close(fd);
    }
    return text.toString();
  }
}
