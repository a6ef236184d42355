package dev.layerfs.oci.store;

import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarWriter;
import java.time.Instant;
import java.util.Objects;

/**
 * How to commit a container.
 *
 * @param compression of the new layer's blob (gzip, as Docker does, by default)
 * @param times what to do with file times in the layer (keep them, or fix them for reproducible layers)
 * @param created the new image's creation time, in its config and history
 * @param author the author recorded in the config and history, or empty
 * @param comment the comment of the history entry, or empty
 */
public record CommitOptions(Compression compression, TarWriter.TimePolicy times, Instant created, String author,
    String comment) {
  public CommitOptions {
    Objects.requireNonNull(compression);
    Objects.requireNonNull(times);
    Objects.requireNonNull(created);
    author = Objects.requireNonNullElse(author, "");
    comment = Objects.requireNonNullElse(comment, "");
  }

  /** gzip, times kept, created now. */
  public static CommitOptions defaults() {
    return new CommitOptions(Compression.GZIP, TarWriter.TimePolicy.keep(), Instant.now(), "", "");
  }
}
