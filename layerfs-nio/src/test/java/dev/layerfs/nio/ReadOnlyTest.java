package dev.layerfs.nio;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A view without an upper layer, or opened {@code ro}, reads everything and refuses every change. */
class ReadOnlyTest {
  @TempDir Path tmp;
  Path top;
  Path bottom;
  String digest;

  @BeforeEach
  void layers() throws IOException {
    top = Files.createDirectory(tmp.resolve("top"));
    bottom = Files.createDirectory(tmp.resolve("bottom"));
    OverlayTestCase.write(top, "dir/a", "a");
    OverlayTestCase.write(bottom, "dir/b", "b");
    Files.createSymbolicLink(bottom.resolve("link"), Path.of("dir/b"));
    digest = LayerDigest.of(tmp);
  }

  @AfterEach
  void nothingChanged() {
    assertEquals(digest, LayerDigest.of(tmp));
  }

  @Test
  void twoLowerLayersMakeAReadOnlyView() throws IOException {
    try (FileSystem fs = OverlayFs.builder().lower(top, bottom).build()) {
      assertTrue(fs.isReadOnly());
      assertTrue(fs.getFileStores().iterator().next().isReadOnly());
      Path root = fs.getPath("/");
      try (Stream<Path> walk = Files.walk(root)) {
        assertEquals(List.of("/", "/dir", "/dir/a", "/dir/b", "/link"), walk.map(Path::toString).sorted().toList());
      }
      assertEquals("b", Files.readString(root.resolve("link")));
      refusesEveryChange(root);
    }
  }

  @Test
  void theRoOptionRefusesChangesEvenWithAnUpperLayer() throws IOException {
    Path upper = Files.createDirectory(tmp.resolve("upper"));
    Path work = Files.createDirectory(tmp.resolve("work"));
    String withUpper = LayerDigest.of(tmp);
    try (FileSystem fs = OverlayFs.builder().lower(top, bottom).upper(upper).work(work).readOnly(true).build()) {
      assertTrue(fs.isReadOnly());
      refusesEveryChange(fs.getPath("/"));
    }
    assertEquals(withUpper, LayerDigest.of(tmp), "a read-only view does not even prepare the work dir");
    digest = withUpper;
  }

  private void refusesEveryChange(Path root) throws IOException {
    Path a = root.resolve("dir/a");
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.writeString(a, "x"));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.writeString(root.resolve("new"), "x"));
    assertThrows(ReadOnlyFileSystemException.class, () -> FileChannel.open(a, WRITE));
    assertThrows(ReadOnlyFileSystemException.class, () -> FileChannel.open(a, APPEND));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.newByteChannel(root.resolve("c"), CREATE, WRITE));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.createDirectory(root.resolve("d")));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.createSymbolicLink(root.resolve("l"), a));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.createLink(root.resolve("h"), a));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.delete(a));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.deleteIfExists(a));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.move(a, root.resolve("m")));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.copy(a, root.resolve("m")));
    assertThrows(ReadOnlyFileSystemException.class,
        () -> Files.move(a, root.resolve("m"), StandardCopyOption.ATOMIC_MOVE));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.setLastModifiedTime(a, FileTime.fromMillis(0)));
    assertThrows(ReadOnlyFileSystemException.class,
        () -> Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rwxrwxrwx")));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.setAttribute(a, "user:x", new byte[1]));
    assertThrows(ReadOnlyFileSystemException.class,
        () -> Files.getFileAttributeView(a, UserDefinedFileAttributeView.class).delete("x"));
    assertFalse(Files.isWritable(a));
    assertTrue(Files.isReadable(a));
    try (FileChannel ch = FileChannel.open(a)) {
      assertEquals(1, ch.size());
    }
  }
}
