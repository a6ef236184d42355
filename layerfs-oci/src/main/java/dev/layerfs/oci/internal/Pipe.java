package dev.layerfs.oci.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded in-memory pipe from one writing thread to one reading thread, so that a layer can be decompressed and
 * hashed while it is unpacked, or compressed and unpacked while it is written; a failure on either end reaches the
 * other instead of blocking it.
 */
public final class Pipe {
  private static final int CAPACITY = 32;
  private static final byte[] END = new byte[0];

  private final ArrayBlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(CAPACITY);
  private volatile Throwable readerFailure;
  private volatile Throwable writerFailure;

  /** The writing end; closing it ends the stream, {@link #abort} fails it. */
  public OutputStream sink() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] buffer, int offset, int length) throws IOException {
        if (length > 0) {
          put(java.util.Arrays.copyOfRange(buffer, offset, offset + length));
        }
      }

      @Override
      public void close() throws IOException {
        put(END);
      }
    };
  }

  /** The reading end; when the reader fails it calls {@link #readerFailed} so the writer stops. */
  public InputStream source() {
    return new InputStream() {
      private byte[] chunk;
      private int position;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
          return 0;
        }
        while (chunk == null || position == chunk.length) {
          if (chunk == END) {
            return -1;
          }
          chunk = take();
          position = 0;
        }
        int n = Math.min(length, chunk.length - position);
        System.arraycopy(chunk, position, buffer, offset, n);
        position += n;
        return n;
      }
    };
  }

  /** Tells the writer that the reader gave up, so that its next write fails instead of blocking. */
  public void readerFailed(Throwable failure) {
    readerFailure = failure;
    chunks.clear();
  }

  /** Fails the reading end, for a writer that cannot finish. */
  public void abort(Throwable failure) {
    writerFailure = failure;
    chunks.clear();
    chunks.offer(END);
  }

  /** What the reader sees when the writer failed; the cause is the writer's failure. */
  public static final class WriterFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    WriterFailedException(Throwable cause) {
      super("the writing side failed: " + cause.getMessage(), cause);
    }
  }

  /** What the writer sees when the reader gave up; the cause is the reader's failure. */
  public static final class ReaderFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    ReaderFailedException(Throwable cause) {
      super("the reading side failed: " + cause.getMessage(), cause);
    }
  }

  private void put(byte[] chunk) throws IOException {
    try {
      while (!chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
        if (readerFailure != null) {
          throw new ReaderFailedException(readerFailure);
        }
      }
      if (readerFailure != null) {
        throw new ReaderFailedException(readerFailure);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing to a pipe");
    }
  }

  private byte[] take() throws IOException {
    try {
      byte[] chunk = chunks.take();
      if (chunk == END && writerFailure != null) {
        throw new WriterFailedException(writerFailure);
      }
      return chunk;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading from a pipe");
    }
  }
}
