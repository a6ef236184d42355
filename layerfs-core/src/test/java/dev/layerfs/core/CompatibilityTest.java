package dev.layerfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.EngineFsOps;
import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.core.testing.LayerFixture;
import dev.layerfs.core.testing.Op;
import dev.layerfs.core.testing.PosixFsOps;
import dev.layerfs.core.testing.RandomScenarios;
import dev.layerfs.core.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-disk format both ways: what layerfs leaves in upper, the kernel mounts and shows as the same tree
 * (redirects and opaque directories included), and what a kernel mount leaves, layerfs opens and shows the same.
 */
class CompatibilityTest {
  private static final int SEQUENCES = Integer.getInteger("layerfs.random.sequences", 1500) / 10;

  @TempDir Path tmp;

  /** One side of the round trip: applies operations to layers, or only reads them, and answers the view. */
  private interface Side {
    TreeSnapshot session(String options, Path mountPoint, List<Op> ops) throws Exception;
  }

  private static final Side ENGINE = (options, mountPoint, ops) -> {
    try (Overlay overlay = Overlay.open(OverlayOptions.parse(options))) {
      EngineFsOps fs = new EngineFsOps(overlay);
      ops.forEach(op -> op.applyTo(fs));
      return TreeSnapshot.ofView(fs);
    }
  };

  private static final Side KERNEL = (options, mountPoint, ops) -> {
    try (KernelOverlay kernel = KernelOverlay.mount(options, mountPoint)) {
      PosixFsOps fs = new PosixFsOps(kernel.path());
      ops.forEach(op -> op.applyTo(fs));
      return TreeSnapshot.ofView(fs);
    }
  };

  /** Random operations on one side, then the other side opens the same layers and must show the same tree. */
  private void roundTrips(long firstSeed, Side writer, Side reader, String writerName, String readerName)
      throws Exception {
    for (int i = 0; i < SEQUENCES; i++) {
      long seed = firstSeed + i;
      Path root = Files.createTempDirectory(tmp, "round-trip");
      LayerFixture.Layers layers = LayerFixture.random(seed, 2, seed % 3 == 0, false).build(root);
      String options = layers.options() + ",redirect_dir=on";
      TreeSnapshot written = writer.session(options, layers.merged(), RandomScenarios.generate(seed, 12));
      TreeSnapshot read = reader.session(options, layers.merged(), List.of());
      assertEquals(written, read, "seed " + seed + ":\n" + written.diff(read, writerName, readerName));
      Differential.removeTree(root);
    }
  }

  @Test
  void theKernelMountsWhatLayerfsWrote() throws Exception {
    roundTrips(7_000_000L, ENGINE, KERNEL, "layerfs", "kernel");
  }

  @Test
  void layerfsOpensWhatTheKernelWrote() throws Exception {
    roundTrips(8_000_000L, KERNEL, ENGINE, "kernel", "layerfs");
  }
}
