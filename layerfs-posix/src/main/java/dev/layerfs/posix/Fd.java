package dev.layerfs.posix;

/** An owned file descriptor, closed by try-with-resources. */
public record Fd(int value) implements AutoCloseable {
  @Override
  public void close() {
    Posix.closeQuietly(value);
  }
}
