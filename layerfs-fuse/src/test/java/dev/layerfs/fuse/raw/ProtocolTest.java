package dev.layerfs.fuse.raw;

import static dev.layerfs.fuse.raw.FakeKernel.args;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.fuse.raw.FakeKernel.Reply;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The wire protocol, byte for byte, against a fake kernel: INIT across protocol versions, replies and errors. */
class ProtocolTest {
  /** Every flag a 7.45 kernel may offer. */
  private static final long EVERYTHING = (1L << 43) - 1;
  private static final long NEGOTIATED = Abi.ASYNC_READ | Abi.ATOMIC_O_TRUNC | Abi.BIG_WRITES | Abi.DONT_MASK
      | Abi.AUTO_INVAL_DATA | Abi.DO_READDIRPLUS | Abi.READDIRPLUS_AUTO | Abi.ASYNC_DIO | Abi.PARALLEL_DIROPS
      | Abi.POSIX_ACL | Abi.MAX_PAGES | Abi.CACHE_SYMLINKS | Abi.NO_OPENDIR_SUPPORT | Abi.SETXATTR_EXT | Abi.INIT_EXT
      | Abi.DIRECT_IO_ALLOW_MMAP | Abi.NO_EXPORT_SUPPORT;

  private final MemoryFs fs = new MemoryFs();
  private FakeKernel kernel;

  @AfterEach
  void hangUp() throws InterruptedException {
    if (kernel != null) {
      kernel.hangUp();
    }
  }

  private FakeKernel start(boolean privileged, boolean writebackCache) throws IOException {
    kernel = new FakeKernel(fs, 1, privileged, writebackCache);
    return kernel;
  }

  private Reply initialized() throws Exception {
    start(true, false).init(7, 45, EVERYTHING);
    Reply reply = kernel.receive();
    kernel.session.awaitReady();
    return reply;
  }

  private static long flags(Reply init) {
    ByteBuffer out = init.payload();
    return Integer.toUnsignedLong(out.getInt(12)) | Integer.toUnsignedLong(out.getInt(32)) << 32;
  }

  @Test
  void initAgreesOnProtocol745AndTheDocumentedFlags() throws Exception {
    Reply reply = initialized();
    ByteBuffer out = reply.payload();
    assertEquals(Abi.OUT_HEADER_SIZE + Init.OUT_SIZE, reply.length());
    assertEquals(0, reply.error());
    assertEquals(7, out.getInt(0));
    assertEquals(45, out.getInt(4));
    assertEquals(128 * 1024, out.getInt(8), "max_readahead echoes the kernel's");
    assertEquals(NEGOTIATED | Abi.PASSTHROUGH, flags(reply), Init.flagNames(flags(reply)).toString());
    assertEquals(FakeKernel.MAX_WRITE, out.getInt(20));
    assertEquals(1, out.getInt(24), "time_gran: nanoseconds");
    assertEquals(FakeKernel.MAX_WRITE / 4096, Short.toUnsignedInt(out.getShort(28)), "max_pages");
    assertEquals(1, out.getInt(36), "max_stack_depth");
    Connection connection = kernel.session.awaitReady();
    assertEquals(45, connection.protocolMinor());
    assertTrue(connection.passthrough());
    assertTrue(connection.readdirplus());
    assertTrue(connection.opensDirectoriesItself());
    assertFalse(connection.writebackCache());
    assertTrue(connection.toString().contains("PASSTHROUGH"), connection.toString());
    assertEquals(connection, fs.connection);
  }

  @Test
  void passthroughNeedsPrivilegeAndWinsOverWritebackCache() throws Exception {
    start(false, true).init(7, 45, EVERYTHING);
    long unprivileged = flags(kernel.receive());
    assertEquals(NEGOTIATED | Abi.WRITEBACK_CACHE, unprivileged, Init.flagNames(unprivileged).toString());
    kernel.hangUp();

    start(true, true).init(7, 45, EVERYTHING);
    long privileged = flags(kernel.receive());
    assertEquals(NEGOTIATED | Abi.PASSTHROUGH, privileged, Init.flagNames(privileged).toString());
  }

