package dev.layerfs.oci.store;

/**
 * Told how long work is going, so that a front end can draw progress bars (bytes and rates) on a terminal or print
 * plain lines elsewhere. Calls come from the working threads; implementations must be thread-safe.
 */
public interface Progress {
  /** Shows nothing. */
  Progress NONE = new Progress() {
    @Override
    public Task start(String what, long totalBytes) {
      return Task.NONE;
    }

    @Override
    public void note(String line) {}
  };

  /** Starts a unit of work over {@code totalBytes} bytes (-1 when unknown), such as one layer's unpacking. */
  Task start(String what, long totalBytes);

  /** Reports a step that moves no bytes worth showing, such as a layer found already stored. */
  void note(String line);

  /** One unit of work; closing it marks it done. */
  interface Task extends AutoCloseable {
    Task NONE = new Task() {
      @Override
      public void advance(long bytes) {}

      @Override
      public void close() {}
    };

    /** Adds {@code bytes} to the bytes done. */
    void advance(long bytes);

    @Override
    void close();
  }
}
