package dev.layerfs.oci.store;

import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.layer.LayerAnalysis;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An image's layers with their build steps (from the config's history) and their effect on the files. */
final class HistoryAnalysis {
  private HistoryAnalysis() {}

  static List<LayerHistory> of(LayerStore store, StoredImage image) throws IOException {
    List<StoredLayer> layers = store.layersOf(image);
    List<Path> dirs = layers.stream().map(StoredLayer::directory).toList();
    List<LayerAnalysis.Stats> stats = LayerAnalysis.of(dirs, store.namespace());
    List<ImageConfig.History> steps = image.config().history().stream().filter(h -> !h.emptyLayer()).toList();
    List<LayerHistory> history = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      ImageConfig.History step = steps.size() == layers.size() ? steps.get(i) : null;
      LayerAnalysis.Stats s = stats.get(i);
      history.add(new LayerHistory(layers.get(i).diffId(), step == null ? null : step.created(),
          step == null ? "" : step.createdBy(), layers.get(i).tarSize(), s.added(), s.changed(), s.deleted(),
          s.wasted()));
    }
    return history;
  }
}
