package dev.layerfs.core;

import static dev.layerfs.posix.Names.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.EngineFsOps;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths longer than one system call accepts work at any depth, in lower layers and after copy-up into upper,
 * and the engine never holds a descriptor per known object.
 */
class LongPathTest {
  @TempDir Path tmp;

  /** 30 directories of 200-byte names: 6,000 bytes, beyond PATH_MAX. */
  private static byte[] deepPath(int depth) {
    byte[] name = new byte[200];
    Arrays.fill(name, (byte) 'd');
    byte[] path = new byte[0];
    for (int i = 0; i < depth; i++) {
      name[0] = (byte) ('a' + i % 26);
      path = Names.join(path, name.clone());
    }
    return path;
  }

  /** Makes a deep tree with *at calls, one directory at a time, as no single path can reach it. */
  private static void makeDeep(Path layer, byte[] path, byte[] fileContent) throws Exception {
    int fd = Posix.openat(Posix.AT_FDCWD, bytes(layer.toString()), Posix.O_PATH | Posix.O_DIRECTORY);
    for (byte[] part : split(path)) {
      Posix.mkdirat(fd, part, 0755);
      int next = Posix.openat(fd, part, Posix.O_PATH | Posix.O_DIRECTORY);
      Posix.close(fd);
      fd = next;
    }
    int file = Posix.openat(fd, bytes("file"), Posix.O_CREAT | Posix.O_WRONLY, 0644);
    try (var arena = java.lang.foreign.Arena.ofConfined()) {
      Posix.pwrite(file, arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, fileContent), 0);
    }
    Posix.close(file);
    Posix.close(fd);
  }

  private static java.util.List<byte[]> split(byte[] path) {
    java.util.List<byte[]> parts = new java.util.ArrayList<>();
    int start = 0;
    for (int i = 0; i <= path.length; i++) {
      if (i == path.length || path[i] == '/') {
        parts.add(Arrays.copyOfRange(path, start, i));
        start = i + 1;
      }
    }
    return parts;
  }

  @Test
  void deepLowerFilesAreReadCopiedUpAndRemoved() throws Exception {
    byte[] deep = deepPath(30);
    assertTrue(deep.length > Names.PATH_MAX);
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      makeDeep(layers.lower, deep, bytes("at the bottom"));
      layers.open();
      EngineFsOps fs = layers.fs();
      byte[] file = Names.join(deep, bytes("file"));
      assertArrayEquals(bytes("at the bottom"), fs.read(file));
      fs.append(file, bytes(", changed"));
      assertArrayEquals(bytes("at the bottom, changed"), fs.read(file));
      fs.write(Names.join(deep, bytes("new")), bytes("new"), true);
      assertEquals(2, fs.list(deep).size());
      fs.unlink(Names.join(deep, bytes("new")));
      fs.rename(file, Names.join(deep, bytes("moved")), 0);
      assertEquals(1, fs.list(deep).size());
      layers.reopen();
      assertArrayEquals(bytes("at the bottom, changed"), layers.fs().read(Names.join(deep, bytes("moved"))));
    } finally {
      removeDeep(tmp.resolve("lower"), deep);
      removeDeep(tmp.resolve("upper"), deep);
    }
  }

  /** Removes what java.nio cannot: the deep tree, with *at calls relative to the layer. */
  private static void removeDeep(Path layer, byte[] deep) throws Exception {
    int fd = Posix.openat(Posix.AT_FDCWD, bytes(layer.toString()), Posix.O_PATH | Posix.O_DIRECTORY);
    try {
      WorkDir.removeTree(fd, split(deep).get(0));
    } finally {
      Posix.close(fd);
    }
  }

  @Test
  void manyKnownFilesCostNoDescriptors() throws Exception {
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      for (int d = 0; d < 30; d++) {
        Path dir = Files.createDirectories(layers.lower.resolve("d" + d));
        for (int i = 0; i < 1000; i++) {
          Files.writeString(dir.resolve("f" + i), "");
        }
      }
      long before = openDescriptors();
      Overlay overlay = layers.open();
      for (int d = 0; d < 30; d++) {
        Node dir = overlay.lookup(overlay.root(), bytes("d" + d));
        for (int i = 0; i < 1000; i++) {
          overlay.getattr(overlay.lookup(dir, bytes("f" + i)));
        }
      }
      long held = openDescriptors() - before;
      assertTrue(held < 20, "the engine holds " + held + " descriptors for 30,000 known files");
    }
  }

  private static long openDescriptors() throws Exception {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
