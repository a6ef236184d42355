package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.StatFs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reply views write the kernel's layouts, straight from what {@code layerfs-posix} reports. */
class ViewsTest {
  @TempDir Path tmp;
  private final MemorySegment buffer = Arena.ofAuto().allocate(4096, 8);

  @Test
  void attrCopiesEveryFieldOfAStat() throws Exception {
    Path file = Files.writeString(tmp.resolve("f"), "12345");
    Stat st = Posix.lstatat(Posix.AT_FDCWD, Names.bytes(file.toString()));
    new AttrOut().bind(buffer, 0).attr().set(st);
    long attr = 16;
    assertEquals(st.ino(), buffer.get(JAVA_LONG, attr));
    assertEquals(5, buffer.get(JAVA_LONG, attr + 8));
    assertEquals(st.blocks(), buffer.get(JAVA_LONG, attr + 16));
    assertEquals(st.atime().seconds(), buffer.get(JAVA_LONG, attr + 24));
    assertEquals(st.mtime().seconds(), buffer.get(JAVA_LONG, attr + 32));
    assertEquals(st.ctime().seconds(), buffer.get(JAVA_LONG, attr + 40));
    assertEquals(st.atime().nanos(), buffer.get(JAVA_INT, attr + 48));
    assertEquals(st.mtime().nanos(), buffer.get(JAVA_INT, attr + 52));
    assertEquals(st.ctime().nanos(), buffer.get(JAVA_INT, attr + 56));
    assertEquals(st.mode(), buffer.get(JAVA_INT, attr + 60));
    assertEquals(st.nlink(), buffer.get(JAVA_INT, attr + 64));
    assertEquals(st.uid(), buffer.get(JAVA_INT, attr + 68));
    assertEquals(st.gid(), buffer.get(JAVA_INT, attr + 72));
    assertEquals(st.blksize(), buffer.get(JAVA_INT, attr + 80));
  }

  @Test
  void deviceNumbersUseTheKernelsEncodingBothWays() {
    long dev = Posix.makedev(0xabc, 0x12345);
    int encoded = Attr.encodeDev(dev);
    assertEquals(0x45 | 0xabc << 8 | 0x12300 << 12, encoded);
    assertEquals(dev, Attr.decodeDev(encoded));
    assertEquals(Posix.makedev(1, 3), Attr.decodeDev(Attr.encodeDev(Posix.makedev(1, 3))));
  }

  @Test
  void statfsCopiesWhatFstatfsReports() throws Exception {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(tmp.toString()), Posix.O_RDONLY | Posix.O_DIRECTORY);
    StatFs st;
    try {
      st = Posix.fstatfs(fd);
    } finally {
      Posix.close(fd);
    }
    new StatfsOut().bind(buffer, 0).set(st);
    assertEquals(st.blocks(), buffer.get(JAVA_LONG, 0));
    assertEquals(st.freeBlocks(), buffer.get(JAVA_LONG, 8));
    assertEquals(st.availableBlocks(), buffer.get(JAVA_LONG, 16));
    assertEquals(st.files(), buffer.get(JAVA_LONG, 24));
    assertEquals(st.freeFiles(), buffer.get(JAVA_LONG, 32));
    assertEquals(st.blockSize(), buffer.get(JAVA_INT, 40));
    assertEquals(st.nameMax(), buffer.get(JAVA_INT, 44));
    assertEquals(st.fragmentSize(), buffer.get(JAVA_INT, 48));
  }

  @Test
  void direntsFillTheBufferAndThenRefuse() {
    DirentWriter plain = new DirentWriter(buffer).bind(false, 64);
    assertTrue(plain.add(Names.bytes("abc"), 7, DirEntry.DT_REG, 1));
    assertEquals(32, plain.length(), "24 header bytes and 3 name bytes, padded to 8");
    assertTrue(plain.add(Names.bytes("defgh"), 0, DirEntry.DT_DIR, 2));
    assertEquals(64, plain.length());
    assertEquals(0xffffffffL, buffer.get(JAVA_LONG, 32), "inode 0 would hide the entry from glibc");
    assertFalse(plain.add(Names.bytes("x"), 9, DirEntry.DT_REG, 3), "full");
    assertEquals(64, plain.length());
    assertThrows(IllegalStateException.class, () -> plain.addPlus(Names.bytes("x"), 9, DirEntry.DT_REG, 3));

    DirentWriter plus = new DirentWriter(buffer).bind(true, 2 * 160);
    assertNotNull(plus.addPlus(Names.bytes("a"), 5, DirEntry.DT_REG, 1));
    assertEquals(160, plus.length(), "128-byte entry_out, 24-byte dirent, 1 name byte, padded to 8");
    assertNotNull(plus.addPlus(Names.bytes("b"), 6, DirEntry.DT_REG, 2));
    assertNull(plus.addPlus(Names.bytes("c"), 7, DirEntry.DT_REG, 3));
    assertThrows(IllegalStateException.class, () -> plus.add(Names.bytes("c"), 7, DirEntry.DT_REG, 3));
  }

  @Test
  void readLengthsOutsideTheBufferAreABug() {
    ReadOut out = new ReadOut(buffer).bind(100);
    assertEquals(100, out.buffer().byteSize());
    assertThrows(IllegalArgumentException.class, () -> out.length(101));
    out.length(100);
    assertEquals(100, out.length());
  }

  @Test
  void onlyRealErrnosCanBeAnswered() {
    assertEquals(2, FuseException.of(2).errno());
    assertEquals("ENOENT", FuseException.of(2).getMessage());
    assertEquals(0, FuseException.of(2).getStackTrace().length, "cheap: no stack trace");
    assertThrows(IllegalArgumentException.class, () -> FuseException.of(0));
  }
}
