package dev.layerfs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The everyday {@code Files} operations on a merged view. */
class FilesTest extends OverlayTestCase {
  @Override
  void fixture(Path lower) throws IOException {
    write(lower, "etc/hostname", "lower-host\n");
    write(lower, "etc/motd", "welcome\n");
    write(lower, "usr/share/doc/readme", "read me\n");
    Files.createDirectories(lower.resolve("empty"));
  }

  @Test
  void readsLowerFiles() throws IOException {
    assertEquals("lower-host\n", Files.readString(root.resolve("etc/hostname")));
    assertArrayEquals("read me\n".getBytes(UTF_8), Files.readAllBytes(fs.getPath("/usr/share/doc/readme")));
    assertEquals(List.of("welcome"), Files.readAllLines(fs.getPath("usr", "..", "etc", "motd")));
  }

  @Test
  void newFilesLandInTheUpperLayer() throws IOException {
    Files.writeString(root.resolve("new.txt"), "fresh");
    assertEquals("fresh", Files.readString(root.resolve("new.txt")));
    assertEquals("fresh", Files.readString(upper.resolve("new.txt")));
    assertFalse(Files.exists(lower.resolve("new.txt")));
  }

  @Test
  void writingALowerFileCopiesItUp() throws IOException {
    Files.writeString(root.resolve("etc/hostname"), "upper-host\n");
    assertEquals("upper-host\n", Files.readString(root.resolve("etc/hostname")));
    assertEquals("upper-host\n", Files.readString(upper.resolve("etc/hostname")));
    assertEquals("lower-host\n", Files.readString(lower.resolve("etc/hostname")));
    assertFalse(Files.exists(upper.resolve("etc/motd")), "only the written file is copied up");
  }

  @Test
  void appendsToALowerFile() throws IOException {
    Files.writeString(root.resolve("etc/motd"), "have fun\n", StandardOpenOption.APPEND);
    assertEquals("welcome\nhave fun\n", Files.readString(root.resolve("etc/motd")));
  }

  @Test
  void truncatesOnOpen() throws IOException {
    try (OutputStream out = Files.newOutputStream(root.resolve("etc/motd"), StandardOpenOption.TRUNCATE_EXISTING)) {
      out.write('x');
    }
    assertEquals("x", Files.readString(root.resolve("etc/motd")));
  }

