package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Linux names are bytes: names that are not UTF-8 survive listing, opening, creating, renaming and URIs. */
class NonUtf8NamesTest extends OverlayTestCase {
  /** "caf\xe9" in Latin-1: not valid UTF-8. */
  private static final byte[] LATIN1 = {'c', 'a', 'f', (byte) 0xe9};
  private static final byte[] BROKEN = {'x', (byte) 0xc3, (byte) 0x28, (byte) 0xff, 'y'};

  @Override
  void fixture(Path lower) throws IOException {
    byte[] dir = Names.bytes(lower.toString());
    int fd = Posix.openat(Posix.AT_FDCWD, dir, Posix.O_PATH | Posix.O_DIRECTORY);
    try {
      Posix.closeQuietly(Posix.openat(fd, LATIN1, Posix.O_CREAT | Posix.O_WRONLY, 0644));
      Posix.mkdirat(fd, BROKEN, 0755);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  private static byte[] name(Path p) {
    return OverlayFs.bytes(p.getFileName());
  }

  @Test
  void listsAndOpensNamesThatAreNotUtf8() throws IOException {
    List<byte[]> names = new ArrayList<>();
    try (Stream<Path> list = Files.list(root)) {
      for (Path p : list.sorted().toList()) {
        names.add(name(p));
        assertTrue(Files.exists(p), p + " exists under the name it was listed with");
      }
    }
    assertEquals(2, names.size());
    assertArrayEquals(LATIN1, names.get(0));
    assertArrayEquals(BROKEN, names.get(1));
  }

  @Test
  void stringFormsRoundTripLosslessly() {
    Path latin = OverlayFs.path(fs, LATIN1);
    String shown = latin.toString();
    assertEquals("caf\uDCE9", shown, "an undecodable byte shows as an escape");
    assertArrayEquals(LATIN1, OverlayFs.bytes(fs.getPath(shown)));
    Path broken = OverlayFs.path(fs, BROKEN);
    assertArrayEquals(BROKEN, OverlayFs.bytes(fs.getPath(broken.toString())));
    assertArrayEquals(Names.bytes("é"), OverlayFs.bytes(fs.getPath("é")), "ordinary text is UTF-8");
  }

  @Test
  void writesRenamesAndDeletesByBytes() throws IOException {
    Path latin = root.resolve(OverlayFs.path(fs, LATIN1));
    Files.writeString(latin, "written");
    Path renamed = root.resolve(OverlayFs.path(fs, new byte[] {'r', (byte) 0x80}));
    Files.move(latin, renamed);
    assertEquals("written", Files.readString(renamed));
    Path inside = root.resolve(OverlayFs.path(fs, BROKEN)).resolve(OverlayFs.path(fs, new byte[] {(byte) 0xfe}));
    Files.createDirectory(inside);
    assertTrue(Files.isDirectory(inside));
    byte[] onDisk = Names.bytes(upper.toString() + "/");
    byte[] full = new byte[onDisk.length + 2];
    System.arraycopy(onDisk, 0, full, 0, onDisk.length);
    full[onDisk.length] = 'r';
    full[onDisk.length + 1] = (byte) 0x80;
    assertEquals(7, Posix.lstatat(Posix.AT_FDCWD, full).size(), "the upper layer has the exact bytes");
    Files.delete(renamed);
    Files.delete(inside);
    try (Stream<Path> list = Files.list(root.resolve(OverlayFs.path(fs, BROKEN)))) {
      assertEquals(0, list.count());
    }
  }

  @Test
  void urisCarryTheBytes() {
    Path p = root.resolve(OverlayFs.path(fs, BROKEN));
    URI uri = p.toUri();
    assertTrue(uri.toString().endsWith("!/x%C3%28%FFy"), uri.toString());
    assertEquals(p, Path.of(uri));
  }
}
