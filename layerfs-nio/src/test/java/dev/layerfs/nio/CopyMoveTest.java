package dev.layerfs.nio;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Files.copy} and {@code Files.move} with their options, inside a view, between views and providers. */
class CopyMoveTest extends OverlayTestCase {
  private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

  @Override
  void fixture(Path lower) throws IOException {
    Path file = write(lower, "src/file.txt", "content");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-----"));
    Files.setLastModifiedTime(file, OLD);
    Files.setAttribute(file, "user:tag", "t".getBytes());
    write(lower, "src/tree/leaf", "leaf");
    Files.createDirectories(lower.resolve("emptydir"));
    Files.createSymbolicLink(lower.resolve("src/link"), Path.of("file.txt"));
  }

  @Test
  void copiesAFile() throws IOException {
    Files.copy(root.resolve("src/file.txt"), root.resolve("copy.txt"));
    assertEquals("content", Files.readString(root.resolve("copy.txt")));
    assertTrue(Files.exists(upper.resolve("copy.txt")));
    assertFalse(Files.exists(upper.resolve("src/file.txt")), "the source is only read: no copy-up");
    assertFalse(OLD.equals(Files.getLastModifiedTime(root.resolve("copy.txt"))));
  }

  @Test
  void copiesAttributesWhenAsked() throws IOException {
    Files.copy(root.resolve("src/file.txt"), root.resolve("copy.txt"), COPY_ATTRIBUTES);
    Path copy = root.resolve("copy.txt");
    assertEquals(OLD, Files.getLastModifiedTime(copy));
    assertEquals("rwxr-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
    assertEquals("t", new String((byte[]) Files.getAttribute(copy, "user:tag")));
  }

  @Test
  void replacesOnlyWhenAsked() throws IOException {
    Files.writeString(root.resolve("target"), "old");
    assertThrows(FileAlreadyExistsException.class, () -> Files.copy(root.resolve("src/file.txt"),
        root.resolve("target")));
    Files.copy(root.resolve("src/file.txt"), root.resolve("target"), REPLACE_EXISTING);
    assertEquals("content", Files.readString(root.resolve("target")));
    assertThrows(DirectoryNotEmptyException.class, () -> Files.copy(root.resolve("target"), root.resolve("src"),
        REPLACE_EXISTING));
    Files.copy(root.resolve("src/file.txt"), root.resolve("src/file.txt"));
    assertThrows(UnsupportedOperationException.class, () -> Files.copy(root.resolve("target"),
        root.resolve("x"), ATOMIC_MOVE));
  }

  @Test
  void copiesLinksAndDirectories() throws IOException {
    Files.copy(root.resolve("src/link"), root.resolve("src/link-copy"), LinkOption.NOFOLLOW_LINKS);
    assertEquals(fs.getPath("file.txt"), Files.readSymbolicLink(root.resolve("src/link-copy")));
    Files.copy(root.resolve("src/link"), root.resolve("followed"));
    assertFalse(Files.isSymbolicLink(root.resolve("followed")));
    assertEquals("content", Files.readString(root.resolve("followed")));
    Files.copy(root.resolve("src"), root.resolve("dircopy"));
    try (Stream<Path> list = Files.list(root.resolve("dircopy"))) {
      assertEquals(0, list.count(), "copying a directory copies no entries");
    }
  }

  @Test
  void copiesToAndFromOtherProvidersAndViews() throws IOException {
    Path plain = tmp.resolve("plain.txt");
    Files.copy(root.resolve("src/file.txt"), plain, COPY_ATTRIBUTES);
    assertEquals("content", Files.readString(plain));
    assertEquals(OLD, Files.getLastModifiedTime(plain));
    Files.writeString(plain, "from outside");
    Files.copy(plain, root.resolve("imported.txt"));
    assertEquals("from outside", Files.readString(root.resolve("imported.txt")));
    Path otherLower = Files.createDirectory(tmp.resolve("other"));
    try (FileSystem other = OverlayFs.builder().lower(otherLower).upper(Files.createDirectory(tmp.resolve("ou")))
        .work(Files.createDirectory(tmp.resolve("ow"))).build()) {
      Files.copy(root.resolve("src/file.txt"), other.getPath("/x"), COPY_ATTRIBUTES);
      assertEquals("content", Files.readString(other.getPath("/x")));
      assertEquals(OLD, Files.getLastModifiedTime(other.getPath("/x")));
      Files.move(other.getPath("/x"), root.resolve("back"));
      assertFalse(Files.exists(other.getPath("/x")));
      assertEquals("content", Files.readString(root.resolve("back")));
      assertThrows(AtomicMoveNotSupportedException.class, () -> Files.move(root.resolve("back"),
          other.getPath("/y"), ATOMIC_MOVE));
    }
  }

  @Test
  void movesWithTheEnginesRename() throws IOException {
    Object ino = Files.getAttribute(root.resolve("src/file.txt"), "unix:ino");
    Files.move(root.resolve("src/file.txt"), root.resolve("moved.txt"));
    assertEquals("content", Files.readString(root.resolve("moved.txt")));
    assertEquals(ino, Files.getAttribute(root.resolve("moved.txt"), "unix:ino"), "a rename keeps the inode");
    assertFalse(Files.exists(root.resolve("src/file.txt")));
    assertTrue(LayerDigest.isWhiteout(upper.resolve("src/file.txt")), "the lower name is whited out");
    assertThrows(NoSuchFileException.class, () -> Files.move(root.resolve("src/file.txt"), root.resolve("x")));
  }

  @Test
  void movesOverExistingFilesOnlyWhenAsked() throws IOException {
    Files.writeString(root.resolve("a"), "a");
    Files.writeString(root.resolve("b"), "b");
    assertThrows(FileAlreadyExistsException.class, () -> Files.move(root.resolve("a"), root.resolve("b")));
    Files.move(root.resolve("a"), root.resolve("b"), REPLACE_EXISTING);
    assertEquals("a", Files.readString(root.resolve("b")));
    Files.writeString(root.resolve("c"), "c");
    Files.move(root.resolve("c"), root.resolve("b"), ATOMIC_MOVE);
    assertEquals("c", Files.readString(root.resolve("b")));
    Files.move(root.resolve("b"), root.resolve("emptydir"), REPLACE_EXISTING);
    assertTrue(Files.isRegularFile(root.resolve("emptydir")), "a file replaces an empty directory");
    assertThrows(DirectoryNotEmptyException.class, () -> Files.move(root.resolve("emptydir"), root.resolve("src"),
        REPLACE_EXISTING));
    Files.move(root.resolve("emptydir"), root.resolve("emptydir"));
  }

  /** As {@code rename(2)} reports it: a missing source's parent before a target under a regular file. */
  @Test
  void aMoveFromAMissingDirectoryReportsTheSourceFirst() {
    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> Files.move(root.resolve("missing/file"), root.resolve("src/file.txt/under")));
    assertEquals(root.resolve("missing/file").toString(), e.getFile());
  }

