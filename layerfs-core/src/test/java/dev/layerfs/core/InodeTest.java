package dev.layerfs.core;

import static dev.layerfs.posix.Names.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.layerfs.core.testing.EngineFsOps;
import dev.layerfs.posix.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inode numbers survive copy-up and restarts, as the kernel's origin handles make them. */
class InodeTest {
  @TempDir Path tmp;

  private static long ino(EngineFsOps fs, String path) throws Exception {
    return fs.lstat(bytes(path)).ino();
  }

  @Test
  void copiedUpObjectsKeepTheirNumbersAcrossRestarts() throws Exception {
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      Files.createDirectories(layers.lower.resolve("d"));
      Files.writeString(layers.lower.resolve("d/f"), "x");
      Files.writeString(layers.lower2.resolve("g"), "y");
      long realF = (Long) Files.getAttribute(layers.lower.resolve("d/f"), "unix:ino");
      layers.open();
      EngineFsOps fs = layers.fs();
      long f = ino(fs, "d/f");
      long d = ino(fs, "d");
      long g = ino(fs, "g");
      assertEquals(realF, f);
      fs.append(bytes("d/f"), bytes("more"));
      fs.chmod(bytes("g"), 0600);
      fs.rename(bytes("g"), bytes("d/g2"), 0);
      assertEquals(f, ino(fs, "d/f"));
      assertEquals(d, ino(fs, "d"));
      assertEquals(g, ino(fs, "d/g2"));
      layers.reopen();
      fs = layers.fs();
      assertEquals(f, ino(fs, "d/f"));
      assertEquals(d, ino(fs, "d"));
      assertEquals(g, ino(fs, "d/g2"));
    }
  }

  @Test
  void hardLinksShareANumberAndLinkCount() throws Exception {
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      Files.writeString(layers.lower.resolve("a"), "x");
      Files.createLink(layers.lower.resolve("b"), layers.lower.resolve("a"));
      layers.open();
      EngineFsOps fs = layers.fs();
      assertEquals(ino(fs, "a"), ino(fs, "b"));
      assertEquals(2, fs.lstat(bytes("a")).nlink());
      fs.append(bytes("a"), bytes("y"));
      assertNotEquals(ino(fs, "a"), ino(fs, "b"), "copy-up breaks lower hard links, as in the kernel");
      fs.link(bytes("a"), bytes("c"));
      assertEquals(ino(fs, "a"), ino(fs, "c"));
      assertEquals(2, fs.lstat(bytes("c")).nlink());
      layers.reopen();
      fs = layers.fs();
      assertEquals(ino(fs, "a"), ino(fs, "c"));
    }
  }

  @Test
  void mergedDirectoriesReportOneLink() throws Exception {
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      Files.createDirectories(layers.lower.resolve("m/x"));
      Files.createDirectories(layers.lower2.resolve("m/y"));
      Files.createDirectories(layers.lower2.resolve("only/z"));
      layers.open();
      EngineFsOps fs = layers.fs();
      assertEquals(1, fs.lstat(bytes("m")).nlink());
      assertEquals(3, fs.lstat(bytes("only")).nlink());
      assertEquals(Posix.S_IFDIR, fs.lstat(bytes("only")).type());
    }
  }
}
