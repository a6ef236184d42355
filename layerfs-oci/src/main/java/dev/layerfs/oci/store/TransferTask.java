package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.registry.ProgressListener;

/**
 * One blob's registry transfer shown as a progress task: the client reports bytes done so far (which go down when a
 * transfer restarts), a task adds what is new. The task starts with the transfer, so a blob the registry has
 * already, which sends nothing, shows no bar.
 */
final class TransferTask implements ProgressListener, AutoCloseable {
  private final Progress progress;
  private final String what;
  private Progress.Task task;
  private long reported;

  TransferTask(Progress progress, String what) {
    this.progress = progress;
    this.what = what;
  }

  @Override
  public void progress(Digest blob, long bytesDone, long bytesTotal) {
    if (task == null) {
      task = progress.start(what, bytesTotal);
    }
    task.advance(bytesDone - reported);
    reported = bytesDone;
  }

  /** The bytes transferred, as last reported. */
  long bytes() {
    return reported;
  }

  @Override
  public void close() {
    if (task != null) {
      task.close();
    }
  }
}
