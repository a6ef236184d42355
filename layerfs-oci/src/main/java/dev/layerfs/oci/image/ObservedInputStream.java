package dev.layerfs.oci.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream that shows every byte read to an observer, so that digesting, copying and counting happen in the
 * one pass that reads the content. Skipped bytes are read too, because the observer needs them as well.
 */
public class ObservedInputStream extends FilterInputStream {
  /** What sees the bytes: each call has bytes just read, in order. */
  @FunctionalInterface
  public interface Observer {
    void seen(byte[] buffer, int offset, int length) throws IOException;
  }

  private final Observer observer;

  public ObservedInputStream(InputStream in, Observer observer) {
    super(in);
    this.observer = observer;
  }

  /** For a subclass that observes by overriding {@link #seen}. */
  protected ObservedInputStream(InputStream in) {
    super(in);
    this.observer = null;
  }

  /** Shows bytes just read to the observer. */
  protected void seen(byte[] buffer, int offset, int length) throws IOException {
    observer.seen(buffer, offset, length);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      seen(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n > 0) {
      seen(buffer, offset, n);
    }
    return n;
  }

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
}
