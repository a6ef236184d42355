package dev.layerfs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.SYNC;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Channels of a view: the JDK's FileChannel contract, on the file's real layer. */
class FileChannelTest extends OverlayTestCase {
  private static final byte[] BIG = new byte[3 * 1024 * 1024 + 17];

  static {
    new Random(42).nextBytes(BIG);
  }

  @Override
  void fixture(Path lower) throws IOException {
    write(lower, "small.txt", "0123456789");
    Files.write(lower.resolve("big.bin"), BIG);
  }

  @Test
  void aChannelOpenedForReadingLeavesTheFileInTheLowerLayer() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(4);
      assertEquals(4, ch.read(buffer, 3));
      assertEquals("3456", new String(buffer.array(), UTF_8));
    }
    assertFalse(Files.exists(upper.resolve("small.txt")));
  }

  @Test
  void aChannelOpenedForWritingCopiesUpBeforeTheFirstWrite() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), WRITE)) {
      assertTrue(Files.exists(upper.resolve("small.txt")), "copied up on open");
      assertEquals("0123456789", Files.readString(upper.resolve("small.txt")), "with its data");
      ch.write(ByteBuffer.wrap("ab".getBytes(UTF_8)), 4);
    }
    assertEquals("0123ab6789", Files.readString(root.resolve("small.txt")));
    assertEquals("0123456789", Files.readString(lower.resolve("small.txt")));
  }

  @Test
  void aReaderOpenedBeforeACopyUpSeesTheNewData() throws IOException {
    try (FileChannel reader = FileChannel.open(root.resolve("small.txt"), READ)) {
      Files.writeString(root.resolve("small.txt"), "rewritten!");
      ByteBuffer buffer = ByteBuffer.allocate(10);
      reader.read(buffer, 0);
      assertEquals("rewritten!", new String(buffer.array(), UTF_8));
    }
  }

  @Test
  void readsAndWritesLargeFilesThroughHeapAndDirectBuffers() throws IOException {
    assertArrayEquals(BIG, Files.readAllBytes(root.resolve("big.bin")));
    try (FileChannel ch = FileChannel.open(root.resolve("big.bin"), READ)) {
      ByteBuffer direct = ByteBuffer.allocateDirect(BIG.length);
      while (direct.hasRemaining() && ch.read(direct) > 0) {
        // reads in as many calls as it takes
      }
      direct.flip();
      byte[] back = new byte[BIG.length];
      direct.get(back);
      assertArrayEquals(BIG, back);
      assertEquals(-1, ch.read(ByteBuffer.allocate(1)));
    }
    byte[] reversed = BIG.clone();
    for (int i = 0; i < reversed.length / 2; i++) {
      byte b = reversed[i];
      reversed[i] = reversed[reversed.length - 1 - i];
      reversed[reversed.length - 1 - i] = b;
    }
    Files.write(root.resolve("copy.bin"), reversed);
    assertArrayEquals(reversed, Files.readAllBytes(root.resolve("copy.bin")));
  }

  @Test
  void keepsAPositionAndASize() throws IOException {
    try (SeekableByteChannel ch = Files.newByteChannel(root.resolve("f"), CREATE_NEW, READ, WRITE)) {
      assertEquals(0, ch.size());
      ch.write(ByteBuffer.wrap("hello world".getBytes(UTF_8)));
      assertEquals(11, ch.position());
      assertEquals(11, ch.size());
      ch.position(6);
      ByteBuffer buffer = ByteBuffer.allocate(5);
      ch.read(buffer);
      assertEquals("world", new String(buffer.array(), UTF_8));
      ch.position(20);
      ch.write(ByteBuffer.wrap("!".getBytes(UTF_8)));
      assertEquals(21, ch.size(), "writing past the end leaves a hole");
      ch.truncate(5);
      assertEquals(5, ch.size());
      assertEquals(5, ch.position(), "truncation pulls the position back");
      ch.truncate(100);
      assertEquals(5, ch.size(), "truncate never grows a file");
    }
    assertEquals("hello", Files.readString(root.resolve("f")));
  }

  @Test
  void appendsWhereverThePositionIs() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), APPEND)) {
      assertEquals(10, ch.position());
      ch.write(ByteBuffer.wrap("ab".getBytes(UTF_8)));
      ch.position(0);
      ch.write(ByteBuffer.wrap("cd".getBytes(UTF_8)));
      assertEquals(14, ch.position());
    }
    assertEquals("0123456789abcd", Files.readString(root.resolve("small.txt")));
  }

  @Test
  void scattersAndGathers() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("sg"), CREATE, READ, WRITE)) {
      ch.write(new ByteBuffer[] {ByteBuffer.wrap("abc".getBytes(UTF_8)), ByteBuffer.wrap("def".getBytes(UTF_8))});
      ch.position(0);
      ByteBuffer first = ByteBuffer.allocate(2);
      ByteBuffer second = ByteBuffer.allocateDirect(10);
      assertEquals(6, ch.read(new ByteBuffer[] {first, second}));
      assertEquals("ab", new String(first.array(), UTF_8));
      assertEquals(4, second.position());
    }
  }

  @Test
  void enforcesAccessModes() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), READ)) {
      assertThrows(NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(1)));
      assertThrows(NonWritableChannelException.class, () -> ch.truncate(0));
    }
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), WRITE)) {
      assertThrows(NonReadableChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
    }
    assertThrows(IllegalArgumentException.class, () -> FileChannel.open(root.resolve("small.txt"), READ, APPEND));
    assertThrows(NoSuchFileException.class, () -> FileChannel.open(root.resolve("absent"), WRITE));
    assertThrows(FileAlreadyExistsException.class, () -> FileChannel.open(root.resolve("small.txt"), CREATE_NEW,
        WRITE));
    FileChannel closed = FileChannel.open(root.resolve("small.txt"), READ);
    closed.close();
    assertThrows(ClosedChannelException.class, () -> closed.read(ByteBuffer.allocate(1)));
    assertThrows(ClosedChannelException.class, closed::size);
  }

  @Test
  void transfersBetweenOverlayFilesAndPlainFiles() throws IOException {
    try (FileChannel from = FileChannel.open(root.resolve("big.bin"), READ);
        FileChannel to = FileChannel.open(root.resolve("big.copy"), CREATE_NEW, WRITE)) {
      long done = 0;
      while (done < BIG.length) {
        done += from.transferTo(done, BIG.length - done, to);
      }
      assertEquals(BIG.length, to.position());
    }
    assertArrayEquals(BIG, Files.readAllBytes(root.resolve("big.copy")));

    Path plain = tmp.resolve("plain.bin");
    try (FileChannel from = FileChannel.open(root.resolve("big.bin"), READ);
        FileChannel to = FileChannel.open(plain, CREATE_NEW, WRITE)) {
      assertEquals(BIG.length, from.transferTo(0, Long.MAX_VALUE, to));
    }
    assertArrayEquals(BIG, Files.readAllBytes(plain));

    try (FileChannel from = FileChannel.open(plain, READ);
        FileChannel to = FileChannel.open(root.resolve("from-plain.bin"), CREATE_NEW, WRITE)) {
      long done = 0;
      while (done < BIG.length) {
        done += to.transferFrom(from, done, BIG.length - done);
      }
    }
    assertArrayEquals(BIG, Files.readAllBytes(root.resolve("from-plain.bin")));

    try (FileChannel from = FileChannel.open(root.resolve("small.txt"), READ);
        FileChannel to = FileChannel.open(root.resolve("small.copy"), CREATE_NEW, WRITE)) {
      from.position(2);
      assertEquals(8, to.transferFrom(from, 0, 100));
      assertEquals(10, from.position());
    }
    assertEquals("23456789", Files.readString(root.resolve("small.copy")));
  }

  @Test
  void streamsTransferThroughChannels() throws IOException {
    Path plain = tmp.resolve("via-streams.bin");
    try (var in = Files.newInputStream(root.resolve("big.bin")); var out = Files.newOutputStream(plain)) {
      assertEquals(BIG.length, in.transferTo(out));
    }
    assertArrayEquals(BIG, Files.readAllBytes(plain));
  }

  @Test
  void mapsFiles() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), READ, WRITE)) {
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 10);
      assertEquals('0', map.get(0));
      map.put(0, (byte) 'X');
      map.force();
    }
    assertEquals("X123456789", Files.readString(root.resolve("small.txt")));
    assertEquals("0123456789", Files.readString(lower.resolve("small.txt")));
    try (FileChannel ch = FileChannel.open(root.resolve("big.bin"), READ); Arena arena = Arena.ofConfined()) {
      MemorySegment segment = ch.map(FileChannel.MapMode.READ_ONLY, 0, BIG.length, arena);
      assertEquals(BIG[BIG.length - 1], segment.get(ValueLayout.JAVA_BYTE, BIG.length - 1));
      assertThrows(NonWritableChannelException.class, () -> ch.map(FileChannel.MapMode.READ_WRITE, 0, 1));
    }
  }

  @Test
  void locksFiles() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), READ, WRITE)) {
      FileLock lock = ch.lock();
      assertTrue(lock.isValid());
      assertFalse(lock.isShared());
      assertEquals(ch, lock.channel());
      assertThrows(OverlappingFileLockException.class, () -> ch.tryLock(0, 1, false));
      lock.release();
      assertFalse(lock.isValid());
      FileLock part = ch.tryLock(0, 5, true);
      assertNotNull(part);
      assertTrue(part.isShared());
      FileLock other = ch.tryLock(5, 5, false);
      assertNotNull(other);
      other.close();
    }
    try (FileChannel ch = FileChannel.open(root.resolve("small.txt"), READ)) {
      assertThrows(NonWritableChannelException.class, () -> ch.lock(0, 1, false));
      FileLock shared = ch.lock(0, Long.MAX_VALUE, true);
      ch.close();
      assertFalse(shared.isValid(), "closing the channel releases its locks");
    }
  }

  @Test
  void forceAndSyncWrite() throws IOException {
    try (FileChannel ch = FileChannel.open(root.resolve("synced"), CREATE_NEW, WRITE, SYNC)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ch.force(true);
      ch.force(false);
    }
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(root.resolve("synced")));
  }

  @Test
  void deletesOnClose() throws IOException {
    Path temp = root.resolve("scratch");
    try (SeekableByteChannel ch = Files.newByteChannel(temp, CREATE_NEW, WRITE, DELETE_ON_CLOSE)) {
      ch.write(ByteBuffer.wrap(new byte[10]));
      assertTrue(Files.exists(temp));
    }
    assertFalse(Files.exists(temp));
    try (SeekableByteChannel ch = Files.newByteChannel(root.resolve("small.txt"), READ, DELETE_ON_CLOSE)) {
      assertEquals(10, ch.size());
    }
    assertFalse(Files.exists(root.resolve("small.txt")));
    assertTrue(LayerDigest.isWhiteout(upper.resolve("small.txt")));
  }

  @Test
  void stillReadsAFileRemovedWhileOpen() throws IOException {
    Files.writeString(root.resolve("doomed"), "still here");
    try (FileChannel ch = FileChannel.open(root.resolve("doomed"), READ)) {
      Files.delete(root.resolve("doomed"));
      ByteBuffer buffer = ByteBuffer.allocate(10);
      ch.read(buffer);
      assertEquals("still here", new String(buffer.array(), UTF_8));
      assertEquals(10, ch.size());
    }
  }

  @Test
  void readsAnEmptyFileAsEndOfFile() throws IOException {
    Files.createFile(root.resolve("empty"));
    assertEquals(0, Files.readAllBytes(root.resolve("empty")).length);
    try (FileChannel ch = FileChannel.open(root.resolve("empty"), READ)) {
      assertEquals(-1, ch.read(ByteBuffer.allocate(8)));
      assertEquals(0, ch.read(ByteBuffer.allocate(0)));
    }
  }
}
