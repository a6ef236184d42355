package dev.layerfs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Directory streams list the merged directory: each name once, whiteouts hidden, a snapshot taken on open. */
class DirectoryStreamTest extends OverlayTestCase {
  @Override
  void fixture(Path lower) throws IOException {
    write(lower, "dir/a.txt", "a");
    write(lower, "dir/b.txt", "b");
    write(lower, "dir/c.log", "c");
    write(lower, "dir/sub/deep", "d");
  }

  private static List<String> names(DirectoryStream<Path> stream) {
    List<String> names = new ArrayList<>();
    for (Path p : stream) {
      names.add(p.getFileName().toString());
    }
    names.sort(null);
    return names;
  }

  @Test
  void listsUpperAndLowerNamesOnceAndHidesWhiteouts() throws IOException {
    Path dir = root.resolve("dir");
    Files.writeString(dir.resolve("a.txt"), "changed");
    Files.writeString(dir.resolve("new.txt"), "new");
    Files.delete(dir.resolve("b.txt"));
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      assertEquals(List.of("a.txt", "c.log", "new.txt", "sub"), names(stream));
    }
  }

  @Test
  void filtersWithGlobsAndFilters() throws IOException {
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(root.resolve("dir"), "*.txt")) {
      assertEquals(List.of("a.txt", "b.txt"), names(stream));
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(root.resolve("dir"), Files::isDirectory)) {
      assertEquals(List.of("sub"), names(stream));
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(root.resolve("dir"), p -> {
      throw new IOException("filter failed");
    })) {
      assertThrows(DirectoryIteratorException.class, () -> stream.iterator().hasNext());
    }
  }

  @Test
  void entriesAreResolvedAgainstTheDirectoryAsGiven() throws IOException {
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(fs.getPath("dir/sub"))) {
      assertEquals(List.of(fs.getPath("dir/sub/deep")), List.copyOf(toList(stream)));
    }
  }

  private static List<Path> toList(DirectoryStream<Path> stream) {
    List<Path> out = new ArrayList<>();
    stream.forEach(out::add);
    return out;
  }

  @Test
  void isASnapshotAndEndsWhenClosed() throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(root.resolve("dir"));
    Iterator<Path> it = stream.iterator();
    Files.writeString(root.resolve("dir/later.txt"), "x");
    assertTrue(it.hasNext());
    it.next();
    stream.close();
    assertFalse(it.hasNext(), "a closed stream iterates no more");
    assertThrows(IllegalStateException.class, stream::iterator);
  }

  @Test
  void givesOneIteratorOnly() throws IOException {
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
      stream.iterator();
      assertThrows(IllegalStateException.class, stream::iterator);
    }
  }

  @Test
  void isSecureAndWorksRelativeToItsDirectory() throws IOException {
    try (DirectoryStream<Path> plain = Files.newDirectoryStream(root.resolve("dir"))) {
      SecureDirectoryStream<Path> dir = assertInstanceOf(SecureDirectoryStream.class, plain);
      Files.move(root.resolve("dir"), root.resolve("renamed"));
      try (SeekableByteChannel ch = dir.newByteChannel(fs.getPath("made-inside"), Set.of(CREATE_NEW, WRITE))) {
        ch.write(ByteBuffer.wrap("inside".getBytes(UTF_8)));
      }
      assertEquals("inside", Files.readString(root.resolve("renamed/made-inside")),
          "a secure stream follows its directory across renames");
      dir.deleteFile(fs.getPath("a.txt"));
      assertFalse(Files.exists(root.resolve("renamed/a.txt")));
      assertThrows(IOException.class, () -> dir.deleteFile(fs.getPath("sub")));
      try (SecureDirectoryStream<Path> sub = dir.newDirectoryStream(fs.getPath("sub"))) {
        assertEquals(List.of("deep"), names(sub));
        sub.deleteFile(fs.getPath("deep"));
        dir.move(fs.getPath("c.log"), sub, fs.getPath("moved.log"));
      }
      assertEquals("c", Files.readString(root.resolve("renamed/sub/moved.log")));
      dir.deleteFile(fs.getPath("sub/moved.log"));
      dir.deleteDirectory(fs.getPath("sub"));
      assertFalse(Files.exists(root.resolve("renamed/sub")));
      BasicFileAttributeView self = dir.getFileAttributeView(BasicFileAttributeView.class);
      assertTrue(self.readAttributes().isDirectory());
      PosixFileAttributeView file = dir.getFileAttributeView(fs.getPath("b.txt"), PosixFileAttributeView.class);
      assertEquals(1, file.readAttributes().size());
    }
  }
}
