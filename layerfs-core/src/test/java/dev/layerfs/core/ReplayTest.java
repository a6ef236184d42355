package dev.layerfs.core;

import dev.layerfs.core.testing.*;
import java.nio.file.*;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debug aid: replays one random seed with -Dseed=N -Dopts=... and prints the engine's exceptions. */
class ReplayTest {
  @TempDir Path tmp;

  @Test
  void replay() throws Exception {
    Long seed = Long.getLong("seed");
    if (seed == null) return;
    String options = System.getProperty("opts", "redirect_dir=on");
    boolean ux = options.contains("userxattr");
    LayerFixture fixture = LayerFixture.random(seed, 1 + (int) Math.floorMod(seed, 3), seed % 2 == 0, ux);
    List<Op> ops = RandomScenarios.generate(seed, 8);
    LayerFixture.Layers t = fixture.build(tmp);
    try (Overlay o = Overlay.open(OverlayOptions.parse(t.options() + "," + options))) {
      EngineFsOps fs = new EngineFsOps(o);
      for (Op op : ops) {
        try { System.out.println(op + " -> " + op.run(fs)); } catch (Exception e) { System.out.println(op); e.printStackTrace(System.out); }
      }
    }
  }
}
