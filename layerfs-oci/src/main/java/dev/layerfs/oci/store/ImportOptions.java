package dev.layerfs.oci.store;

import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Platform;
import java.util.Objects;
import java.util.Optional;

/**
 * How to import images.
 *
 * @param name a name for the imported image instead of the archive's own (the archive must hold one image)
 * @param platform which image of a multi-platform index to take
 */
public record ImportOptions(Optional<ImageReference> name, Platform platform) {
  public static final ImportOptions DEFAULTS = new ImportOptions(Optional.empty(), Platform.host());

  public ImportOptions {
    Objects.requireNonNull(name);
    Objects.requireNonNull(platform);
  }

  public ImportOptions withName(ImageReference reference) {
    return new ImportOptions(Optional.of(reference), platform);
  }

  public ImportOptions withPlatform(Platform value) {
    return new ImportOptions(name, value);
  }
}
