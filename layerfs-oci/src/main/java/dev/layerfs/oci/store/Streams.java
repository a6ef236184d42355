package dev.layerfs.oci.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Stream plumbing of the store: copying what is read, and reporting progress as it goes. */
final class Streams {
  private Streams() {}

  /** Writes every byte read from {@code in} to {@code copy}, so one read both stores a blob and unpacks it. */
  static InputStream tee(InputStream in, OutputStream copy) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          copy.write(b);
        }
        return b;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
          copy.write(buffer, offset, n);
        }
        return n;
      }

      /** Reads what is skipped, because the copy needs it too. */
      @Override
      public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 8192)];
        long skipped = 0;
        while (skipped < n) {
          int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
          if (read < 0) {
            break;
          }
          skipped += read;
        }
        return skipped;
      }

      @Override
      public boolean markSupported() {
        return false;
      }
    };
  }

  /** Reports the bytes read from {@code in} to {@code task}. */
  static InputStream counted(InputStream in, Progress.Task task) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          task.advance(1);
        }
        return b;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
          task.advance(n);
        }
        return n;
      }

      @Override
      public boolean markSupported() {
        return false;
      }
    };
  }

  /** Reports the bytes written through {@code out} to {@code task}. */
  static OutputStream counted(OutputStream out, Progress.Task task) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] buffer, int offset, int length) throws IOException {
        out.write(buffer, offset, length);
        task.advance(length);
      }
    };
  }
}
