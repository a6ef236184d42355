package dev.layerfs.oci.tar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;

/**
 * gzip on several cores, as pigz and Go's pgzip do: the input is cut into 1 MiB chunks, each compressed into a gzip
 * member of its own on a pool of threads, and the members are written in order. A file of several members is one
 * valid gzip stream (RFC 1952) that every reader decompresses whole; the bytes depend only on the input, never on
 * the number of threads, so layers stay reproducible. Independent chunks cost well under one percent of size.
 */
final class ParallelGzipOutputStream extends OutputStream {
  private static final int CHUNK = 1 << 20;

  private final OutputStream out;
  private final ExecutorService pool;
  private final int inFlight;
  private final Deque<Future<byte[]>> pending = new ArrayDeque<>();
  private byte[] chunk = new byte[CHUNK];
  private int filled;
  private boolean anyMember;
  private boolean closed;

  ParallelGzipOutputStream(OutputStream out, int threads) {
    this.out = out;
    this.pool = Executors.newFixedThreadPool(threads, r -> Thread.ofPlatform().daemon().name("layerfs-gzip").unstarted(r));
    this.inFlight = threads * 2;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] buffer, int offset, int length) throws IOException {
    while (length > 0) {
      int n = Math.min(length, CHUNK - filled);
      System.arraycopy(buffer, offset, chunk, filled, n);
      filled += n;
      offset += n;
      length -= n;
      if (filled == CHUNK) {
        submit();
      }
    }
  }

  private void submit() throws IOException {
    byte[] data = chunk;
    int size = filled;
    pending.add(pool.submit(() -> member(data, size)));
    anyMember = true;
    chunk = new byte[CHUNK];
    filled = 0;
    while (pending.size() > inFlight) {
      out.write(next());
    }
  }

  private static byte[] member(byte[] data, int size) throws IOException {
    ByteArrayOutputStream member = new ByteArrayOutputStream(size / 3 + 64);
    try (GZIPOutputStream gzip = new GZIPOutputStream(member, 1 << 16)) {
      gzip.write(data, 0, size);
    }
    return member.toByteArray();
  }

  private byte[] next() throws IOException {
    try {
      return pending.removeFirst().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while compressing");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  /** Writes the last chunk (an empty input still makes one member) and the members still pending, then closes. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (filled > 0 || !anyMember) {
        submit();
      }
      while (!pending.isEmpty()) {
        out.write(next());
      }
      out.close();
    } finally {
      pool.shutdownNow();
    }
  }
}
