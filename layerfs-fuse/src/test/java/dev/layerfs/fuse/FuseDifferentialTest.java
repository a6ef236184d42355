package dev.layerfs.fuse;

import dev.layerfs.core.testing.DifferentialSuite;
import dev.layerfs.core.testing.Op;
import dev.layerfs.core.testing.PosixFsOps;
import dev.layerfs.core.testing.ViewUnderTest;

/**
 * The shared differential scenarios through a real FUSE mount: the same operations, by system calls, on the
 * kernel's overlayfs and on layerfs mounted over FUSE in this process. This checks the bridge (references, caching,
 * invalidation after copy-ups) and {@code lsattr}/{@code chattr} through {@code FUSE_IOCTL} as much as the engine.
 *
 * <p>{@code -Dlayerfs.fuse.sequences=N} runs more random sequences than CI's default.
 */
class FuseDifferentialTest extends DifferentialSuite {
  static final int SEQUENCES = Integer.getInteger("layerfs.fuse.sequences", 300);

  @Override
  protected ViewUnderTest.Factory view() {
    return (options, layers) -> {
      OverlayMount mount = OverlayMount.mount(layers.merged(), new MountOptions(options, false, true, "layerfs",
          "layerfs", OverlayFileSystem.Settings.DEFAULT, 0));
      return ViewUnderTest.of(new PosixFsOps(layers.merged()), mount);
    };
  }

  @Override
  protected int sequences() {
    return SEQUENCES;
  }

  @Override
  protected int otherOptionsDivisor() {
    return 3;
  }

  @Override
  protected long seedStride() {
    return 7000;
  }

  /**
   * EISDIR or ENOTDIR where the kernel's overlay says EPERM for removing or replacing a protected object of the
   * other type: the VFS checks the type before the flags, and a FUSE inode carries no flags to check (see the
   * README).
   */
  @Override
  protected boolean knownFlagsDifference(Op op, String kernel, String tested) {
    return kernel.equals("EPERM") && (tested.equals("EISDIR") || tested.equals("ENOTDIR"))
        && (op instanceof Op.Unlink || op instanceof Op.Rmdir || op instanceof Op.Rename);
  }
}
