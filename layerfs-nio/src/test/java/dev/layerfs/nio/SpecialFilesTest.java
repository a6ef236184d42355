package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Device nodes and fifos from a lower layer: listed, described and copied like any other file. */
class SpecialFilesTest extends OverlayTestCase {
  private static final long NULL_DEVICE = Posix.makedev(1, 3);

  @Override
  void fixture(Path lower) throws IOException {
    Path dev = Files.createDirectory(lower.resolve("dev"));
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(dev.toString()), Posix.O_PATH | Posix.O_DIRECTORY);
    try {
      Posix.mknodat(fd, Names.bytes("null"), Posix.S_IFCHR | 0666, NULL_DEVICE);
      Posix.fchmodat(fd, Names.bytes("null"), 0666);
      Posix.mknodat(fd, Names.bytes("pipe"), Posix.S_IFIFO | 0600, 0);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  @Test
  void describesDevicesAndFifos() throws IOException {
    Path nul = root.resolve("dev/null");
    BasicFileAttributes a = Files.readAttributes(nul, BasicFileAttributes.class);
    assertTrue(a.isOther());
    assertFalse(a.isRegularFile() || a.isDirectory() || a.isSymbolicLink());
    assertEquals(Posix.S_IFCHR | 0666, Files.getAttribute(nul, "unix:mode"));
    assertEquals(NULL_DEVICE, Files.getAttribute(nul, "unix:rdev"));
    assertEquals(Posix.S_IFIFO | 0600, Files.getAttribute(root.resolve("dev/pipe"), "unix:mode"));
    try (Stream<Path> list = Files.list(root.resolve("dev"))) {
      assertEquals(List.of("null", "pipe"), list.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void writesGoToTheDeviceNotToACopy() throws IOException {
    Files.writeString(root.resolve("dev/null"), "discarded");
    assertEquals(0, Files.size(root.resolve("dev/null")));
    assertFalse(Files.exists(upper.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS),
        "opening a device for writing does not copy it up");
  }

  @Test
  void copiesAndRemovesDeviceNodes() throws IOException {
    Files.copy(root.resolve("dev/null"), root.resolve("null-copy"), LinkOption.NOFOLLOW_LINKS);
    assertEquals(NULL_DEVICE, Files.getAttribute(root.resolve("null-copy"), "unix:rdev"));
    assertEquals(NULL_DEVICE, Files.getAttribute(upper.resolve("null-copy"), "unix:rdev",
        LinkOption.NOFOLLOW_LINKS));
    Files.delete(root.resolve("dev/pipe"));
    assertTrue(LayerDigest.isWhiteout(upper.resolve("dev/pipe")));
  }
}
