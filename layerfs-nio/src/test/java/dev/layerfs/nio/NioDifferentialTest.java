package dev.layerfs.nio;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.core.testing.DifferentialSuite;
import dev.layerfs.core.testing.Op;
import dev.layerfs.core.testing.ViewUnderTest;
import dev.layerfs.posix.Posix;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared differential scenarios through the NIO view: the same operations, by {@code Files.*} on one side and
 * system calls on a kernel mount on the other, the same outcomes, merged views and upper layers on disk.
 */
class NioDifferentialTest extends DifferentialSuite {
  private static final int SEQUENCES = Integer.getInteger("layerfs.random.sequences", 1500) / 5;
  private static final AtomicInteger VIEWS = new AtomicInteger();

  /**
   * Opens the view the way a program without a compile-time dependency would: by URI, with the mount options as
   * the map of strings.
   */
  @Override
  protected ViewUnderTest.Factory view() {
    return (options, layers) -> {
      FileSystem fs = FileSystems.newFileSystem(URI.create("overlay:/differential/" + VIEWS.incrementAndGet()),
          OverlayOptions.split(options.toOptionString()));
      return ViewUnderTest.of(new NioFsOps(fs), fs);
    };
  }

  @Override
  protected int sequences() {
    return SEQUENCES;
  }

  @Override
  protected long seedStride() {
    return 31;
  }

  /**
   * java.nio has no RENAME_EXCHANGE, cannot make fifos, cannot show or change inode flags, nor set times to "now".
   * The flags a fixture's objects carry must still guard them here as on the kernel's overlay: the engine refuses
   * what the VFS would.
   */
  @Override
  protected boolean canDo(Op op) {
    return !(op instanceof Op.Mkfifo) && !(op instanceof Op.Rename r && r.flags() == Posix.RENAME_EXCHANGE)
        && !(op instanceof Op.Chattr) && !(op instanceof Op.Lsattr) && !(op instanceof Op.Touch);
  }
}