  @Test
  void aclsAreTheKernelsOnlyWithDefaultPermissions() {
    Options without =
        new Options("test", "test", 1, FakeKernel.MAX_WRITE, false, false, false, false, true, true, 1, false, false);
    long flags = Init.agree(new Init.Offer(7, 45, 128 * 1024, EVERYTHING), without, true).flags();
    assertEquals(NEGOTIATED & ~Abi.POSIX_ACL | Abi.PASSTHROUGH, flags, Init.flagNames(flags).toString());
  }

  @Test
  void olderKernelsWithoutFlags2GetTheirMinorAndNoExtendedFlags() throws Exception {
    start(true, false).init(7, 31, EVERYTHING & 0xffffffffL & ~Abi.INIT_EXT);
    Reply reply = kernel.receive();
    assertEquals(Abi.OUT_HEADER_SIZE + Init.OUT_SIZE, reply.length());
    assertEquals(31, reply.payload().getInt(4));
    assertEquals(NEGOTIATED & 0xffffffffL & ~Abi.INIT_EXT, flags(reply));
    assertEquals(0, reply.payload().getInt(36), "no passthrough, no stack depth");
    assertEquals(31, kernel.session.awaitReady().protocolMinor());
  }

  @Test
  void directoriesAreOpenedThroughTheServerWhereTheKernelDoesNotOfferOtherwise() throws Exception {
    start(true, false).init(7, 28, EVERYTHING & 0xffffffffL & ~(Abi.NO_OPENDIR_SUPPORT | Abi.INIT_EXT));
    assertEquals(0, flags(kernel.receive()) & Abi.NO_OPENDIR_SUPPORT);
    assertFalse(kernel.session.awaitReady().opensDirectoriesItself());
  }

  @Test
  void kernelsWithoutMaxPagesKeepTheirRequestSize() throws Exception {
    start(true, false).init(7, 27, EVERYTHING & 0xffffffffL & ~(Abi.MAX_PAGES | Abi.INIT_EXT));
    ByteBuffer out = kernel.receive().payload();
    assertEquals(Init.LEGACY_MAX_WRITE, out.getInt(20));
    assertEquals(0, out.getShort(28), "max_pages only goes to kernels that know it");
  }

  @Test
  void kernelsUpTo722GetTheShortInitReply() throws Exception {
    start(true, false).init(7, 22, EVERYTHING & 0xffffffffL & ~Abi.MAX_PAGES);
    Reply reply = kernel.receive();
    assertEquals(Abi.OUT_HEADER_SIZE + Init.OUT_SIZE_7_22, reply.length());
    assertEquals(22, reply.payload().getInt(4));
    assertEquals(Init.LEGACY_MAX_WRITE, reply.payload().getInt(20), "without MAX_PAGES requests stay at 32 pages");
  }

  @Test
  void aNewerMajorIsAnsweredWithOursAndTheNextInitIsAccepted() throws Exception {
    start(true, false).init(8, 0, 0);
    Reply reply = kernel.receive();
    assertEquals(0, reply.error());
    assertEquals(7, reply.payload().getInt(0));
    assertEquals(45, reply.payload().getInt(4));
    kernel.init(7, 45, EVERYTHING);
    assertEquals(45, kernel.receive().payload().getInt(4));
    assertEquals(45, kernel.session.awaitReady().protocolMinor());
  }

  @Test
  void protocolsOlderThan712AreRefused() throws Exception {
    start(true, false).init(7, 11, 0);
    assertEquals(-Errno.EPROTO, kernel.receive().error());
    IOException e = assertThrows(IOException.class, () -> kernel.session.awaitReady());
    assertTrue(e.getMessage().contains("7.11"), e.getMessage());
  }

