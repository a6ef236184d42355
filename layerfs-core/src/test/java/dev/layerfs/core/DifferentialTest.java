package dev.layerfs.core;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.LayerFixture;
import dev.layerfs.core.testing.Op;
import dev.layerfs.core.testing.ViewUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine against the kernel's overlayfs: the same operations on two copies of the same layers must give the
 * same outcomes, the same merged view and the same upper layer on disk.
 *
 * <p>{@code -Dlayerfs.random.sequences=N} runs more random sequences than CI's default.
 */
class DifferentialTest {
  static final int SEQUENCES = Integer.getInteger("layerfs.random.sequences", 1500);

  @TempDir Path tmp;

  private Differential differential(String options) {
    return new Differential(tmp, ViewUnderTest.engine(), options);
  }

  static LayerFixture tutorialLayers() {
    return new LayerFixture(1, (lowers, upper) -> {
      Files.writeString(lowers.get(0).resolve("file1.txt"), "hello from lower\n");
      LayerFixture.setTimes(lowers.get(0), java.util.Map.of("file1.txt", 'f'), 0);
    });
  }

  @Test
  void theTutorialsSevenSteps() throws Exception {
    List<Op> steps = List.of(
        new Op.List(""),
        new Op.Read("file1.txt"),
        new Op.Write("file2.txt", "hello from upper\n", true),
        new Op.List(""),
        new Op.Write("file1.txt", "changed in merged\n", true),
        new Op.Read("file1.txt"),
        new Op.Unlink("file1.txt"),
        new Op.List(""));
    assertNull(differential("redirect_dir=on").run(tutorialLayers(), steps));
  }

  @ParameterizedTest
  @ValueSource(strings = {"redirect_dir=on", "redirect_dir=off", "userxattr"})
  void randomSequences(String options) throws Exception {
    int runs = options.equals("redirect_dir=on") ? SEQUENCES : SEQUENCES / 5;
    differential(options).checkRandomSequences(runs, options.hashCode(), 1000, options.contains("userxattr"),
        op -> true);
  }
}
