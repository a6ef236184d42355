package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.MediaTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The store's {@code index.json}: one entry per image name (or one without a name for a dangling image). */
final class IndexFile {
  private IndexFile() {}

  static ImageIndex read(Path file) throws IOException {
    return ImageIndex.fromJson(Files.readAllBytes(file));
  }

  /** Replaces the index; the caller holds the store's record lock. */
  static void write(LayerStore store, List<Descriptor> entries) throws IOException {
    Durable.write(store.root().resolve("index.json"), ImageIndex.of(MediaTypes.OCI_INDEX, entries).toJson(),
        store.tmp());
  }
}
