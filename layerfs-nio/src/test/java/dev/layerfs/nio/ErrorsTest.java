package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** Engine failures become the standard exceptions, naming the paths the caller gave, with the errno as cause. */
class ErrorsTest extends OverlayTestCase {
  @Override
  void fixture(Path lower) throws IOException {
    write(lower, "dir/file", "x");
    Files.createSymbolicLink(lower.resolve("self"), Path.of("self"));
  }

  private static int errno(Exception e) {
    return assertInstanceOf(PosixException.class, e.getCause()).errno();
  }

  @Test
  void mapsEachErrnoToItsException() {
    NoSuchFileException missing = assertThrows(NoSuchFileException.class,
        () -> Files.delete(root.resolve("dir/none")));
    assertEquals("/dir/none", missing.getFile());

    FileAlreadyExistsException exists = assertThrows(FileAlreadyExistsException.class,
        () -> Files.createDirectory(fs.getPath("dir/file")));
    assertEquals("dir/file", exists.getFile(), "the path as given, relative stays relative");

    DirectoryNotEmptyException full = assertThrows(DirectoryNotEmptyException.class,
        () -> Files.delete(root.resolve("dir")));
    assertEquals("/dir", full.getFile());

    NotDirectoryException notDir = assertThrows(NotDirectoryException.class,
        () -> Files.createDirectory(root.resolve("dir/file/sub")));
    assertEquals(Errno.ENOTDIR, errno(notDir));

    AccessDeniedException denied = assertThrows(AccessDeniedException.class,
        () -> Files.createLink(root.resolve("hard"), root.resolve("dir")));
    assertEquals("/hard", denied.getFile());
    assertEquals(Errno.EPERM, errno(denied));

    assertThrows(FileSystemLoopException.class, () -> Files.readString(root.resolve("self")));
    assertThrows(NotLinkException.class, () -> Files.readSymbolicLink(root.resolve("dir")));
  }

  @Test
  void everyFailureCarriesTheErrnoTheKernelWouldGive() throws IOException {
    assertEquals(Errno.ENOENT, OverlayFs.errno(assertThrows(NoSuchFileException.class,
        () -> Files.readString(root.resolve("no/such/file")))));
    assertEquals(Errno.ELOOP, OverlayFs.errno(assertThrows(FileSystemLoopException.class,
        () -> Files.readString(root.resolve("self")))));
    assertEquals(Errno.EBUSY, OverlayFs.errno(assertThrows(FileSystemException.class, () -> Files.delete(root))));
    assertEquals(Errno.EEXIST, OverlayFs.errno(assertThrows(FileAlreadyExistsException.class,
        () -> Files.createDirectory(root))));
    assertEquals(Errno.EISDIR, OverlayFs.errno(assertThrows(FileSystemException.class,
        () -> Files.writeString(root.resolve("dir"), "x"))));
    assertEquals(Errno.ENOTDIR, OverlayFs.errno(assertThrows(NotDirectoryException.class,
        () -> Files.newDirectoryStream(root.resolve("dir/file")))));
    assertEquals(Errno.EINVAL, OverlayFs.errno(assertThrows(NotLinkException.class,
        () -> Files.readSymbolicLink(root.resolve("dir/file")))));
    Files.createDirectory(root.resolve("dir/sub"));
    Files.writeString(root.resolve("dir/sub/x"), "x");
    assertEquals(Errno.ENOTEMPTY, OverlayFs.errno(assertThrows(DirectoryNotEmptyException.class,
        () -> Files.copy(root.resolve("dir/file"), root.resolve("dir/sub"), StandardCopyOption.REPLACE_EXISTING))));
    assertEquals(0, OverlayFs.errno(new IOException("not from a view")));
  }

  @Test
  void otherFailuresCarryTheReasonAndBothPaths() throws IOException {
    Files.createDirectories(root.resolve("a/b"));
    FileSystemException intoItself = assertThrows(FileSystemException.class,
        () -> Files.move(root.resolve("a"), root.resolve("a/b/c")));
    assertEquals("/a", intoItself.getFile());
    assertEquals("/a/b/c", intoItself.getOtherFile());
    assertEquals("Invalid argument", intoItself.getReason());
    assertEquals(Errno.EINVAL, errno(intoItself));

    FileSystemException isDir = assertThrows(FileSystemException.class,
        () -> Files.readAllBytes(root.resolve("dir")));
    assertEquals("/dir", isDir.getFile());
    assertEquals("Is a directory", isDir.getReason());
  }

  @Test
  void accessFollowsTheModeBits() throws IOException {
    Path file = root.resolve("dir/file");
    assertFalse(Files.isExecutable(file));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("--x------"));
    assertTrue(Files.isExecutable(file));
    assertThrows(NoSuchFileException.class, () -> root.resolve("dir/none").getFileSystem().provider()
        .checkAccess(root.resolve("dir/none")));
  }
}
