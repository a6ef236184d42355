package dev.layerfs.core;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.ViewUnderTest;
import dev.layerfs.posix.Mounts;
import dev.layerfs.posix.Names;
import java.nio.file.Files;
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

  @Test
  void metadataOnlyCopyUp() throws Exception {
    differential("metacopy=on").checkMetacopy(op -> true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"metacopy=on", "redirect_dir=on,metacopy=off"})
  void metacopyLayersMadeByTheKernel(String options) throws Exception {
    differential(options).checkKernelMetacopyLayers(op -> true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"redirect_dir=on", "userxattr"})
  void inodeFlags(String options) throws Exception {
    differential(options).checkInodeFlags(op -> true);
  }

  /** Random sequences that also make objects immutable or append-only, so the others run into the refusals. */
  @Test
  void randomSequencesWithInodeFlags() throws Exception {
    differential("redirect_dir=on").checkRandomSequences(SEQUENCES / 3, 0xF1A65L, 1000, false, true, op -> true);
  }

  /**
   * The upper root's {@code overlay.uuid} and the uuid in origin handles, for each of the kernel's choices; on a
   * tmpfs, which has a uuid (the root filesystem of a VM image may have none, and then every choice looks alike).
   */
  @ParameterizedTest
  @ValueSource(strings = {"uuid=on", "uuid=off", "uuid=null", "uuid=auto"})
  void uuidChoices(String uuid) throws Exception {
    Path fs = Files.createDirectory(tmp.resolve("tmpfs"));
    byte[] target = Names.bytes(fs.toString());
    Mounts.mount("layerfs-test", target, "tmpfs", Mounts.MS_NOSUID | Mounts.MS_NODEV, "size=64m");
    try {
      new Differential(fs, ViewUnderTest.engine(), "redirect_dir=on," + uuid)
          .checkRandomSequences(SEQUENCES / 15, uuid.hashCode(), 1000, false, op -> true);
    } finally {
      Mounts.umount2(target, Mounts.MNT_DETACH);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"redirect_dir=on", "redirect_dir=off", "userxattr", "metacopy=on"})
  void randomSequences(String options) throws Exception {
    int runs = options.equals("redirect_dir=on") ? SEQUENCES : SEQUENCES / 5;
    differential(options).checkRandomSequences(runs, options.hashCode(), 1000, options.contains("userxattr"),
        op -> true);
  }
}
