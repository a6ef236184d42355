package dev.layerfs.oci.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarEntry.Type;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.TreeListing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers built to escape or to confuse, generated here: each is refused with an error that names the entry, the
 * target never appears, no staging directory is left, and nothing outside the target changes.
 */
class HostileLayerTest {
  private static final long SMALL_LIMIT = 1 << 20;

  @TempDir Path temp;
  private Path outside;
  private TreeListing outsideBefore;

  @BeforeEach
  void plantSentinel() throws IOException {
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("sentinel"), "untouched");
    outsideBefore = TreeListing.of(outside);
  }

  static Stream<Arguments> hostileLayers() {
    byte[] longName = new byte[256];
    Arrays.fill(longName, (byte) 'n');
    return Stream.of(
        layer("dot-dot path", "../outside/pwned", new LayerTar().file("../outside/pwned", "x")),
        layer("dot-dot in the middle", "a/../../outside/pwned", new LayerTar().dir("a")
            .file("a/../../outside/pwned", "x")),
        layer("absolute path", "/tmp/layerfs-hostile-absolute", new LayerTar()
            .file("/tmp/layerfs-hostile-absolute", "x")),
        layer("file through a symlink of the layer", "link/pwned", new LayerTar()
            .symlink("link", "../outside").file("link/pwned", "x")),
        layer("directory through an absolute symlink", "root/etc", new LayerTar()
            .symlink("root", "/").dir("root/etc")),
        layer("whiteout through a symlink", "link/.wh.sentinel", new LayerTar()
            .symlink("link", "../outside").whiteout("link/sentinel")),
        layer("opaque marker through a symlink", "link/.wh..wh..opq", new LayerTar()
            .symlink("link", "../outside").opaque("link")),
        layer("hard link out of the layer", "h", new LayerTar().hardlink("h", "../outside/sentinel")),
        layer("hard link to an absolute path", "h", new LayerTar().hardlink("h", "/etc/passwd")),
        layer("hard link through a symlink", "h", new LayerTar()
            .symlink("link", "../outside").hardlink("h", "link/sentinel")),
        layer("hard link to a missing file", "h", new LayerTar().hardlink("h", "missing")),
        layer("hard link to a directory", "h", new LayerTar().dir("d").hardlink("h", "d")),
        layer("hard link to a later file", "h", new LayerTar().hardlink("h", "f").file("f", "x")),
        layer("whiteout of .", ".wh..", new LayerTar().file(LayerTar.utf8(".wh.."), new byte[0], 0)),
        layer("whiteout of ..", ".wh...", new LayerTar().file(LayerTar.utf8(".wh..."), new byte[0], 0)),
        layer("whiteout of . in a directory", "d/.wh..", new LayerTar().dir("d")
            .file(LayerTar.utf8("d/.wh.."), new byte[0], 0)),
        layer("whiteout of nothing", ".wh.", new LayerTar().file(LayerTar.utf8(".wh."), new byte[0], 0)),
        layer("unknown whiteout meta-entry", "d/.wh..wh.foo", new LayerTar().dir("d")
            .file(LayerTar.utf8("d/.wh..wh.foo"), new byte[0], 0)),
        layer("opaque root", ".wh..wh..opq", new LayerTar().file(LayerTar.utf8(".wh..wh..opq"), new byte[0], 0)),
        layer("name over 255 bytes", new String(longName), new LayerTar().file(longName, new byte[0], 0644)),
        layer("duplicate file", "f", new LayerTar().file("f", "1").file("f", "2")),
        layer("duplicate directory", "d", new LayerTar().dir("d").dir("d")),
        layer("duplicate whiteout", ".wh.x", new LayerTar().whiteout("x").whiteout("x")),
        layer("file over a directory of the layer", "d", new LayerTar().file("d/inner", "x").file("d", "y")),
        layer("file under a file", "f/inner", new LayerTar().file("f", "x").file("f/inner", "y")),
        layer("whiteout device spelled as a device", "dev/wh", new LayerTar().dir("dev").charDevice("dev/wh", 0, 0)),
        layer("sparse file larger than the limit", "huge", new LayerTar()
            .add(TarEntry.builder(Type.REGULAR, "huge").mode(0644).size(SMALL_LIMIT + 1).mtime(LayerTar.TIME)
                .sparseMap(new dev.layerfs.oci.tar.SparseMap(List.of())).build(), new byte[0])));
  }

  private static Arguments layer(String what, String entry, LayerTar tar) {
    return Arguments.of(what, entry, tar.bytes());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileLayers")
  void isRefusedNamingTheEntryAndWritesNothing(String what, String entry, byte[] tar) throws IOException {
    InvalidLayerException e = assertThrows(InvalidLayerException.class, () -> apply(tar));
    assertEquals(entry, e.entry(), e.getMessage());
    if (what.contains("through a symlink") && !what.startsWith("hard link")) {
      assertTrue(e.getMessage().contains("a symlink made by an earlier entry"), e.getMessage());
    }
    assertNothingWritten();
  }

  @Test
  void aPathThroughASymlinkOfALowerLayerIsRefused() throws IOException {
    Path lower = LayerApplyTest.applyTo(temp.resolve("lower"), new LayerTar().symlink("etc", "../outside"));
    byte[] tar = new LayerTar().file("etc/passwd", "root::0:0::/:/bin/sh").bytes();
    InvalidLayerException e = assertThrows(InvalidLayerException.class, () -> LayerApply.builder()
        .lowers(List.of(lower)).maxBytes(SMALL_LIMIT).build().apply(new ByteArrayInputStream(tar),
            temp.resolve("target")));
    assertTrue(e.getMessage().contains("a symlink in a lower layer"), e.getMessage());
    assertEquals("etc/passwd", e.entry());
    assertFalse(Files.exists(temp.resolve("target")));

    byte[] replaced = new LayerTar().dir("etc").file("etc/passwd", "ok").bytes();
    LayerApply.builder().lowers(List.of(lower)).build().apply(new ByteArrayInputStream(replaced),
        temp.resolve("replaces-the-symlink"));
    assertEquals("ok", Files.readString(temp.resolve("replaces-the-symlink/etc/passwd")));
  }

  @Test
  void aTruncatedArchiveIsRefused() throws IOException {
    byte[] tar = new LayerTar().file("a", "first").file("big", "x".repeat(5000)).bytes();
    byte[] cut = Arrays.copyOf(tar, 512 * 4 + 1000);
    IOException e = assertThrows(IOException.class, () -> apply(cut));
    assertTrue(e.getMessage().contains("big") && e.getMessage().contains("truncated"), e.getMessage());
    assertNothingWritten();
  }

  @Test
  void gzipAndZstdBombsStopAtTheLimit() throws IOException {
    for (Compression compression : List.of(Compression.GZIP, Compression.ZSTD)) {
      ByteArrayOutputStream bomb = new ByteArrayOutputStream();
      try (OutputStream out = compression.compress(bomb)) {
        dev.layerfs.oci.tar.TarWriter writer = new dev.layerfs.oci.tar.TarWriter(out);
        for (int file = 0; file < 128; file++) {
          writer.write(TarEntry.builder(Type.REGULAR, "zeros-" + file).mode(0644).size(ZEROS)
              .mtime(java.time.Instant.EPOCH).build(), zeros());
        }
      }
      assertTrue(bomb.size() < 1 << 17, compression + " bomb is small: " + bomb.size());
      IOException e = assertThrows(IOException.class, () -> LayerApply.builder().maxBytes(SMALL_LIMIT).build()
          .apply(new ByteArrayInputStream(bomb.toByteArray()), temp.resolve("target")));
      assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
      assertNothingWritten();
    }
  }

  private static final long ZEROS = 512 << 10;

  /** {@link #ZEROS} zero bytes, generated rather than held. */
  private static java.io.InputStream zeros() {
    return new java.io.InputStream() {
      private long left = ZEROS;

      @Override
      public int read() {
        return left-- > 0 ? 0 : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        int n = (int) Math.min(len, left);
        left -= n;
        Arrays.fill(b, off, off + n, (byte) 0);
        return n == 0 && len > 0 ? -1 : n;
      }
    };
  }

  private void apply(byte[] tar) throws IOException {
    LayerApply.builder().maxBytes(SMALL_LIMIT).build().apply(new ByteArrayInputStream(tar), temp.resolve("target"));
  }

  private void assertNothingWritten() throws IOException {
    assertFalse(Files.exists(temp.resolve("target")), "the target does not appear");
    try (Stream<Path> list = Files.list(temp)) {
      List<String> names = list.map(p -> p.getFileName().toString()).filter(n -> !n.equals("lower")
          && !n.equals("replaces-the-symlink")).sorted().toList();
      assertEquals(List.of("outside"), names, "no staging directory is left");
    }
    TreeListing after = TreeListing.of(outside);
    assertEquals(outsideBefore, after, outsideBefore.diff(after, "before", "after"));
    assertFalse(Files.exists(Path.of("/tmp/layerfs-hostile-absolute")));
  }
}
