package dev.layerfs.fuse.raw;

import static dev.layerfs.fuse.raw.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real mounts of an in-memory filesystem, exercised with {@code java.nio.file} and the shell tools a user would run.
 * Runs as root, as the project's tests do.
 */
class MountTest {
  @TempDir Path tmp;
  private Path mnt;
  private final MemoryFs fs = new MemoryFs();
  private FuseServer server;

  @BeforeEach
  void createMountPoint() throws IOException {
    mnt = Files.createDirectory(tmp.resolve("mnt"));
  }

  @AfterEach
  void unmount() throws IOException {
    if (server != null) {
      server.close();
    }
    assertFalse(isMounted(mnt), "the test left " + mnt + " mounted");
  }

  private Connection mount() throws Exception {
    return mount(FuseServer.builder(mnt, fs));
  }

  private Connection mount(FuseServer.Builder builder) throws Exception {
    server = builder.mount();
    return server.awaitReady();
  }

  @Test
  void negotiatesTheKernelsProtocolWithPassthroughAsRoot() throws Exception {
    Connection connection = mount();
    assertEquals(45, connection.protocolMinor(), connection.toString());
    assertEquals(1024 * 1024, connection.maxWrite());
    assertTrue(connection.passthrough(), connection.toString());
    assertTrue(connection.readdirplus());
    assertTrue(isMounted(mnt));
    assertTrue(mountInfo(mnt).contains(" - fuse.layerfs layerfs "), mountInfo(mnt));
  }

  @Test
  void theKernelReadsAheadAsFarAsOneRequestCarries() throws Exception {
    Connection connection = mount();
    String device = sh(mnt, "mountpoint -d .").strip();
    assertEquals(Integer.toString(connection.maxWrite() / 1024),
        Files.readString(Path.of("/sys/class/bdi", device, "read_ahead_kb")).strip());
  }

  @Test
  void shellToolsSeeWhatTheyDid() throws Exception {
    mount();
    sh(mnt, "echo hello > greeting && mkdir -p a/b && mv greeting a/b/moved && ln a/b/moved hard"
        + " && ln -s a/b/moved soft && mkfifo fifo && mknod null c 1 3 && touch -d @1000000000 old"
        + " && truncate -s 12345 sized && chmod 0600 sized && chown 1234:5678 sized");
    assertEquals("hello\n", sh(mnt, "cat a/b/moved"));
    assertEquals("hello\n", sh(mnt, "cat soft"));
    assertEquals("a/b/moved\n", sh(mnt, "readlink soft"));
    assertEquals("2\n2\n", sh(mnt, "stat -c %h hard a/b/moved"));
    assertEquals("fifo\n", sh(mnt, "stat -c %F fifo"));
    assertEquals("character special file 1 3\n", sh(mnt, "stat -c '%F %t %T' null"));
    assertEquals("1000000000\n", sh(mnt, "stat -c %Y old"));
    assertEquals("12345 600 1234 5678\n", sh(mnt, "stat -c '%s %a %u %g' sized"));
    assertEquals(sh(mnt, "stat -c %i hard"), sh(mnt, "stat -c %i a/b/moved"));
    assertEquals("a\nfifo\nhard\nnull\nold\nsized\nsoft\n", sh(mnt, "ls"));

    sh(mnt, "rm hard soft fifo null old sized && rm a/b/moved && rmdir a/b a");
    assertEquals("", sh(mnt, "ls -A"));
    assertTrue(sh(mnt, "ls -la").startsWith("total"));
  }

  @Test
  void renameFlagsReachTheFilesystem() throws Exception {
    mount();
    Files.writeString(mnt.resolve("a"), "A");
    Files.writeString(mnt.resolve("b"), "B");
    byte[] a = Names.bytes(mnt.resolve("a").toString());
    byte[] b = Names.bytes(mnt.resolve("b").toString());
    PosixException exists = assertThrows(PosixException.class,
        () -> Posix.renameat2(Posix.AT_FDCWD, a, Posix.AT_FDCWD, b, Posix.RENAME_NOREPLACE));
    assertEquals(Errno.EEXIST, exists.errno());
    Posix.renameat2(Posix.AT_FDCWD, a, Posix.AT_FDCWD, b, Posix.RENAME_EXCHANGE);
    assertEquals("B", Files.readString(mnt.resolve("a")));
    assertEquals("A", Files.readString(mnt.resolve("b")));
  }

