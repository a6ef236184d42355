package dev.layerfs.core.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential scenarios every front end runs against the kernel's overlayfs, so that a scenario added here
 * reaches the engine, the FUSE mount and the NIO view alike: the same operations on two copies of the same layers
 * must give the same outcomes, the same merged view and the same upper layer on disk.
 *
 * <p>A front end's test class says how its view is opened, which operations it cannot express (left out on both
 * sides), which outcomes it may give instead of the kernel's, and how many random sequences it can afford.
 */
public abstract class DifferentialSuite {
  /** The option set most sequences run with; the others run a share of them. */
  protected static final String MAIN_OPTIONS = "redirect_dir=on";

  @TempDir protected Path tmp;

  /** Opens the view under test on its copy of the layers. */
  protected abstract ViewUnderTest.Factory view();

  /** How many random sequences to run with {@link #MAIN_OPTIONS}. */
  protected abstract int sequences();

  /** Each other option set runs one in this many of {@link #sequences}. */
  protected int otherOptionsDivisor() {
    return 5;
  }

  /**
   * The distance between the seeds of consecutive random sequences. Front ends use different strides, so that
   * together they try more sequences than any one of them.
   */
  protected abstract long seedStride();

  /** Whether the view can express {@code op}; the operations it cannot are left out on both sides. */
  protected boolean canDo(Op op) {
    return true;
  }

  /**
   * An outcome this view may give instead of the kernel's in the random sequences that set inode flags; each front
   * end explains its own. Every other scenario must give the kernel's exact outcomes.
   */
  protected boolean knownFlagsDifference(Op op, String kernel, String tested) {
    return false;
  }

  protected final Differential differential(String options) {
    return new Differential(tmp, view(), options);
  }

  @Test
  void theTutorialsSevenSteps() throws Exception {
    differential(MAIN_OPTIONS).checkTutorial();
  }

  @Test
  void newObjectsInheritDefaultAcls() throws Exception {
    differential(MAIN_OPTIONS).checkDefaultAcls(this::canDo);
  }

  @Test
  void renamesBetweenLinksOfOneFile() throws Exception {
    differential(MAIN_OPTIONS).checkRenamesBetweenLinks(this::canDo);
  }

  @Test
  void metadataOnlyCopyUp() throws Exception {
    differential("metacopy=on").checkMetacopy(this::canDo);
  }

  @ParameterizedTest
  @ValueSource(strings = {"metacopy=on", "redirect_dir=on,metacopy=off"})
  void metacopyLayersMadeByTheKernel(String options) throws Exception {
    differential(options).checkKernelMetacopyLayers(this::canDo);
  }

  /** {@code lsattr}/{@code chattr}, where the view has them, and the refusals the engine makes for the VFS. */
  @ParameterizedTest
  @ValueSource(strings = {MAIN_OPTIONS, "userxattr"})
  void inodeFlags(String options) throws Exception {
    differential(options).checkInodeFlags(this::canDo);
  }

  /** Random sequences that also make objects immutable or append-only, so the others run into the refusals. */
  @Test
  void randomSequencesWithInodeFlags() throws Exception {
    differential(MAIN_OPTIONS).allowing(this::knownFlagsDifference)
        .checkRandomSequences(sequences() / 3, 0xF1A65L, seedStride(), false, true, this::canDo);
  }

  @ParameterizedTest
  @ValueSource(strings = {MAIN_OPTIONS, "redirect_dir=off", "userxattr", "metacopy=on"})
  void randomSequences(String options) throws Exception {
    int count = options.equals(MAIN_OPTIONS) ? sequences() : sequences() / otherOptionsDivisor();
    differential(options).checkRandomSequences(count, options.hashCode(), seedStride(),
        options.contains("userxattr"), this::canDo);
  }
}
