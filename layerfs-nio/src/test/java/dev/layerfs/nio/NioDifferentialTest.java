package dev.layerfs.nio;

import dev.layerfs.core.testing.Differential;
import dev.layerfs.core.testing.Op;
import dev.layerfs.core.testing.ViewUnderTest;
import dev.layerfs.posix.Posix;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's overlayfs against the NIO view, through the shared differential harness: the same operations, by
 * {@code Files.*} on one side and system calls on a kernel mount on the other, the same outcomes, merged views and
 * upper layers on disk.
 */
class NioDifferentialTest {
  private static final int SEQUENCES = Integer.getInteger("layerfs.random.sequences", 1500) / 5;
  private static final AtomicInteger VIEWS = new AtomicInteger();

  @TempDir Path tmp;

  /** Opens the view the way a program without a compile-time dependency would: by URI and option map. */
  private static ViewUnderTest.Factory nioView() {
    return (options, layers) -> {
      FileSystem fs = FileSystems.newFileSystem(URI.create("overlay:/differential/" + VIEWS.incrementAndGet()),
          Map.of("lowerdir", options.lowerDirs(), "upperdir", options.upperDir(), "workdir", options.workDir(),
              "redirect_dir", options.redirectDir().name().toLowerCase(), "metacopy",
              options.metacopy() ? "on" : "off"));
      return ViewUnderTest.of(new NioFsOps(fs), fs);
    };
  }

  /** java.nio has no RENAME_EXCHANGE and cannot make fifos: such operations are left out on both sides. */
  private static boolean nioCanDo(Op op) {
    return !(op instanceof Op.Mkfifo) && !(op instanceof Op.Rename r && r.flags() == Posix.RENAME_EXCHANGE);
  }

  @Test
  void theTutorial() throws Exception {
    new Differential(tmp, nioView(), "redirect_dir=on").checkTutorial();
  }

  @Test
  void newFilesInheritDefaultAcls() throws Exception {
    new Differential(tmp, nioView(), "redirect_dir=on").checkDefaultAcls(NioDifferentialTest::nioCanDo);
  }

  /**
   * java.nio cannot show or change inode flags, nor set times to "now", but the flags the fixture's objects carry
   * must guard them here as on the kernel's overlay: the engine refuses what the VFS would.
   */
  @Test
  void inodeFlagsGuardObjects() throws Exception {
    new Differential(tmp, nioView(), "redirect_dir=on").checkInodeFlags(op -> nioCanDo(op)
        && !(op instanceof Op.Chattr) && !(op instanceof Op.Lsattr) && !(op instanceof Op.Touch));
  }

  @Test
  void metadataOnlyCopyUp() throws Exception {
    new Differential(tmp, nioView(), "metacopy=on").checkMetacopy(NioDifferentialTest::nioCanDo);
  }

  @Test
  void randomSequences() throws Exception {
    new Differential(tmp, nioView(), "redirect_dir=on")
        .checkRandomSequences(SEQUENCES, 4242, 31, false, NioDifferentialTest::nioCanDo);
  }
}
