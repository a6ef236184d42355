package dev.layerfs.oci.tar;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The compressions an OCI layer may use, told apart by their magic bytes rather than by a media type that may
 * lie, with a bound on decompressed output so that a small hostile layer cannot expand without limit.
 */
public enum Compression {
  NONE(new byte[0]),
  GZIP(new byte[] {0x1f, (byte) 0x8b}),
  ZSTD(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});

  private static final int BUFFER = 64 << 10;
  private static final int ZSTD_LEVEL = 3;
  private static final int SKIPPABLE_FRAME_MASK = 0xfffffff0;
  private static final int SKIPPABLE_FRAME_MAGIC = 0x184d2a50;

  private final byte[] magic;

  Compression(byte[] magic) {
    this.magic = magic;
  }

  /**
   * Tells the compression from the first bytes of {@code in} without consuming them; the stream must support
   * {@link InputStream#mark}. Anything that is neither gzip nor zstd (a skippable frame counts as zstd) is NONE.
   */
  public static Compression detect(InputStream in) throws IOException {
    if (!in.markSupported()) {
      throw new IllegalArgumentException("Compression.detect needs a stream that supports mark, such as a "
          + "BufferedInputStream");
    }
    in.mark(ZSTD.magic.length);
    byte[] head = in.readNBytes(ZSTD.magic.length);
    in.reset();
    if (startsWith(head, GZIP.magic)) {
      return GZIP;
    }
    return startsWith(head, ZSTD.magic) || isSkippableFrame(head) ? ZSTD : NONE;
  }

  /**
   * Detects the compression of {@code in} and returns its decompressed content, failing with an
   * {@link IOException} once more than {@code maxDecompressedBytes} come out.
   */
  public static InputStream open(InputStream in, long maxDecompressedBytes) throws IOException {
    InputStream buffered = new BufferedInputStream(in, BUFFER);
    InputStream plain = detect(buffered).decompress(buffered);
    return new BoundedInputStream(plain, maxDecompressedBytes);
  }

  /** Wraps {@code in}, whose data is in this compression, to read it decompressed (without any bound). */
  public InputStream decompress(InputStream in) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, BUFFER);
      case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), BUFFER);
    };
  }

  /**
   * Wraps {@code out} to compress into it; closing the returned stream ends the compressed stream and closes
   * {@code out}. The output depends only on the input, so layers stay reproducible.
   */
  public OutputStream compress(OutputStream out) throws IOException {
    return switch (this) {
      case NONE -> out;
      case GZIP -> new GZIPOutputStream(out, BUFFER);
      case ZSTD -> new ZstdOutputStreamNoFinalizer(out, ZSTD_LEVEL);
    };
  }

  /**
   * Like {@link #compress(OutputStream)} on {@code threads} threads. gzip is written as independent 1 MiB members
   * (see {@link ParallelGzipOutputStream}): one valid gzip stream whose bytes depend only on the input, not on the
   * number of threads, though they differ from the single-threaded form. Other compressions ignore the threads.
   */
  public OutputStream compress(OutputStream out, int threads) throws IOException {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    return this == GZIP ? new ParallelGzipOutputStream(out, threads) : compress(out);
  }

  private static boolean startsWith(byte[] head, byte[] magic) {
    return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
  }

  private static boolean isSkippableFrame(byte[] head) {
    if (head.length < 4) {
      return false;
    }
    int little = (head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16 | (head[3] & 0xff) << 24;
    return (little & SKIPPABLE_FRAME_MASK) == SKIPPABLE_FRAME_MAGIC;
  }
}