  @Test
  void nonUtf8NamesSurviveAsBytes() throws Exception {
    mount();
    byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
    int fd = Posix.openat(Posix.AT_FDCWD, Names.join(Names.bytes(mnt.toString()), latin1),
        Posix.O_CREAT | Posix.O_WRONLY, 0644);
    Posix.close(fd);
    assertArrayEquals(latin1, fs.root().byName.firstKey());
    assertEquals(1, Posix.readDirectory(Posix.AT_FDCWD, Names.bytes(mnt.toString())).size());
  }

  @Test
  void bigDirectoriesListCompletelyOverManyCalls() throws Exception {
    fs.addDirectory("big", 5000, "a-file-with-a-rather-long-name-");
    mount();
    assertEquals("5000\n", sh(mnt, "ls big | wc -l"));
    long listings = fs.calls("readdir") + fs.calls("readdirplus");
    assertTrue(listings > 2, "5000 entries take several READDIR calls: " + listings);
    try (Stream<Path> entries = Files.list(mnt.resolve("big"))) {
      assertEquals(5000, entries.count());
    }
    assertEquals("5000\n", sh(mnt, "ls -l big | grep -c '^-rw-r--r--'"));
  }

  @Test
  void lsLongIsAnsweredByReaddirplus() throws Exception {
    fs.addDirectory("dir", 20, "f");
    mount();
    sh(mnt, "ls -l dir");
    assertTrue(fs.calls("readdirplus") > 0, fs.calls.toString());
    assertEquals(0, fs.calls("lookup") - 1, "only \"dir\" itself needed a LOOKUP: " + fs.calls);
  }

