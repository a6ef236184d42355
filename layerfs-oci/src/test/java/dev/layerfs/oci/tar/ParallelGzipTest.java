package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parallel gzip is one gzip stream for every reader, and the same bytes whatever the number of threads. */
class ParallelGzipTest {
  @TempDir Path temp;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, (1 << 20) - 1, 1 << 20, (7 << 19) + 3})
  void decompressesWholeWithJavaAndGnuGzipAndIsTheSameForAnyThreadCount(int size) throws IOException {
    byte[] input = new byte[size];
    Random random = new Random(size);
    for (int i = 0; i < size; i++) {
      input[i] = (byte) (random.nextInt(16) + 'a');
    }
    byte[] one = compress(input, 1);
    assertArrayEquals(one, compress(input, 2));
    assertArrayEquals(one, compress(input, 5));

    assertArrayEquals(input, new GZIPInputStream(new ByteArrayInputStream(one)).readAllBytes());
    assertArrayEquals(input, Compression.open(new ByteArrayInputStream(one), Long.MAX_VALUE).readAllBytes());
    Files.write(temp.resolve("data.gz"), one);
    assertArrayEquals(input, Shell.run(temp, "gzip -dc data.gz"));
  }

  private static byte[] compress(byte[] input, int threads) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gzip = Compression.GZIP.compress(out, threads)) {
      for (int at = 0; at < input.length; at += 70_001) {
        gzip.write(input, at, Math.min(70_001, input.length - at));
      }
    }
    return out.toByteArray();
  }
}
