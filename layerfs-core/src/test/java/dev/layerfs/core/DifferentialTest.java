package dev.layerfs.core;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.ViewUnderTest;
import java.nio.file.Path;
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

  @Test
  void theTutorialsSevenSteps() throws Exception {
    differential("redirect_dir=on").checkTutorial();
  }

  @Test
  void newObjectsInheritDefaultAcls() throws Exception {
    differential("redirect_dir=on").checkDefaultAcls(op -> true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"redirect_dir=on", "redirect_dir=off", "userxattr"})
  void randomSequences(String options) throws Exception {
    int runs = options.equals("redirect_dir=on") ? SEQUENCES : SEQUENCES / 5;
    differential(options).checkRandomSequences(runs, options.hashCode(), 1000, options.contains("userxattr"),
        op -> true);
  }
}
