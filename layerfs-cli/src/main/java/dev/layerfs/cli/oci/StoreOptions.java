package dev.layerfs.cli.oci;

import dev.layerfs.oci.store.LayerStore;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --root}: which store a command works on, shared by every store command. */
public final class StoreOptions {
  @Option(names = "--root", paramLabel = "DIR", description = {
      "The layer store (default: $LAYERFS_ROOT, else /var/lib/layerfs as root, else",
      "$XDG_DATA_HOME/layerfs, i.e. ~/.local/share/layerfs)."})
  Path root;

  /** Opens the store, creating it on first use. */
  public LayerStore open() throws IOException {
    return LayerStore.open(root != null ? root : LayerStore.defaultRoot());
  }
}