  @Test
  void largeFilesMoveInMaxWriteChunks() throws Exception {
    mount();
    byte[] data = new byte[16 * 1024 * 1024 + 123];
    new Random(42).nextBytes(data);
    try (FileChannel out = FileChannel.open(mnt.resolve("big"), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(data.length).put(data).flip();
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    }
    assertEquals(1024 * 1024, fs.largestWrite.get(), "a large write(2) arrives in max_write chunks");
    assertArrayEquals(data, Files.readAllBytes(mnt.resolve("big")));
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    assertEquals(sha + "  big\n", sh(mnt, "sha256sum big"));
    sh(mnt, "dd if=big of=/dev/null bs=1M iflag=direct status=none");
    assertEquals(1024 * 1024, fs.largestRead.get(), "direct reads arrive in max_read chunks");
  }

  @Test
  void xattrsRoundTripThroughTheAttrTools() throws Exception {
    mount();
    sh(mnt, "touch f && setfattr -n user.color -v blue f && setfattr -n user.bin -v 0x00ff10 f");
    assertEquals("blue", sh(mnt, "getfattr -n user.color --only-values f"));
    assertEquals("user.bin=0x00ff10\nuser.color=0x626c7565\n",
        sh(mnt, "getfattr -d -e hex --absolute-names f | grep ^user | sort"));
    assertArrayEquals(new byte[] {0, (byte) 0xff, 0x10}, fs.root().byName.get(Names.bytes("f")).node().xattrs
        .get(Names.bytes("user.bin")));
    sh(mnt, "setfattr -x user.color f");
    Shell.Result missing = Shell.run(mnt, "getfattr -n user.color f");
    assertNotEquals(0, missing.status());
    assertTrue(missing.err().contains("No such attribute"), missing.err());
  }

  @Test
  void statfsReachesDf() throws Exception {
    mount();
    assertEquals("1000 600 500 1000 900 4096 255\n", sh(mnt, "stat -f -c '%b %f %a %c %d %S %l' ."));
  }

  @Test
  void aThrowingFilesystemAnswersEioAndTheMountKeepsWorking() throws Exception {
    fs.throwingName = Names.bytes("boom");
    mount();
    Shell.Result result = Shell.run(mnt, "stat boom");
    assertNotEquals(0, result.status());
    assertTrue(result.err().contains("Input/output error"), result.err());
    sh(mnt, "echo still > fine");
    assertEquals("still\n", sh(mnt, "cat fine"));
  }

  @Test
  void requestsTheServerDoesNotImplementAreRefusedWithoutHarm() throws Exception {
    mount();
    sh(mnt, "echo x > f");
    // lsattr asks through an ioctl, which this server answers ENOSYS, and the kernel reports as unsupported.
    Shell.Result ioctl = Shell.run(mnt, "lsattr f");
    assertNotEquals(0, ioctl.status());
    assertTrue(ioctl.err().contains("Operation not supported"), ioctl.err());
    assertEquals("x\n", sh(mnt, "cat f"));
  }

  @Test
  void dataCallsReachTheFilesystem() throws Exception {
    mount();
    Path file = mnt.resolve("f");
    Files.write(file, new byte[] {1, 2, 3, 4});
    Path copy = mnt.resolve("copy");
    try (FileChannel in = FileChannel.open(file);
        FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      assertEquals(4, in.transferTo(0, 4, out));
    }
    assertTrue(fs.calls("copy_file_range") > 0, fs.calls.toString());
    assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(copy));

    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(file.toString()), Posix.O_RDWR);
    try {
      Posix.fallocate(fd, 0, 0, 8192);
      assertEquals(8192, Posix.fstat(fd).size());
      assertEquals(100, Posix.lseek(fd, 100, Posix.SEEK_DATA));
      assertEquals(8192, Posix.lseek(fd, 100, Posix.SEEK_HOLE));
      Posix.fsync(fd);
    } finally {
      Posix.close(fd);
    }
    assertTrue(fs.calls("lseek") >= 2 && fs.calls("fallocate") == 1 && fs.calls("fsync") >= 1, fs.calls.toString());
  }

  @Test
  void locksStayInTheKernel() throws Exception {
    mount();
    Path file = Files.writeString(mnt.resolve("locked"), "x");
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      assertTrue(channel.lock().isValid(), "fcntl locks work without the daemon");
    }
    assertEquals("conflict\n", sh(mnt, "exec 9>locked; flock -n 9 && { flock -n locked true || echo conflict; }"));
    assertFalse(fs.calls.keySet().stream().anyMatch(call -> call.contains("lk")), fs.calls.toString());
  }

  @Test
  void manyThreadsAtOnce() throws Exception {
    mount();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        work.add(pool.submit(() -> {
          Path dir = Files.createDirectory(mnt.resolve("t" + thread));
          for (int i = 0; i < 50; i++) {
            byte[] content = ("thread " + thread + " file " + i + "\n").repeat(100).getBytes(StandardCharsets.UTF_8);
            Path file = dir.resolve("f" + i);
            Files.write(file, content);
            assertArrayEquals(content, Files.readAllBytes(file));
            Files.move(file, dir.resolve("g" + i));
            if (i % 2 == 0) {
              Files.delete(dir.resolve("g" + i));
            }
          }
          return null;
        }));
      }
      for (Future<?> done : work) {
        done.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals("400\n", sh(mnt, "ls t*/ | grep -c '^g'"));
  }

  @Test
  void forgetsGiveBackEveryLookup() throws Exception {
    mount();
    for (int i = 0; i < 200; i++) {
      Files.writeString(mnt.resolve("f" + i), "x");
    }
    sh(mnt, "stat f* > /dev/null");
    sh(mnt, "sync && echo 2 > /proc/sys/vm/drop_caches");
    waitUntil(() -> fs.nodes.values().stream().allMatch(node -> node.id == Abi.ROOT_ID || node.lookups == 0),
        "every lookup forgotten");
    assertTrue(fs.calls("forgotten") >= 200, fs.calls.toString());
  }

  @Test
  void passthroughReadsAndWritesBypassTheDaemon() throws Exception {
    Path backing = Files.createDirectory(tmp.resolve("data")).resolve("backing");
    byte[] data = new byte[3 * 1024 * 1024];
    new Random(7).nextBytes(data);
    Files.write(backing, data);
    MemoryFs.Node node = fs.addBackedFile("pt", backing);
    assertTrue(mount().passthrough());

    assertArrayEquals(data, Files.readAllBytes(mnt.resolve("pt")));
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    assertEquals(sha + "  pt\n", sh(mnt, "sha256sum pt"));
    try (FileChannel channel = FileChannel.open(mnt.resolve("pt"), StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap("written through".getBytes(StandardCharsets.UTF_8)), 1000);
    }
    byte[] changed = Files.readAllBytes(backing);
    assertEquals("written through", new String(changed, 1000, 15, StandardCharsets.UTF_8));
    assertTrue(fs.calls("open") >= 3, fs.calls.toString());
    assertEquals(0, fs.calls("read"), "no READ reached the daemon");
    assertEquals(0, fs.calls("write"), "no WRITE reached the daemon");
    waitUntil(() -> !server.session().backings().isBacked(node.id), "the backing file unregistered after release");
  }

  @Test
  void passthroughOfAFileOpenTwiceSharesOneBacking() throws Exception {
    Path backing = Files.createDirectory(tmp.resolve("data")).resolve("backing");
    Files.writeString(backing, "shared");
    MemoryFs.Node node = fs.addBackedFile("pt", backing);
    mount();
    try (FileChannel first = FileChannel.open(mnt.resolve("pt"));
        FileChannel second = FileChannel.open(mnt.resolve("pt"), StandardOpenOption.WRITE)) {
      second.write(ByteBuffer.wrap("S".getBytes(StandardCharsets.UTF_8)), 0);
      ByteBuffer read = ByteBuffer.allocate(6);
      first.read(read, 0);
      assertEquals("Shared", new String(read.array(), StandardCharsets.UTF_8));
      assertTrue(server.session().backings().isBacked(node.id));
    }
    assertEquals(0, fs.calls("read") + fs.calls("write"));
  }

  @Test
  void aSecondBackingFileForANodeOpenInPassthroughIsRefusedAndItsOpenReleased() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("data"));
    Path first = Files.writeString(data.resolve("first"), "first");
    Path second = Files.writeString(data.resolve("second"), "second");
    MemoryFs.Node node = fs.addBackedFile("pt", first);
    mount();
    try (FileChannel held = FileChannel.open(mnt.resolve("pt"))) {
      node.backing = second;
      IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("pt")));
      assertTrue(e.getMessage().contains("Device or resource busy"), e.getMessage());
      assertEquals(fs.calls("open") - 1, fs.calls("release"), "the refused open was released, the held one not");
      assertEquals(5, held.read(ByteBuffer.allocate(10), 0));
    }
  }

  @Test
  void externalUmountEndsTheSessionAndCallsDestroy() throws Exception {
    mount();
    sh(tmp, "umount " + mnt);
    server.awaitUnmount();
    assertTrue(fs.destroyed.await(10, TimeUnit.SECONDS));
    server.close();
    assertEquals(1, fs.calls("destroy"));
  }

  @Test
  void closeWhileAClientHoldsAFileOpenDetachesAndAborts() throws Exception {
    mount();
    Files.writeString(mnt.resolve("held"), "data");
    FileChannel held = FileChannel.open(mnt.resolve("held"));
    try {
      server.close();
      assertFalse(isMounted(mnt));
      assertTrue(fs.destroyed.await(10, TimeUnit.SECONDS));
      IOException e = assertThrows(IOException.class, () -> held.read(ByteBuffer.allocate(4), 0));
      assertTrue(e.getMessage().contains("not connected"), e.getMessage());
    } finally {
      try {
        held.close();
      } catch (IOException expected) {
        // the FLUSH of close(2) fails the same way
      }
    }
  }

  @Test
  void interruptedRequestsAreVisibleToTheFilesystem() throws Exception {
    fs.blockingName = Names.bytes("slow");
    mount();
    Process stat = new ProcessBuilder("stat", mnt.resolve("slow").toString()).start();
    try {
      assertTrue(fs.blockingEntered.await(30, TimeUnit.SECONDS));
      stat.destroy();
      assertTrue(fs.interruptSeen.await(30, TimeUnit.SECONDS), "the LOOKUP saw its interrupt");
      assertTrue(stat.waitFor(30, TimeUnit.SECONDS));
    } finally {
      stat.destroyForcibly();
    }
    sh(mnt, "touch after && ls after");
  }

  @Test
  void cacheInvalidationsReachTheKernel() throws Exception {
    fs.timeout = Duration.ofHours(1);
    fs.keepCache = true;
    Connection connection = mount();
    Files.writeString(mnt.resolve("f"), "old");
    assertEquals("old", Files.readString(mnt.resolve("f")));
    MemoryFs.Node node = fs.root().byName.get(Names.bytes("f")).node();
    synchronized (fs) {
      node.data = "new".getBytes(StandardCharsets.UTF_8);
    }
    assertEquals("old", Files.readString(mnt.resolve("f")), "the kernel serves its cache");
    connection.invalidateInode(node.id, 0, 0);
    assertEquals("new", Files.readString(mnt.resolve("f")));

    Files.writeString(mnt.resolve("g"), "other");
    String before = sh(mnt, "stat -c %i f");
    synchronized (fs) {
      var root = fs.root();
      var g = root.byName.get(Names.bytes("g"));
      var f = root.byName.get(Names.bytes("f"));
      root.byName.put(Names.bytes("f"), new MemoryFs.Entry(f.name(), g.node(), f.cookie()));
    }
    assertEquals(before, sh(mnt, "stat -c %i f"), "the kernel serves its cached lookup");
    connection.invalidateEntry(Abi.ROOT_ID, Names.bytes("f"));
    assertEquals(sh(mnt, "stat -c %i g"), sh(mnt, "stat -c %i f"));
    connection.invalidateInode(12345, -1, 0);
  }

  @Test
  void accessIsAskedOnlyWithoutDefaultPermissions() throws Exception {
    mount(FuseServer.builder(mnt, fs).defaultPermissions(false));
    sh(mnt, "touch f && test -r f");
    assertTrue(fs.calls("access") > 0, fs.calls.toString());
    assertFalse(mountInfo(mnt).contains("default_permissions"), mountInfo(mnt));
  }

  @Test
  void mountsThroughFusermountAsWellAndReapsTheAutoUnmountHelper() throws Exception {
    Connection connection = mount(FuseServer.builder(mnt, fs).autoUnmount(true).fsName("helper-made"));
    assertTrue(mountInfo(mnt).contains(" - fuse.layerfs helper-made "), mountInfo(mnt));
    assertEquals(45, connection.protocolMinor());
    assertEquals(1, ProcessHandle.current().children().filter(p -> p.info().command().orElse("")
        .endsWith("fusermount3")).count(), "auto_unmount keeps fusermount3 waiting");
    sh(mnt, "echo via helper > f");
    assertEquals("via helper\n", sh(mnt, "cat f"));
    server.close();
    assertFalse(isMounted(mnt));
    assertEquals(0, ProcessHandle.current().children().count(), "no helper left running");
  }

  /** Both ways of mounting make a read-only mount: the kernel refuses a change before the filesystem sees it. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aReadOnlyMountIsRefusedChangesByTheKernel(boolean throughFusermount) throws Exception {
    mount(FuseServer.builder(mnt, fs).readOnly(true).useFusermount(throughFusermount));
    assertEquals("ro", mountInfo(mnt).split(" ")[5].split(",")[0], mountInfo(mnt));
    Shell.Result refused = Shell.run(mnt, "touch f 2>&1");
    assertNotEquals(0, refused.status());
    assertTrue(refused.out().contains("Read-only file system"), refused.out());
    assertEquals(0, fs.calls("create") + fs.calls("setattr"), fs.calls.toString());
  }

  @Test
  void aMountPointThatIsNotADirectoryIsRefusedByName() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "");
    IOException e = assertThrows(IOException.class, () -> FuseServer.builder(file, fs).mount());
    assertEquals("mount point " + file + " is not a directory", e.getMessage());
  }

  @Test
  void badOptionsAreRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FuseServer.builder(mnt, fs).fsName("a,b"));
    assertTrue(e.getMessage().startsWith("fsName "), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> FuseServer.builder(mnt, fs).maxWrite(1000));
    assertTrue(e.getMessage().startsWith("maxWrite "), e.getMessage());
  }

  private static boolean isMounted(Path mountPoint) throws IOException {
    return !mountInfo(mountPoint).isEmpty();
  }

  /** The line of /proc/self/mountinfo whose mount point is {@code mountPoint}, or "". */
  private static String mountInfo(Path mountPoint) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(line -> line.split(" ")[4].equals(mountPoint.toString()))
        .findFirst().orElse("");
  }

  /** Waits for the kernel's asynchronous work (FORGET, RELEASE) to arrive; nothing is timed. */
  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "gave up waiting for: " + what);
      Thread.sleep(10);
    }
  }

}
