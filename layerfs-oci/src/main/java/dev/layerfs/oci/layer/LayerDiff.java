package dev.layerfs.oci.layer;

import dev.layerfs.oci.image.NonClosingOutputStream;
import dev.layerfs.oci.tar.TarWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Turns an upper directory in the kernel overlayfs's on-disk format (a container's changes) into an OCI layer tar:
 * a 0/0 character device becomes a {@code .wh.NAME} entry, an opaque directory gets a {@code .wh..wh..opq} entry,
 * the overlay's private xattrs are dropped (names it escaped are unescaped), and files keep their owners, modes,
 * times, xattrs with binary values, hard links (as tar hard links), holes and device numbers.
 *
 * <p>A directory renamed through an overlay keeps its lower contents in the lower layers and records where in
 * {@code overlay.redirect}; its layer entry must therefore carry the directory's whole merged contents, marked
 * opaque, which needs the lower layers ({@link Builder#lowers}). Without them a redirect is an error, and an opaque
 * directory always gets its marker (as containers/storage does); with them the marker is written only where a
 * lower layer has a directory to hide.
 *
 * <p>The output is reproducible: entries are sorted by name with each directory's contents right after it, owner
 * names are left out (numeric ids only) and times can be fixed with {@link Builder#times}.
 */
public final class LayerDiff {
  private final OverlayNamespace namespace;
  private final List<Path> lowers;
  private final TarWriter.TimePolicy times;

  private LayerDiff(Builder b) {
    this.namespace = b.namespace;
    this.lowers = b.lowers;
    this.times = b.times;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Writes the layer of {@code upper} to {@code out} as an uncompressed tar, end marker included; {@code out} is
   * flushed but not closed.
   */
  public DiffResult write(Path upper, OutputStream out) throws IOException {
    OutputStream unclosed = new NonClosingOutputStream(out);
    try (TarWriter tar = new TarWriter(unclosed, new TarWriter.Options(times, true));
        DiffWalk walk = new DiffWalk(upper, namespace,
            lowers == null ? null : LowerLayers.open(lowers, namespace), tar)) {
      walk.run();
      return walk.result();
    }
  }

  /** How to diff; by default the lower layers are unknown and times are kept. */
  public static final class Builder {
    private OverlayNamespace namespace = OverlayNamespace.forThisProcess();
    private List<Path> lowers;
    private TarWriter.TimePolicy times = TarWriter.TimePolicy.keep();

    private Builder() {}

    /** The namespace the upper directory's overlay xattrs are in (as the mount's {@code userxattr} said). */
    public Builder namespace(OverlayNamespace value) {
      this.namespace = Objects.requireNonNull(value);
      return this;
    }

    /** The overlay's lower layers, the top one first, needed for renamed directories (see the class). */
    public Builder lowers(List<Path> dirs) {
      this.lowers = List.copyOf(dirs);
      return this;
    }

    /** What to do with times: keep them, clamp them or fix them (SOURCE_DATE_EPOCH). */
    public Builder times(TarWriter.TimePolicy value) {
      this.times = Objects.requireNonNull(value);
      return this;
    }

    public LayerDiff build() {
      return new LayerDiff(this);
    }
  }
}
