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

  @Test
  void theKernelMountsWhatLayerfsWrote() throws Exception {
    for (int i = 0; i < SEQUENCES; i++) {
      long seed = 7_000_000L + i;
      Path root = Files.createTempDirectory(tmp, "l2k");
      LayerFixture.Layers layers = LayerFixture.random(seed, 2, seed % 3 == 0, false).build(root);
      String options = layers.options() + ",redirect_dir=on";
      TreeSnapshot ours;
      try (Overlay overlay = Overlay.open(OverlayOptions.parse(options))) {
        EngineFsOps fs = new EngineFsOps(overlay);
        for (Op op : RandomScenarios.generate(seed, 12)) {
          op.applyTo(fs);
        }
        ours = TreeSnapshot.ofView(fs);
      }
      try (KernelOverlay kernel = KernelOverlay.mount(options, layers.merged())) {
        TreeSnapshot theirs = TreeSnapshot.ofView(new PosixFsOps(kernel.path()));
        assertEquals(ours, theirs, "seed " + seed + ":\n" + ours.diff(theirs, "layerfs", "kernel"));
      }
      Differential.removeTree(root);
    }
  }

  @Test
  void layerfsOpensWhatTheKernelWrote() throws Exception {
    for (int i = 0; i < SEQUENCES; i++) {
      long seed = 8_000_000L + i;
      Path root = Files.createTempDirectory(tmp, "k2l");
      LayerFixture.Layers layers = LayerFixture.random(seed, 2, seed % 3 == 0, false).build(root);
      String options = layers.options() + ",redirect_dir=on";
      TreeSnapshot theirs;
      try (KernelOverlay kernel = KernelOverlay.mount(options, layers.merged())) {
        PosixFsOps fs = new PosixFsOps(kernel.path());
        List<Op> ops = RandomScenarios.generate(seed, 12);
        for (Op op : ops) {
          op.applyTo(fs);
        }
        theirs = TreeSnapshot.ofView(fs);
      }
      try (Overlay overlay = Overlay.open(OverlayOptions.parse(options))) {
        TreeSnapshot ours = TreeSnapshot.ofView(new EngineFsOps(overlay));
        assertEquals(theirs, ours, "seed " + seed + ":\n" + theirs.diff(ours, "kernel", "layerfs"));
      }
      Differential.removeTree(root);
    }
  }
}
