package dev.layerfs.oci.store;

import dev.layerfs.oci.image.ObservedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Stream plumbing of the store: copying what is read, and reporting progress as it goes. */
final class Streams {
  private Streams() {}

  /** Writes every byte read from {@code in} to {@code copy}, so one read both stores a blob and unpacks it. */
  static InputStream tee(InputStream in, OutputStream copy) {
    return new ObservedInputStream(in, copy::write);
  }

  /** Reports the bytes read from {@code in} to {@code task}. */
  static InputStream counted(InputStream in, Progress.Task task) {
    return new ObservedInputStream(in, (buffer, offset, length) -> task.advance(length));
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