  @Test
  void unknownOpcodesAreAnsweredEnosysAndServingGoesOn() throws Exception {
    initialized();
    long unique = kernel.send(4000, Abi.ROOT_ID, args().u64(0));
    Reply reply = kernel.receive();
    assertEquals(unique, reply.unique());
    assertEquals(-Errno.ENOSYS, reply.error());
    assertEquals(Abi.OUT_HEADER_SIZE, reply.length());

    kernel.send(Opcode.GETATTR, Abi.ROOT_ID, args().u32(0).u32(0).u64(0));
    Reply getattr = kernel.receive();
    assertEquals(0, getattr.error());
    assertEquals(Abi.OUT_HEADER_SIZE + AttrOut.SIZE, getattr.length());
  }

  @Test
  void anExceptionFromTheFilesystemIsAnsweredEioOnce() throws Exception {
    initialized();
    fs.throwingName = Names.bytes("boom");
    lookupOfBoomIsAnsweredEioAndServingGoesOn();
  }

  @Test
  void anErrorEscapingTheReadersOwnHandlingIsStillAnsweredAndServingGoesOn() throws Exception {
    initialized();
    fs.indescribableName = Names.bytes("boom");
    lookupOfBoomIsAnsweredEioAndServingGoesOn();
  }

  /** Exactly one answer to the failing request, and the only reader still serves the next one. */
  private void lookupOfBoomIsAnsweredEioAndServingGoesOn() throws Exception {
    long unique = kernel.send(Opcode.LOOKUP, Abi.ROOT_ID, args().name("boom"));
    Reply reply = kernel.receive();
    assertEquals(unique, reply.unique());
    assertEquals(-Errno.EIO, reply.error());

    long next = kernel.send(Opcode.LOOKUP, Abi.ROOT_ID, args().name("missing"));
    Reply missing = kernel.receive();
    assertEquals(next, missing.unique(), "exactly one answer per request");
    assertEquals(-Errno.ENOENT, missing.error());
  }

  @Test
  void forgetsAreNotAnswered() throws Exception {
    initialized();
    kernel.send(Opcode.FORGET, 5, args().u64(3));
    kernel.send(Opcode.BATCH_FORGET, 0, args().u32(2).u32(0).u64(6).u64(1).u64(7).u64(2));
    long unique = kernel.send(Opcode.STATFS, Abi.ROOT_ID, args());
    Reply reply = kernel.receive();
    assertEquals(unique, reply.unique(), "the first answer is the STATFS's");
    assertEquals(3, fs.calls("forget"));
    assertEquals(3 + 1 + 2, fs.calls("forgotten"));
    ByteBuffer statfs = reply.payload();
    assertEquals(1000, statfs.getLong(0));
    assertEquals(255, statfs.getInt(44));
  }

  @Test
  void anInterruptForARequestNotBeingServedAsksTheKernelToRetry() throws Exception {
    initialized();
    long unique = kernel.send(Opcode.INTERRUPT, 0, args().u64(12345));
    Reply reply = kernel.receive();
    assertEquals(unique, reply.unique());
    assertEquals(-Errno.EAGAIN, reply.error());
  }

  @Test
  void anInterruptReachesTheRequestBeingServedAndIsNotAnswered() throws Exception {
    kernel = new FakeKernel(fs, 2, true, false);
    kernel.init(7, 45, EVERYTHING);
    kernel.receive();
    fs.blockingName = Names.bytes("slow");
    long lookup = kernel.send(Opcode.LOOKUP, Abi.ROOT_ID, args().name("slow"));
    assertTrue(fs.blockingEntered.await(30, TimeUnit.SECONDS));
    kernel.send(Opcode.INTERRUPT, 0, args().u64(lookup));
    Reply reply = kernel.receive();
    assertEquals(lookup, reply.unique(), "the first answer is the LOOKUP's, none for the INTERRUPT");
    assertEquals(-Errno.EINTR, reply.error());
    assertEquals(0, fs.interruptSeen.getCount());
  }

