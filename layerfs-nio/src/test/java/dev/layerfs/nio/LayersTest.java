package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the view leaves on disk: the kernel's copy-up, whiteouts and opaque directories, over several lower layers,
 * and the order in which layers hide one another.
 */
class LayersTest {
  @TempDir Path tmp;

  private Path dir(String name) throws IOException {
    return Files.createDirectories(tmp.resolve(name));
  }

  @Test
  void theTopLayerWinsAndDirectoriesMerge() throws IOException {
    Path top = dir("top");
    Path middle = dir("middle");
    Path bottom = dir("bottom");
    OverlayTestCase.write(top, "etc/a", "top a");
    OverlayTestCase.write(middle, "etc/a", "middle a");
    OverlayTestCase.write(middle, "etc/b", "middle b");
    OverlayTestCase.write(bottom, "etc/c", "bottom c");
    OverlayTestCase.write(bottom, "etc/a", "bottom a");
    OverlayTestCase.write(middle, "file-over-dir", "a file");
    OverlayTestCase.write(bottom, "file-over-dir/inside", "hidden");
    String before = LayerDigest.of(tmp);
    try (FileSystem fs = OverlayFs.builder().lower(top, middle, bottom).build()) {
      assertEquals("top a", Files.readString(fs.getPath("/etc/a")));
      assertEquals("middle b", Files.readString(fs.getPath("/etc/b")));
      assertEquals("bottom c", Files.readString(fs.getPath("/etc/c")));
      assertTrue(Files.isRegularFile(fs.getPath("/file-over-dir")), "a file in a higher layer hides a directory");
      try (Stream<Path> list = Files.list(fs.getPath("/etc"))) {
        assertEquals(List.of("a", "b", "c"), list.map(p -> p.getFileName().toString()).sorted().toList());
      }
      assertEquals(1, Files.getAttribute(fs.getPath("/etc"), "unix:nlink"), "a merged directory has one link");
    }
    assertEquals(before, LayerDigest.of(tmp), "a read-only view writes nothing");
  }

  @Test
  void copyUpKeepsMetadataAndTheInodeNumber() throws IOException {
    Path lower = dir("lower");
    Path file = OverlayTestCase.write(lower, "dir/file", "data");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---"));
    FileTime old = FileTime.fromMillis(981_173_106_123L);
    Files.setLastModifiedTime(file, old);
    Files.setAttribute(file, "user:origin", "kept".getBytes());
    try (FileSystem fs = OverlayFs.builder().lower(lower).upper(dir("upper")).work(dir("work")).build()) {
      Path merged = fs.getPath("/dir/file");
      Object ino = Files.getAttribute(merged, "unix:ino");
      Files.setAttribute(merged, "user:added", "new".getBytes());
      assertTrue(Files.exists(tmp.resolve("upper/dir/file")), "changing an xattr copies up");
      assertEquals(ino, Files.getAttribute(merged, "unix:ino"), "a copied-up file keeps its inode number");
      Path up = tmp.resolve("upper/dir/file");
      assertEquals("rwxr-x---", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(up)));
      assertEquals(old, Files.getLastModifiedTime(up));
      assertEquals("kept", new String((byte[]) Files.getAttribute(up, "user:origin")));
      assertEquals("data", Files.readString(up));
      assertFalse(Files.exists(tmp.resolve("upper/dir/other")));
    }
  }

  @Test
  void deletingALowerFileLeavesAWhiteoutAndRecreatingADirectoryMakesItOpaque() throws IOException {
    Path lower = dir("lower");
    OverlayTestCase.write(lower, "gone.txt", "x");
    OverlayTestCase.write(lower, "d/inner", "y");
    Path upper = dir("upper");
    String before = LayerDigest.of(lower);
    try (FileSystem fs = OverlayFs.builder().lower(lower).upper(upper).work(dir("work")).build()) {
      Files.delete(fs.getPath("/gone.txt"));
      Files.delete(fs.getPath("/d/inner"));
      Files.delete(fs.getPath("/d"));
      Files.createDirectory(fs.getPath("/d"));
      Files.writeString(fs.getPath("/new.txt"), "n");
      Files.delete(fs.getPath("/new.txt"));
    }
    assertTrue(LayerDigest.isWhiteout(upper.resolve("gone.txt")), "a char device 0/0 hides the lower file");
    int mode = (Integer) Files.getAttribute(upper.resolve("gone.txt"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
    assertEquals(0, mode & 07777, "whiteouts have mode 0000");
    assertTrue(Files.isDirectory(upper.resolve("d")));
    int dirfd = Posix.openat(Posix.AT_FDCWD, Names.bytes(upper.toString()), Posix.O_PATH | Posix.O_DIRECTORY);
    try {
      assertEquals("y", new String(Xattrs.get(dirfd, Names.bytes("d"), "trusted.overlay.opaque")));
    } finally {
      Posix.closeQuietly(dirfd);
    }
    try (Stream<Path> list = Files.list(upper.resolve("d"))) {
      assertEquals(0, list.count(), "the whiteout of d/inner went with the old directory");
    }
    assertFalse(Files.exists(upper.resolve("new.txt"), LinkOption.NOFOLLOW_LINKS),
        "an upper-only file is removed without a whiteout");
    assertEquals(before, LayerDigest.of(lower));
  }

  @Test
  void aViewOfManyLayersListsEveryName() throws IOException {
    List<Path> lowers = new ArrayList<>();
    for (int layer = 0; layer < 5; layer++) {
      Path l = dir("layer" + layer);
      for (int i = 0; i < 100; i++) {
        OverlayTestCase.write(l, "shared/f" + layer + "-" + i, "");
      }
      OverlayTestCase.write(l, "shared/common", "layer " + layer);
      lowers.add(l);
    }
    try (FileSystem fs = OverlayFs.builder().lower(lowers.toArray(Path[]::new)).upper(dir("upper"))
        .work(dir("work")).build()) {
      Path shared = fs.getPath("/shared");
      try (Stream<Path> list = Files.list(shared)) {
        assertEquals(501, list.count());
      }
      assertEquals("layer 0", Files.readString(shared.resolve("common")));
      Files.delete(shared.resolve("f4-0"));
      Files.writeString(shared.resolve("f3-0"), "changed");
      try (Stream<Path> list = Files.list(shared)) {
        assertEquals(500, list.count());
      }
      assertEquals("changed", Files.readString(shared.resolve("f3-0")));
    }
  }
}
