package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paths of a view behave like the JDK's Unix paths: pure syntax, no file access. */
class OverlayPathTest {
  @TempDir Path tmp;
  FileSystem fs;

  @BeforeEach
  void open() throws IOException {
    fs = OverlayFs.builder().lower(Files.createDirectory(tmp.resolve("l1")), Files.createDirectory(tmp.resolve("l2")))
        .build();
  }

  @AfterEach
  void close() throws IOException {
    fs.close();
  }

  @Test
  void parsesLikeUnixPaths() {
    assertEquals("/a/b", fs.getPath("//a///b/").toString());
    assertEquals("a/b/c", fs.getPath("a", "b", "", "c").toString());
    assertEquals("", fs.getPath("").toString());
    assertEquals("/", fs.getPath("/").toString());
    assertThrows(InvalidPathException.class, () -> fs.getPath("a\0b"));
  }

  @Test
  void namesParentsAndRoots() {
    Path p = fs.getPath("/usr/local/bin");
    assertEquals(3, p.getNameCount());
    assertEquals(fs.getPath("local"), p.getName(1));
    assertEquals(fs.getPath("bin"), p.getFileName());
    assertEquals(fs.getPath("/usr/local"), p.getParent());
    assertEquals(fs.getPath("/"), p.getRoot());
    assertEquals(fs.getPath("local/bin"), p.subpath(1, 3));
    assertTrue(p.isAbsolute());
    assertNull(fs.getPath("/").getFileName());
    assertNull(fs.getPath("/").getParent());
    assertEquals(0, fs.getPath("/").getNameCount());
    assertEquals(fs.getPath("/"), fs.getPath("/usr").getParent());
    assertNull(fs.getPath("usr").getParent());
    assertNull(fs.getPath("usr").getRoot());
    assertEquals(1, fs.getPath("").getNameCount());
    List<String> names = new ArrayList<>();
    p.forEach(n -> names.add(n.toString()));
    assertEquals(List.of("usr", "local", "bin"), names);
  }

  @Test
  void resolvesAndRelativizes() {
    Path base = fs.getPath("/a/b");
    assertEquals(fs.getPath("/a/b/c/d"), base.resolve("c/d"));
    assertEquals(fs.getPath("/x"), base.resolve("/x"));
    assertEquals(base, base.resolve(""));
    assertEquals(fs.getPath("/a/c"), base.resolveSibling("c"));
    assertEquals(fs.getPath("c/d"), base.relativize(fs.getPath("/a/b/c/d")));
    assertEquals(fs.getPath("../../x"), base.relativize(fs.getPath("/x")));
    assertEquals(fs.getPath(""), base.relativize(base));
    assertEquals(fs.getPath("/a/b/c/d"), base.resolve(base.relativize(fs.getPath("/a/b/c/d"))));
    assertThrows(IllegalArgumentException.class, () -> base.relativize(fs.getPath("x")));
    assertEquals(fs.getPath("/x/y"), fs.getPath("x/y").toAbsolutePath());
  }

  @Test
  void normalizes() {
    assertEquals(fs.getPath("/a/c"), fs.getPath("/a/./b/../c/.").normalize());
    assertEquals(fs.getPath("/c"), fs.getPath("/../../c").normalize());
    assertEquals(fs.getPath("../c"), fs.getPath("a/../../c").normalize());
    assertEquals(fs.getPath(""), fs.getPath("a/..").normalize());
  }

  @Test
  void comparesNameByName() {
    Path p = fs.getPath("/usr/local/bin");
    assertTrue(p.startsWith("/usr"));
    assertTrue(p.startsWith("/"));
    assertFalse(p.startsWith("/us"));
    assertFalse(p.startsWith("usr"));
    assertTrue(p.endsWith("local/bin"));
    assertTrue(p.endsWith("bin"));
    assertFalse(p.endsWith("in"));
    assertTrue(p.endsWith("/usr/local/bin"));
    assertFalse(p.startsWith(FileSystems.getDefault().getPath("/usr")));
    assertTrue(fs.getPath("a").compareTo(fs.getPath("b")) < 0);
    assertEquals(fs.getPath("a/b"), fs.getPath("a//b"));
    assertEquals(fs.getPath("a/b").hashCode(), fs.getPath("a//b").hashCode());
  }

  @Test
  void refusesPathsOfOtherProviders() {
    assertThrows(ProviderMismatchException.class, () -> fs.getPath("/a").resolve(Path.of("b")));
    assertThrows(UnsupportedOperationException.class, () -> fs.getPath("/a").toFile());
  }

  @Test
  void matchesGlobsAndRegexes() {
    PathMatcher java = fs.getPathMatcher("glob:*.java");
    assertTrue(java.matches(fs.getPath("Foo.java")));
    assertFalse(java.matches(fs.getPath("src/Foo.java")));
    PathMatcher deep = fs.getPathMatcher("glob:**/*.{java,kt}");
    assertTrue(deep.matches(fs.getPath("/src/main/Foo.kt")));
    assertFalse(deep.matches(fs.getPath("/src/main/Foo.scala")));
    PathMatcher chars = fs.getPathMatcher("glob:file[0-9]?.[!c]*");
    assertTrue(chars.matches(fs.getPath("file12.txt")));
    assertFalse(chars.matches(fs.getPath("file12.cfg")));
    assertFalse(chars.matches(fs.getPath("file1/.txt")));
    PathMatcher escaped = fs.getPathMatcher("glob:a\\*b");
    assertTrue(escaped.matches(fs.getPath("a*b")));
    assertFalse(escaped.matches(fs.getPath("axb")));
    assertTrue(fs.getPathMatcher("regex:.*/b+").matches(fs.getPath("/a/bbb")));
    assertThrows(UnsupportedOperationException.class, () -> fs.getPathMatcher("xpath:/a"));
    assertThrows(IllegalArgumentException.class, () -> fs.getPathMatcher("*.java"));
  }
}
