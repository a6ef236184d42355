package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Digest;

/** Told how far each blob transfer has got, so that a front end can draw progress while long transfers run. */
@FunctionalInterface
public interface ProgressListener {
  /** Listens to nothing. */
  ProgressListener NONE = (blob, bytesDone, bytesTotal) -> {};

  /**
   * Called from the transferring thread after each chunk; {@code bytesDone} may go down when a transfer restarts.
   */
  void progress(Digest blob, long bytesDone, long bytesTotal);
}