  @Test
  void streamsReadAndWrite() throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(root.resolve("lines.txt"))) {
      for (int i = 0; i < 1000; i++) {
        w.write("line " + i + "\n");
      }
    }
    try (Stream<String> lines = Files.lines(root.resolve("lines.txt"))) {
      assertEquals(1000, lines.count());
    }
    try (InputStream in = Files.newInputStream(root.resolve("lines.txt"))) {
      assertEquals("line 0\n", new String(in.readNBytes(7), UTF_8));
      assertEquals(7 + "line 1\n".length(), in.skip(7) + 7);
    }
  }

  @Test
  void createFileRefusesAnExistingName() throws IOException {
    Files.createFile(root.resolve("a"));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createFile(root.resolve("a")));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createFile(root.resolve("etc/motd")));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(root.resolve("etc")));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(root));
  }

  @Test
  void createsDirectoriesWithPermissions() throws IOException {
    Path deep = Files.createDirectories(root.resolve("etc/a/b/c"));
    assertTrue(Files.isDirectory(deep));
    assertTrue(Files.isDirectory(upper.resolve("etc/a/b/c")));
    Path secret = Files.createDirectory(root.resolve("secret"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
    Path file = Files.createFile(root.resolve("private"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void listsAMergedDirectory() throws IOException {
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0\n");
    try (Stream<Path> list = Files.list(root.resolve("etc"))) {
      assertEquals(List.of("/etc/hostname", "/etc/motd", "/etc/passwd"),
          list.map(Path::toString).sorted().toList());
    }
  }

  @Test
  void walksAndFinds() throws IOException {
    Files.writeString(root.resolve("usr/share/doc/changes"), "v2");
    try (Stream<Path> walk = Files.walk(root)) {
      assertEquals(List.of("/", "/empty", "/etc", "/etc/hostname", "/etc/motd", "/usr", "/usr/share",
          "/usr/share/doc", "/usr/share/doc/changes", "/usr/share/doc/readme"),
          walk.map(Path::toString).sorted().toList());
    }
    try (Stream<Path> found = Files.find(root, 10, (p, a) -> a.isRegularFile() && a.size() == 2)) {
      assertEquals(List.of(fs.getPath("/usr/share/doc/changes")), found.toList());
    }
  }

  @Test
  void deletesFilesAndEmptyDirectories() throws IOException {
    Files.delete(root.resolve("etc/motd"));
    assertFalse(Files.exists(root.resolve("etc/motd")));
    Files.delete(root.resolve("empty"));
    assertFalse(Files.exists(root.resolve("empty")));
    assertTrue(Files.exists(lower.resolve("empty")));
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(root.resolve("usr")));
    assertThrows(NoSuchFileException.class, () -> Files.delete(root.resolve("etc/motd")));
    assertFalse(Files.deleteIfExists(root.resolve("etc/motd")));
    assertFalse(Files.deleteIfExists(root.resolve("nowhere/at/all")));
    assertTrue(Files.deleteIfExists(root.resolve("etc/hostname")));
  }

  @Test
  void deletesATreeBottomUp() throws IOException {
    try (Stream<Path> walk = Files.walk(root.resolve("usr"))) {
      for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
    assertFalse(Files.exists(root.resolve("usr")));
    assertTrue(LayerDigest.isWhiteout(upper.resolve("usr")), "one whiteout hides the whole lower tree");
    try (Stream<Path> inUpper = Files.list(upper)) {
      assertEquals(List.of(upper.resolve("usr")), inUpper.toList());
    }
  }

  @Test
  void recreatesADeletedName() throws IOException {
    Files.delete(root.resolve("etc/motd"));
    Files.writeString(root.resolve("etc/motd"), "new motd");
    assertEquals("new motd", Files.readString(root.resolve("etc/motd")));
    Files.delete(root.resolve("empty"));
    Files.createDirectory(root.resolve("empty"));
    try (Stream<Path> list = Files.list(root.resolve("empty"))) {
      assertEquals(0, list.count());
    }
  }

  @Test
  void anOpaqueDirectoryHidesTheLowerOne() throws IOException {
    Files.delete(root.resolve("usr/share/doc/readme"));
    Files.delete(root.resolve("usr/share/doc"));
    Files.createDirectory(root.resolve("usr/share/doc"));
    Files.writeString(root.resolve("usr/share/doc/only"), "x");
    try (Stream<Path> list = Files.list(root.resolve("usr/share/doc"))) {
      assertEquals(List.of(fs.getPath("/usr/share/doc/only")), list.toList());
    }
  }

  @Test
  void sizeExistsAndTypeQuestions() throws IOException {
    assertEquals(11, Files.size(root.resolve("etc/hostname")));
    assertTrue(Files.exists(root.resolve("etc")));
    assertTrue(Files.isDirectory(root.resolve("etc")));
    assertTrue(Files.isRegularFile(root.resolve("etc/motd")));
    assertFalse(Files.exists(root.resolve("etc/nothing")));
    assertTrue(Files.notExists(root.resolve("etc/nothing")));
    assertFalse(Files.exists(root.resolve("etc/motd/under-a-file")));
    assertTrue(Files.isReadable(root.resolve("etc/motd")));
    assertTrue(Files.isWritable(root.resolve("etc/motd")));
    assertFalse(Files.isExecutable(root.resolve("etc/motd")));
    assertTrue(Files.isHidden(root.resolve(".profile")));
    assertFalse(Files.isHidden(root.resolve("etc")));
  }

  @Test
  void errorsNameThePath() throws IOException {
    NoSuchFileException missing = assertThrows(NoSuchFileException.class,
        () -> Files.readString(root.resolve("etc/missing")));
    assertEquals("/etc/missing", missing.getFile());
    FileSystemException notDir = assertThrows(FileSystemException.class,
        () -> Files.createFile(root.resolve("etc/motd/child")));
    assertEquals("/etc/motd/child", notDir.getFile());
    assertThrows(NotDirectoryException.class, () -> Files.newDirectoryStream(root.resolve("etc/motd")));
    FileSystemException isDir = assertThrows(FileSystemException.class,
        () -> Files.writeString(root.resolve("etc"), "x"));
    assertEquals("/etc", isDir.getFile());
  }

  @Test
  void tempFilesAndDirectories() throws IOException {
    Path dir = Files.createTempDirectory(root, "t");
    Path file = Files.createTempFile(dir, "f", ".tmp");
    assertTrue(Files.isRegularFile(file));
    assertEquals(dir, file.getParent());
  }
}