  @Test
  void aFailingInitFailsTheSessionWithoutDestroy() throws Exception {
    boolean[] destroyed = {false};
    kernel = new FakeKernel(new RawFileSystem() {
      @Override
      public void init(Connection connection) throws IOException {
        throw new IOException("no layers");
      }

      @Override
      public void destroy() {
        destroyed[0] = true;
      }
    }, 1, true, false);
    kernel.init(7, 45, EVERYTHING);
    assertEquals(-Errno.EIO, kernel.receive().error());
    IOException e = assertThrows(IOException.class, () -> kernel.session.awaitReady());
    assertTrue(e.getMessage().contains("no layers"), e.getMessage());
    kernel.hangUp();
    kernel = null;
    assertFalse(destroyed[0]);
  }

  @Test
  void lookupsAndOpensTheKernelDidNotTakeAreGivenBack() throws Exception {
    CountDownLatch answering = new CountDownLatch(1);
    CountDownLatch hungUp = new CountDownLatch(1);
    List<String> takenBack = new ArrayList<>();
    RawFileSystem slow = new RawFileSystem() {
      @Override
      public void lookup(Request request, byte[] name, EntryOut out) throws IOException {
        answering.countDown();
        await(hungUp);
        out.nodeId(42);
      }

      @Override
      public void forget(long nodeId, long lookups) {
        takenBack.add("forget " + nodeId + " " + lookups);
      }
    };
    kernel = new FakeKernel(slow, 1, true, false);
    kernel.init(7, 45, EVERYTHING);
    kernel.receive();
    kernel.send(Opcode.LOOKUP, Abi.ROOT_ID, args().name("x"));
    assertTrue(answering.await(30, TimeUnit.SECONDS));
    kernel.hangUpWithoutWaiting();
    hungUp.countDown();
    kernel.session.awaitEnd();
    kernel = null;
    assertEquals(List.of("forget 42 1"), takenBack);
  }

