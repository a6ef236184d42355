package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Layers are recognized by their magic, decompressed transparently, and bounded against bombs. */
class CompressionTest {
  @TempDir Path temp;

  @ParameterizedTest
  @EnumSource(Compression.class)
  void compressedArchivesAreDetectedAndReadBack(Compression compression) throws IOException {
    byte[] archive = Item.write(Fixtures.everyType());
    byte[] compressed = compress(compression, archive);

    assertEquals(compression, Compression.detect(new BufferedInputStream(new ByteArrayInputStream(compressed))));
    assertEquals(Fixtures.everyType(), Item.read(Compression.open(new ByteArrayInputStream(compressed), 1 << 20),
        TarLimits.DEFAULTS));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void compressionIsReproducible(Compression compression) throws IOException {
    byte[] archive = Item.write(Fixtures.everyType());

    assertArrayEquals(compress(compression, archive), compress(compression, archive));
  }

  @Test
  void layersCompressedByTheCommandLineToolsAreDetected() throws IOException {
    Files.write(temp.resolve("layer.tar"), Item.write(Fixtures.everyType()));
    Shell.run(temp, "gzip -k layer.tar && zstd -q layer.tar -o layer.tar.zst");
    for (String name : new String[] {"layer.tar", "layer.tar.gz", "layer.tar.zst"}) {
      try (InputStream in = Compression.open(Files.newInputStream(temp.resolve(name)), 1 << 20)) {
        assertEquals(Fixtures.everyType(), Item.read(in, TarLimits.DEFAULTS), name);
      }
    }
  }

  @Test
  void concatenatedGzipMembersAreOneStream() throws IOException {
    byte[] joined = Names.concat(compress(Compression.GZIP, "abc".getBytes()), compress(Compression.GZIP, "def".getBytes()));

    assertArrayEquals("abcdef".getBytes(), Compression.open(new ByteArrayInputStream(joined), 6).readAllBytes());
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void decompressionBombsHitTheLimit(Compression compression) throws IOException {
    byte[] bomb = compress(compression, new byte[10 << 20]);

    InputStream in = Compression.open(new ByteArrayInputStream(bomb), 1 << 20);
    IOException e = assertThrows(IOException.class, () -> in.transferTo(OutputStream.nullOutputStream()));

    assertTrue(e.getMessage().startsWith("decompressed data exceeds maxDecompressedBytes 1048576"), e.getMessage());
    assertEquals(1 << 20, Compression.open(new ByteArrayInputStream(compress(compression, new byte[1 << 20])),
        1 << 20).readAllBytes().length);
  }

  @Test
  void detectNeedsMarkSupport() {
    assertThrows(IllegalArgumentException.class, () -> Compression.detect(InputStream.nullInputStream()));
  }

  @Test
  void shortAndUnknownInputIsUncompressed() throws IOException {
    assertEquals(Compression.NONE, Compression.detect(new BufferedInputStream(new ByteArrayInputStream(new byte[] {0x1f}))));
    assertEquals(Compression.NONE, Compression.detect(new BufferedInputStream(InputStream.nullInputStream())));
    assertEquals(Compression.ZSTD, Compression.detect(new BufferedInputStream(
        new ByteArrayInputStream(new byte[] {0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0}))));
  }

  private static byte[] compress(Compression compression, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream compressing = compression.compress(out)) {
      compressing.write(data);
    }
    return out.toByteArray();
  }
}
