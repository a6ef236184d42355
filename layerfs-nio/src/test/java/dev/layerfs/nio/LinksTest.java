package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** Symbolic links are resolved by the view itself, inside the view; hard links are the engine's. */
class LinksTest extends OverlayTestCase {
  @Override
  void fixture(Path lower) throws IOException {
    write(lower, "data/file.txt", "payload");
    Files.createSymbolicLink(lower.resolve("data/relative"), Path.of("file.txt"));
    Files.createSymbolicLink(lower.resolve("absolute"), Path.of("/data/file.txt"));
    Files.createSymbolicLink(lower.resolve("dirlink"), Path.of("data"));
    Files.createSymbolicLink(lower.resolve("up"), Path.of("data/../data/./file.txt"));
  }

  @Test
  void followsLinksFromTheLowerLayer() throws IOException {
    assertEquals("payload", Files.readString(root.resolve("data/relative")));
    assertEquals("payload", Files.readString(root.resolve("absolute")), "absolute targets start at the view's root");
    assertEquals("payload", Files.readString(root.resolve("dirlink/file.txt")));
    assertEquals("payload", Files.readString(root.resolve("up")));
    assertEquals("payload", Files.readString(root.resolve("dirlink/../data/file.txt")));
  }

  @Test
  void readsLinksWithoutFollowingThem() throws IOException {
    assertEquals(fs.getPath("file.txt"), Files.readSymbolicLink(root.resolve("data/relative")));
    assertEquals(fs.getPath("/data/file.txt"), Files.readSymbolicLink(root.resolve("absolute")));
    assertTrue(Files.isSymbolicLink(root.resolve("absolute")));
    assertFalse(Files.isSymbolicLink(root.resolve("data/file.txt")));
    assertTrue(Files.isRegularFile(root.resolve("absolute")));
    assertFalse(Files.isRegularFile(root.resolve("absolute"), LinkOption.NOFOLLOW_LINKS));
    assertThrows(NotLinkException.class, () -> Files.readSymbolicLink(root.resolve("data/file.txt")));
  }

  @Test
  void createsLinksInTheUpperLayer() throws IOException {
    Files.createSymbolicLink(root.resolve("new-link"), fs.getPath("data/file.txt"));
    assertEquals("payload", Files.readString(root.resolve("new-link")));
    assertEquals(Path.of("data/file.txt"), Files.readSymbolicLink(upper.resolve("new-link")));
    assertThrows(FileAlreadyExistsException.class,
        () -> Files.createSymbolicLink(root.resolve("new-link"), fs.getPath("x")));
  }

  @Test
  void danglingLinksAndCreatingThroughThem() throws IOException {
    Files.createSymbolicLink(root.resolve("dangling"), fs.getPath("data/made-through-link"));
    assertTrue(Files.exists(root.resolve("dangling"), LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(root.resolve("dangling")));
    assertThrows(NoSuchFileException.class, () -> Files.readString(root.resolve("dangling")));
    Files.writeString(root.resolve("dangling"), "created at the target");
    assertEquals("created at the target", Files.readString(root.resolve("data/made-through-link")));
    assertThrows(FileAlreadyExistsException.class,
        () -> Files.newByteChannel(root.resolve("absolute"), StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE));
    assertThrows(FileSystemException.class, () -> Files.newByteChannel(root.resolve("absolute"),
        StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void loopsFailWithELoop() throws IOException {
    Files.createSymbolicLink(root.resolve("ping"), fs.getPath("pong"));
    Files.createSymbolicLink(root.resolve("pong"), fs.getPath("ping"));
    assertThrows(FileSystemLoopException.class, () -> Files.readString(root.resolve("ping")));
    assertFalse(Files.exists(root.resolve("ping")));
    assertTrue(Files.exists(root.resolve("ping"), LinkOption.NOFOLLOW_LINKS));
    Path chain = root.resolve("data/file.txt");
    for (int i = 0; i < PathResolver.MAX_SYMLINKS; i++) {
      Path next = root.resolve("chain" + i);
      Files.createSymbolicLink(next, chain);
      chain = next;
    }
    assertEquals("payload", Files.readString(chain), "40 links are followed");
    Files.createSymbolicLink(root.resolve("one-too-many"), chain);
    assertThrows(FileSystemLoopException.class, () -> Files.readString(root.resolve("one-too-many")));
  }

  @Test
  void realPathsResolveEveryLink() throws IOException {
    assertEquals(fs.getPath("/data/file.txt"), root.resolve("dirlink/relative").toRealPath());
    assertEquals(fs.getPath("/data/file.txt"), fs.getPath("up").toRealPath());
    assertEquals(fs.getPath("/dirlink"), fs.getPath("/data/../dirlink").toRealPath(LinkOption.NOFOLLOW_LINKS));
    assertThrows(NoSuchFileException.class, () -> root.resolve("nothing").toRealPath());
    assertEquals(fs.getPath("/"), fs.getPath("").toRealPath());
  }

  @Test
  void hardLinksShareTheFile() throws IOException {
    Path link = Files.createLink(root.resolve("hard"), root.resolve("data/file.txt"));
    assertTrue(Files.isSameFile(link, root.resolve("data/file.txt")));
    assertEquals(2, Files.getAttribute(link, "unix:nlink"));
    Files.writeString(link, "through the link");
    assertEquals("through the link", Files.readString(root.resolve("data/file.txt")));
    assertEquals(Files.getAttribute(link, "unix:ino"), Files.getAttribute(root.resolve("data/file.txt"), "unix:ino"));
    assertThrows(FileSystemException.class, () -> Files.createLink(root.resolve("dirhard"), root.resolve("data")));
  }

  @Test
  void sameFileFollowsLinks() throws IOException {
    assertTrue(Files.isSameFile(root.resolve("absolute"), root.resolve("data/relative")));
    assertTrue(Files.isSameFile(root.resolve("dirlink"), root.resolve("data")));
    assertFalse(Files.isSameFile(root.resolve("data"), root));
    assertFalse(Files.isSameFile(root.resolve("data"), Path.of("/data")));
  }
}
