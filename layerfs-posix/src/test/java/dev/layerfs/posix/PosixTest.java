package dev.layerfs.posix;

import static dev.layerfs.posix.Posix.AT_FDCWD;
import static dev.layerfs.posix.Posix.O_CREAT;
import static dev.layerfs.posix.Posix.O_DIRECTORY;
import static dev.layerfs.posix.Posix.O_PATH;
import static dev.layerfs.posix.Posix.O_RDWR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PosixTest {
  private static final byte[] LATIN1_NAME = {'c', 'a', 'f', (byte) 0xe9};

  @TempDir Path tmp;
  private int dir;

  @BeforeEach
  void openDir() throws PosixException {
    dir = Posix.openat(AT_FDCWD, Names.bytes(tmp.toString()), O_PATH | O_DIRECTORY);
  }

  @AfterEach
  void closeDir() {
    Posix.closeQuietly(dir);
  }

  @Test
  void mmapAnonymousIsZeroedWritableAndGoneWithItsArena() throws Exception {
    MemorySegment kept;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment mapped = Posix.mmapAnonymous(1 << 20, arena);
      assertEquals(1 << 20, mapped.byteSize());
      assertEquals(0, mapped.address() % 4096);
      assertEquals(-1, mapped.mismatch(arena.allocate(1 << 20)));
      mapped.set(ValueLayout.JAVA_LONG, (1 << 20) - 8, 42);
      assertEquals(42, mapped.get(ValueLayout.JAVA_LONG, (1 << 20) - 8));
      kept = mapped;
    }
    assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0));
    // Not the exact range, which the kernel may have merged with a neighbour; another thread could map the freed
    // gap again before this reads the maps, but nothing in this test JVM maps 1 MiB pieces while it runs.
    long address = kept.address();
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      String[] range = line.substring(0, line.indexOf(' ')).split("-");
      assertFalse(Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16),
          "still mapped: " + line);
    }
  }

  @Test
  void getrandomFillsEveryByteAskedFor() throws PosixException {
    byte[] small = Posix.getrandom(16);
    assertEquals(16, small.length);
    assertFalse(Arrays.equals(small, Posix.getrandom(16)));
    // more than one call may return: 4 MiB, of which a zero tail would show a short read taken as the whole
    byte[] large = Posix.getrandom(4 << 20);
    assertFalse(Arrays.equals(new byte[4096], Arrays.copyOfRange(large, large.length - 4096, large.length)));
  }

  @Test
  void errorsCarryErrnoCallAndPath() {
    PosixException e = assertThrows(PosixException.class, () -> Posix.lstatat(dir, LATIN1_NAME));
    assertEquals(Errno.ENOENT, e.errno());
    assertEquals("statx", e.call());
    assertEquals("caf\\xe9", e.path());
    assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
  }

  @Test
  void nonUtf8NamesSurviveCreateListAndStat() throws Exception {
    Posix.closeQuietly(Posix.openat(dir, LATIN1_NAME, O_CREAT | O_RDWR, 0640));
    List<DirEntry> entries = Posix.readDirectory(dir, new byte[] {'.'});
    assertEquals(1, entries.size());
    assertArrayEquals(LATIN1_NAME, entries.get(0).name());
    assertEquals(DirEntry.DT_REG, entries.get(0).type());
    Stat st = Posix.lstatat(dir, LATIN1_NAME);
    assertEquals(0640 & ~Posix.umask(), st.permissions());
    assertEquals(entries.get(0).ino(), st.ino());
  }

  @Test
  void whiteoutIsCharDeviceZeroZero() throws Exception {
    Posix.mknodat(dir, Names.bytes("wh"), Posix.S_IFCHR, Posix.makedev(0, 0));
    Stat st = Posix.lstatat(dir, Names.bytes("wh"));
    assertTrue(st.isCharDevice());
    assertEquals(0, st.rdev());
  }

  @Test
  void deviceNumbersRoundTrip() {
    long dev = Posix.makedev(259, 70000);
    assertEquals(259, Posix.major(dev));
    assertEquals(70000, Posix.minor(dev));
  }

  @Test
  void renameFlags() throws Exception {
    Files.writeString(tmp.resolve("a"), "A");
    Files.writeString(tmp.resolve("b"), "B");
    PosixException e = assertThrows(PosixException.class,
        () -> Posix.renameat2(dir, Names.bytes("a"), dir, Names.bytes("b"), Posix.RENAME_NOREPLACE));
    assertEquals(Errno.EEXIST, e.errno());
    Posix.renameat2(dir, Names.bytes("a"), dir, Names.bytes("b"), Posix.RENAME_EXCHANGE);
    assertEquals("B", Files.readString(tmp.resolve("a")));
    assertEquals("A", Files.readString(tmp.resolve("b")));
  }

  @Test
  void binaryXattrValuesRoundTrip() throws Exception {
    Files.writeString(tmp.resolve("f"), "x");
    byte[] value = new byte[256];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i;
    }
    Xattrs.set(dir, Names.bytes("f"), "user.bin", value, 0);
    assertArrayEquals(value, Xattrs.get(dir, Names.bytes("f"), "user.bin"));
    assertTrue(Xattrs.list(dir, Names.bytes("f")).contains("user.bin"));
    assertNull(Xattrs.get(dir, Names.bytes("f"), "user.none"));
    Xattrs.remove(dir, Names.bytes("f"), "user.bin");
    assertNull(Xattrs.get(dir, Names.bytes("f"), "user.bin"));
    PosixException e = assertThrows(PosixException.class,
        () -> Xattrs.set(dir, Names.bytes("f"), "user.x", new byte[] {1}, Xattrs.XATTR_REPLACE));
    assertEquals(Errno.ENODATA, e.errno());
  }

  /**
   * The {@code *xattrat} calls and the {@code /proc} paths used before 6.13 agree, for names and for descriptors
   * addressed themselves, {@code O_PATH} ones included (which the {@code *at} calls refuse).
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void xattrCallsWithAndWithoutTheAtCalls(boolean atCalls) throws Exception {
    boolean before = Xattrs.atCalls;
    Xattrs.atCalls = atCalls;
    try {
      Files.writeString(tmp.resolve("f"), "x");
      Files.createSymbolicLink(tmp.resolve("l"), Path.of("f"));
      byte[] big = new byte[3000]; // as much as an ext4 inode's xattr block takes with its name
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) (i * 7);
      }
      Xattrs.set(dir, Names.bytes("f"), "user.big", big, 0);
      assertArrayEquals(big, Xattrs.get(dir, Names.bytes("f"), "user.big"));
      assertEquals(List.of("user.big"), userNames(Xattrs.list(dir, Names.bytes("f"))));
      String notUtf8 = Xattrs.name(new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xff, (byte) 0xc3});
      Xattrs.set(dir, Names.bytes("f"), notUtf8, new byte[] {1}, 0);
      assertArrayEquals(new byte[] {1}, Xattrs.get(dir, Names.bytes("f"), notUtf8));
      assertEquals(Set.of("user.big", notUtf8), Set.copyOf(userNames(Xattrs.list(dir, Names.bytes("f")))));
      assertTrue(getfattr(tmp.resolve("f")).contains("user.\u00ff\u00c3=0x01"), "getfattr sees the bytes");
      Xattrs.remove(dir, Names.bytes("f"), notUtf8);
      assertNull(Xattrs.get(dir, Names.bytes("f"), "user.none"));
      assertNull(Xattrs.get(dir, Names.bytes("l"), "user.big"), "the link, not its target");
      assertEquals(List.of(), userNames(Xattrs.list(dir, Names.bytes("l"))));
      PosixException e = assertThrows(PosixException.class, () -> Xattrs.get(dir, Names.bytes("gone"), "user.x"));
      assertEquals(Errno.ENOENT, e.errno());
      for (int flags : new int[] {Posix.O_RDONLY, Posix.O_PATH}) {
        int fd = Posix.openat(dir, Names.bytes("f"), flags | Posix.O_CLOEXEC);
        byte[] value = {(byte) (flags == Posix.O_PATH ? 'p' : 'r')};
        try {
          Xattrs.set(fd, new byte[0], "user.self", value, 0);
          assertArrayEquals(value, Xattrs.get(dir, Names.bytes("f"), "user.self"));
          assertArrayEquals(value, Xattrs.get(fd, new byte[0], "user.self"));
          assertEquals(Set.of("user.big", "user.self"), Set.copyOf(userNames(Xattrs.list(fd, new byte[0]))));
          Xattrs.remove(fd, new byte[0], "user.self");
          assertNull(Xattrs.get(dir, Names.bytes("f"), "user.self"));
          e = assertThrows(PosixException.class, () -> Xattrs.remove(fd, new byte[0], "user.self"));
          assertEquals(Errno.ENODATA, e.errno());
        } finally {
          Posix.close(fd);
        }
      }
      Xattrs.set(dir, Names.bytes("f"), "user.big", new byte[] {2}, Xattrs.XATTR_REPLACE);
      assertArrayEquals(new byte[] {2}, Xattrs.get(dir, Names.bytes("f"), "user.big"), "flags reach the call");
      e = assertThrows(PosixException.class,
          () -> Xattrs.set(dir, Names.bytes("f"), "user.big", new byte[] {3}, Xattrs.XATTR_CREATE));
      assertEquals(Errno.EEXIST, e.errno());
      assertEquals(atCalls, Xattrs.atCalls, "the kernel (6.13 or later here) has getxattrat and listxattrat");
    } finally {
      Xattrs.atCalls = before;
    }
  }

  private static String getfattr(Path file) throws Exception {
    Process p = new ProcessBuilder("getfattr", "-d", "-e", "hex", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  /** The {@code user.*} names of a list: a security module may add names of its own to any file. */
  private static List<String> userNames(List<String> names) {
    return names.stream().filter(n -> n.startsWith("user.")).toList();
  }

  @Test
  void xattrsOfTheDescriptorItself() throws Exception {
    Xattrs.set(dir, new byte[0], "user.d", new byte[] {0, 1}, 0);
    assertArrayEquals(new byte[] {0, 1}, Xattrs.get(dir, new byte[0], "user.d"));
  }

  @Test
  void symlinksAreNeverFollowed() throws Exception {
    Files.createSymbolicLink(tmp.resolve("l"), Path.of("/nonexistent/target"));
    assertTrue(Posix.lstatat(dir, Names.bytes("l")).isSymlink());
    assertArrayEquals(Names.bytes("/nonexistent/target"), Posix.readlinkat(dir, Names.bytes("l")));
    assertNull(Xattrs.get(dir, Names.bytes("l"), "trusted.none"));
  }

  @Test
  void copyFileRangeAndHoles() throws Exception {
    int src = Posix.openat(dir, Names.bytes("src"), O_CREAT | O_RDWR, 0644);
    int dst = Posix.openat(dir, Names.bytes("dst"), O_CREAT | O_RDWR, 0644);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, "tail".getBytes());
      Posix.pwrite(src, data, 1 << 20);
      assertEquals(1 << 20, Posix.lseek(src, 0, Posix.SEEK_DATA) & ~4095L);
      assertEquals(0, Posix.lseek(src, 0, Posix.SEEK_HOLE));
      long copied = Posix.copyFileRange(src, 1 << 20, dst, 0, 4);
      assertEquals(4, copied);
      MemorySegment back = arena.allocate(4);
      assertEquals(4, Posix.pread(dst, back, 0));
      assertArrayEquals("tail".getBytes(), back.toArray(ValueLayout.JAVA_BYTE));
    } finally {
      Posix.close(src);
      Posix.close(dst);
    }
  }

  @Test
  void timesWithNanoseconds() throws Exception {
    Files.writeString(tmp.resolve("t"), "");
    Timespec when = new Timespec(1_600_000_000L, 123_456_789);
    Posix.utimensat(dir, Names.bytes("t"), when, when, Posix.AT_SYMLINK_NOFOLLOW);
    Stat st = Posix.lstatat(dir, Names.bytes("t"));
    assertEquals(when, st.mtime());
    assertEquals(when, st.atime());
  }

  @Test
  void fileHandlesOpenTheSameFileAgain() throws Exception {
    Files.writeString(tmp.resolve("h"), "");
    FileHandle fh = Posix.nameToHandleAt(dir, Names.bytes("h"), 0);
    assertTrue(fh.bytes().length > 0);
    int mountFd = Posix.openat(dir, new byte[] {'.'}, Posix.O_RDONLY | O_DIRECTORY);
    int fd = Posix.openByHandleAt(mountFd, fh, Posix.O_PATH);
    try {
      assertEquals(Posix.lstatat(dir, Names.bytes("h")).ino(), Posix.fstat(fd).ino());
    } finally {
      Posix.close(fd);
      Posix.close(mountFd);
    }
  }

  @Test
  void longNamesFailWithNameTooLong() {
    byte[] name = new byte[256];
    java.util.Arrays.fill(name, (byte) 'n');
    PosixException e = assertThrows(PosixException.class, () -> Posix.mkdirat(dir, name, 0755));
    assertEquals(Errno.ENAMETOOLONG, e.errno());
  }

  @Test
  void dup2OfADescriptorOntoItselfOnlyChecksItIsOpen() throws Exception {
    int fd = Posix.openat(dir, new byte[] {'f'}, O_CREAT | O_RDWR, 0600);
    Posix.dup2(fd, fd);
    Posix.close(fd);
    PosixException e = assertThrows(PosixException.class, () -> Posix.dup2(fd, fd));
    assertEquals(Errno.EBADF, e.errno());
    assertEquals("dup2", e.call());
  }

  @Test
  void dup2ReplacesTheTargetDescriptor() throws Exception {
    int file = Posix.openat(dir, new byte[] {'f'}, O_CREAT | O_RDWR, 0600);
    int other = Posix.openat(dir, new byte[] {'.'}, O_PATH | O_DIRECTORY);
    try {
      Posix.dup2(file, other);
      assertEquals(Posix.fstat(file).ino(), Posix.fstat(other).ino());
    } finally {
      Posix.close(file);
      Posix.close(other);
    }
  }

  @Test
  void deviceNumbersBeyondThirtyTwoBitsFailWithOverflow() {
    long dev = Posix.makedev(0x1000, 1);
    PosixException e = assertThrows(PosixException.class,
        () -> Posix.mknodat(dir, new byte[] {'d'}, Posix.S_IFCHR | 0600, dev));
    assertEquals(Errno.EOVERFLOW, e.errno());
    assertThrows(PosixException.class, () -> Posix.lstatat(dir, new byte[] {'d'}));
  }

  @Test
  void callsRefuseMemoryTheKernelCannotUse() throws Exception {
    int fd = Posix.openat(dir, new byte[] {'f'}, O_CREAT | O_RDWR, 0600);
    try {
      assertThrows(IllegalArgumentException.class, () -> Posix.write(fd, MemorySegment.ofArray(new byte[8])));
      MemorySegment closed;
      try (Arena arena = Arena.ofConfined()) {
        closed = arena.allocate(8);
      }
      assertThrows(IllegalStateException.class, () -> Posix.write(fd, closed));
      assertEquals(0, Posix.fstat(fd).size());
    } finally {
      Posix.close(fd);
    }
  }

  @Test
  void syncfsOfAnOpenDirectory() throws Exception {
    int fd = Posix.openat(dir, new byte[] {'.'}, Posix.O_RDONLY | O_DIRECTORY);
    Posix.syncfs(fd);
    Posix.close(fd);
    assertEquals(Errno.EBADF, assertThrows(PosixException.class, () -> Posix.syncfs(fd)).errno());
  }
}
