package dev.layerfs.fuse;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.Op;
import dev.layerfs.core.testing.PosixFsOps;
import dev.layerfs.core.testing.ViewUnderTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The core's differential test run through a real FUSE mount: the same operations, by system calls, on the kernel's
 * overlayfs and on layerfs mounted over FUSE, must give the same outcomes, views and upper layers. This checks the
 * bridge (references, caching, invalidation after copy-ups) as much as the engine.
 *
 * <p>{@code -Dlayerfs.fuse.sequences=N} runs more random sequences than CI's default.
 */
class FuseDifferentialTest {
  static final int SEQUENCES = Integer.getInteger("layerfs.fuse.sequences", 300);

  @TempDir Path tmp;

  /** Mounts layerfs over FUSE in this process on the tested copy of the layers. */
  static ViewUnderTest.Factory fuse() {
    return (options, layers) -> {
      OverlayMount mount = OverlayMount.mount(layers.merged(), new MountOptions(options, false, true, "layerfs",
          "layerfs", OverlayFileSystem.Settings.DEFAULT, 0));
      return ViewUnderTest.of(new PosixFsOps(layers.merged()), mount);
    };
  }

  private Differential differential(String options) {
    return new Differential(tmp, fuse(), options);
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

  /** {@code lsattr}/{@code chattr} through FUSE_IOCTL, and the refusals the engine makes for the VFS. */
  @ParameterizedTest
  @ValueSource(strings = {"redirect_dir=on", "userxattr"})
  void inodeFlags(String options) throws Exception {
    differential(options).checkInodeFlags(op -> true);
  }

  /**
   * Random sequences that also make objects immutable or append-only. Allowed: EISDIR or ENOTDIR where the kernel's
   * overlay says EPERM for removing or replacing a protected object of the other type, since the VFS checks the
   * type before the flags and a FUSE inode carries no flags to check (see the README).
   */
  @Test
  void randomSequencesWithInodeFlags() throws Exception {
    differential("redirect_dir=on").allowing(FuseDifferentialTest::typeCheckedBeforeFlags)
        .checkRandomSequences(SEQUENCES / 3, 0xF1A65L, 1000, false, true, op -> true);
  }

  private static boolean typeCheckedBeforeFlags(Op op, String kernel, String tested) {
    return kernel.equals("EPERM") && (tested.equals("EISDIR") || tested.equals("ENOTDIR"))
        && (op instanceof Op.Unlink || op instanceof Op.Rmdir || op instanceof Op.Rename);
  }

  @ParameterizedTest
  @ValueSource(strings = {"redirect_dir=on", "redirect_dir=off", "userxattr", "metacopy=on"})
  void randomSequences(String options) throws Exception {
    int runs = options.equals("redirect_dir=on") ? SEQUENCES : SEQUENCES / 3;
    differential(options).checkRandomSequences(runs, options.hashCode(), 7000, options.contains("userxattr"),
        op -> true);
  }
}