  @Test
  void movesDirectoriesWithTheirLowerContents() throws IOException {
    Files.move(root.resolve("src"), root.resolve("dst"));
    try (Stream<Path> walk = Files.walk(root.resolve("dst"))) {
      assertEquals(List.of("/dst", "/dst/file.txt", "/dst/link", "/dst/tree", "/dst/tree/leaf"),
          walk.map(Path::toString).sorted().toList());
    }
    assertFalse(Files.exists(root.resolve("src")));
  }

  @Test
  void withoutRedirectsALowerDirectoryMovesOnlyWhenEmpty(@TempDir Path other)
      throws IOException {
    Path l = Files.createDirectory(other.resolve("l"));
    write(l, "full/x", "x");
    Files.createDirectory(l.resolve("empty"));
    try (FileSystem strict = OverlayFs.builder().lower(l).upper(Files.createDirectory(other.resolve("u")))
        .work(Files.createDirectory(other.resolve("w"))).option("redirect_dir", "off").build()) {
      Path r = strict.getPath("/");
      assertThrows(AtomicMoveNotSupportedException.class, () -> Files.move(r.resolve("full"), r.resolve("f2"),
          ATOMIC_MOVE));
      assertThrows(DirectoryNotEmptyException.class, () -> Files.move(r.resolve("full"), r.resolve("f2")));
      Files.move(r.resolve("empty"), r.resolve("e2"));
      assertTrue(Files.isDirectory(r.resolve("e2")));
      assertFalse(Files.exists(r.resolve("empty")));
    }
  }
}
