package dev.layerfs.oci.image;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream whose close only flushes, so that a compressor or tar writer can finish its stream while the file
 * or standard output under it stays open for what comes next (a digest, another entry, the caller's output).
 */
public final class NonClosingOutputStream extends FilterOutputStream {
  public NonClosingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(byte[] buffer, int offset, int length) throws IOException {
    out.write(buffer, offset, length);
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