  private static void await(CountDownLatch latch) throws IOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
  }

  @Test
  void destroyIsAnsweredAndCallsTheFilesystemOnce() throws Exception {
    initialized();
    long unique = kernel.send(Opcode.DESTROY, 0, args());
    Reply reply = kernel.receive();
    assertEquals(unique, reply.unique());
    assertEquals(0, reply.error());
    kernel.hangUp();
    kernel = null;
    assertEquals(1, fs.calls("destroy"));
  }

  @Test
  void truncatedArgumentsAreRefused() throws Exception {
    initialized();
    kernel.send(Opcode.READ, Abi.ROOT_ID, args().u64(1).u64(0));
    assertEquals(-Errno.EIO, kernel.receive().error());
  }

  @Test
  void readdirPacksAlignedEntriesAndContinuesFromTheLastOffset() throws Exception {
    initialized();
    fs.addDirectory("big", 100, "a-rather-long-file-name-");
    long dir = lookup("big");
    long handle = opendir(dir);
    List<String> names = new ArrayList<>();
    long offset = 0;
    int calls = 0;
    while (true) {
      kernel.send(Opcode.READDIR, dir, args().u64(handle).u64(offset).u32(512).u32(0).u64(0).u32(0).u32(0));
      Reply reply = kernel.receive();
      assertEquals(0, reply.error());
      ByteBuffer entries = reply.payload();
      if (!entries.hasRemaining()) {
        break;
      }
      calls++;
      assertTrue(entries.remaining() <= 512);
      while (entries.hasRemaining()) {
        int start = entries.position();
        assertEquals(0, start % 8, "entries are 8-byte aligned");
        entries.getLong();
        offset = entries.getLong();
        int length = entries.getInt();
        entries.getInt();
        byte[] name = new byte[length];
        entries.get(name);
        names.add(new String(name, StandardCharsets.UTF_8));
        entries.position(start + (int) Abi.align8(24 + length));
      }
    }
    assertTrue(calls > 5, "512-byte replies hold only a few entries, so the listing takes many calls: " + calls);
    assertEquals(102, names.size());
    assertEquals(List.of(".", "..", "a-rather-long-file-name-0"), names.subList(0, 3));
    assertEquals("a-rather-long-file-name-99", names.get(101));
  }

  @Test
  void readdirplusCountsOneLookupPerEntryButNotForDotAndDotDot() throws Exception {
    initialized();
    fs.addDirectory("dir", 3, "f");
    long dir = lookup("dir");
    long handle = opendir(dir);
    kernel.send(Opcode.READDIRPLUS, dir, args().u64(handle).u64(0).u32(4096).u32(0).u64(0).u32(0).u32(0));
    ByteBuffer entries = kernel.receive().payload();
    List<Long> nodeIds = new ArrayList<>();
    while (entries.hasRemaining()) {
      int start = entries.position();
      nodeIds.add(entries.getLong(start));
      int length = entries.getInt(start + EntryOut.SIZE + 16);
      entries.position(start + (int) Abi.align8(EntryOut.SIZE + 24 + length));
    }
    assertEquals(5, nodeIds.size());
    assertEquals(List.of(0L, 0L), nodeIds.subList(0, 2), "\".\" and \"..\" carry no lookup");
    for (long nodeId : nodeIds.subList(2, 5)) {
      assertEquals(1, fs.nodes.get(nodeId).lookups);
    }
  }

  @Test
  void xattrSizeProbesTooSmallBuffersAndValues() throws Exception {
    initialized();
    byte[] value = {0, 1, 2, (byte) 0xff, 4};
    kernel.send(Opcode.SETXATTR, Abi.ROOT_ID, args().u32(value.length).u32(0).u32(0).u32(0).name("user.bin")
        .put(value));
    assertEquals(0, kernel.receive().error());

    kernel.send(Opcode.GETXATTR, Abi.ROOT_ID, args().u32(0).u32(0).name("user.bin"));
    Reply probe = kernel.receive();
    assertEquals(Abi.OUT_HEADER_SIZE + 8, probe.length());
    assertEquals(value.length, probe.payload().getInt(0));

    kernel.send(Opcode.GETXATTR, Abi.ROOT_ID, args().u32(2).u32(0).name("user.bin"));
    assertEquals(-Errno.ERANGE, kernel.receive().error());

    kernel.send(Opcode.GETXATTR, Abi.ROOT_ID, args().u32(100).u32(0).name("user.bin"));
    Reply data = kernel.receive();
    byte[] got = new byte[data.payload().remaining()];
    data.payload().get(got);
    assertArrayEquals(value, got);

    kernel.send(Opcode.LISTXATTR, Abi.ROOT_ID, args().u32(100).u32(0));
    Reply list = kernel.receive();
    byte[] names = new byte[list.payload().remaining()];
    list.payload().get(names);
    assertArrayEquals("user.bin\0".getBytes(StandardCharsets.UTF_8), names);

    kernel.send(Opcode.GETXATTR, Abi.ROOT_ID, args().u32(100).u32(0).name("user.none"));
    assertEquals(-Errno.ENODATA, kernel.receive().error());
  }

  private long lookup(String name) throws Exception {
    kernel.send(Opcode.LOOKUP, Abi.ROOT_ID, args().name(name));
    Reply reply = kernel.receive();
    assertEquals(0, reply.error());
    return reply.payload().getLong(0);
  }

  private long opendir(long dir) throws Exception {
    kernel.send(Opcode.OPENDIR, dir, args().u32(0).u32(0));
    Reply reply = kernel.receive();
    assertEquals(0, reply.error());
    return reply.payload().getLong(0);
  }
}
