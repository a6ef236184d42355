package dev.layerfs.core;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.DifferentialSuite;
import dev.layerfs.core.testing.ViewUnderTest;
import dev.layerfs.posix.Mounts;
import dev.layerfs.posix.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine, called directly, against the kernel's overlayfs: the shared differential scenarios, with the most
 * random sequences of any front end since the engine runs them fastest.
 *
 * <p>{@code -Dlayerfs.random.sequences=N} runs more random sequences than CI's default.
 */
class DifferentialTest extends DifferentialSuite {
  static final int SEQUENCES = Integer.getInteger("layerfs.random.sequences", 1500);

  @Override
  protected ViewUnderTest.Factory view() {
    return ViewUnderTest.engine();
  }

  @Override
  protected int sequences() {
    return SEQUENCES;
  }

  @Override
  protected long seedStride() {
    return 1000;
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
      new Differential(fs, view(), MAIN_OPTIONS + "," + uuid)
          .checkRandomSequences(SEQUENCES / 15, uuid.hashCode(), seedStride(), false, op -> true);
    } finally {
      Mounts.umount2(target, Mounts.MNT_DETACH);
    }
  }
}
