package dev.layerfs.core.testing;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs one scenario on the kernel's overlayfs and on an implementation under test, each on its own copy of the
 * same fixture, and reports the first difference: an operation's outcome, the merged view afterwards, the upper
 * layer on disk, or a lower layer that changed.
 */
public final class Differential {
  private final Path scratch;
  private final ViewUnderTest.Factory factory;
  private final String extraOptions;

  /**
   * @param extraOptions kernel mount options both sides get besides the layer dirs, such as
   *     {@code redirect_dir=on} or {@code userxattr}
   */
  public Differential(Path scratch, ViewUnderTest.Factory factory, String extraOptions) {
    this.scratch = scratch;
    this.factory = factory;
    this.extraOptions = extraOptions;
  }

  /** Runs the scenario; answers null when both sides agree, else a description of the first difference. */
  public String run(LayerFixture fixture, List<Op> ops) throws Exception {
    Path kRoot = Files.createTempDirectory(scratch, "kernel");
    Path tRoot = Files.createTempDirectory(scratch, "tested");
    try {
      LayerFixture.Layers k = fixture.build(kRoot);
      LayerFixture.Layers t = fixture.build(tRoot);
      List<TreeSnapshot> lowerBefore = lowerSnapshots(t);
      String kOpts = k.options() + (extraOptions.isEmpty() ? "" : "," + extraOptions);
      String tOpts = t.options() + (extraOptions.isEmpty() ? "" : "," + extraOptions);
      String difference;
      try (KernelOverlay kernel = KernelOverlay.mount(kOpts, k.merged());
          ViewUnderTest tested = factory.open(OverlayOptions.parse(tOpts), t)) {
        FsOps kfs = new PosixFsOps(kernel.path());
        FsOps tfs = tested.ops();
        difference = compareOps(ops, kfs, tfs);
        if (difference == null) {
          TreeSnapshot kv = TreeSnapshot.ofView(kfs);
          TreeSnapshot tv = TreeSnapshot.ofView(tfs);
          if (!kv.equals(tv)) {
            difference = "merged views differ after all operations:\n" + kv.diff(tv, "kernel", "layerfs");
          }
        }
      }
      if (difference == null) {
        TreeSnapshot ku = TreeSnapshot.ofDisk(k.upper(), k.lowers());
        TreeSnapshot tu = TreeSnapshot.ofDisk(t.upper(), t.lowers());
        if (!ku.equals(tu)) {
          difference = "upper layers on disk differ:\n" + ku.diff(tu, "kernel", "layerfs");
        }
      }
      if (difference == null && !lowerBefore.equals(lowerSnapshots(t))) {
        difference = "a lower layer was changed";
      }
      return difference;
    } finally {
      removeTree(kRoot);
      removeTree(tRoot);
    }
  }

  private static String compareOps(List<Op> ops, FsOps kernel, FsOps tested) {
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String a = op.applyTo(kernel);
      String b = op.applyTo(tested);
      if (!a.equals(b)) {
        return "operation " + (i + 1) + " (" + op + ") gave '" + a + "' on the kernel and '" + b + "' on layerfs";
      }
    }
    return null;
  }

  private static List<TreeSnapshot> lowerSnapshots(LayerFixture.Layers layers) throws IOException {
    List<TreeSnapshot> out = new ArrayList<>();
    for (Path l : layers.lowers()) {
      out.add(TreeSnapshot.ofDisk(l, List.of()));
    }
    return out;
  }

  /**
   * Shrinks a failing scenario by dropping operations while it still fails, so the report shows the shortest
   * sequence found.
   */
  public List<Op> shrink(LayerFixture fixture, List<Op> failing) throws Exception {
    List<Op> current = new ArrayList<>(failing);
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = current.size() - 1; i >= 0; i--) {
        List<Op> candidate = new ArrayList<>(current);
        candidate.remove(i);
        if (run(fixture, candidate) != null) {
          current = candidate;
          progress = true;
        }
      }
    }
    return current;
  }

  /**
   * The seed tutorial's seven steps (a lower {@code file1.txt}; list, read, create {@code file2.txt}, overwrite
   * {@code file1.txt}, which copies it up, delete it, which leaves a whiteout); fails with the first difference.
   */
  public void checkTutorial() throws Exception {
    LayerFixture tutorial = new LayerFixture(1, (lowers, upper) -> {
      Files.writeString(lowers.get(0).resolve("file1.txt"), "hello from lower\n");
      LayerFixture.setTimes(lowers.get(0), java.util.Map.of("file1.txt", 'f'), 0);
    });
    List<Op> steps = List.of(
        new Op.List(""),
        new Op.Read("file1.txt"),
        new Op.Write("file2.txt", "hello from upper\n", true),
        new Op.List(""),
        new Op.Write("file1.txt", "changed in merged\n", true),
        new Op.Read("file1.txt"),
        new Op.Unlink("file1.txt"),
        new Op.List(""));
    String difference = run(tutorial, steps);
    if (difference != null) {
      throw new AssertionError("the tutorial (" + extraOptions + "): " + difference);
    }
  }

  /**
   * Runs {@code count} random scenarios, the i-th from the seed {@code seedBase + seedStride * i}, and fails with the
   * seed and the shortest failing sequence at the first difference. {@code supported} drops the operations a view
   * cannot express (all are kept by {@code op -> true}).
   */
  public void checkRandomSequences(int count, long seedBase, long seedStride, boolean userXattr,
      java.util.function.Predicate<Op> supported) throws Exception {
    for (int i = 0; i < count; i++) {
      long seed = seedBase + seedStride * i;
      LayerFixture fixture = LayerFixture.random(seed, 1 + (int) Math.floorMod(seed, 3), seed % 2 == 0, userXattr);
      List<Op> ops = RandomScenarios.generate(seed, 8).stream().filter(supported).toList();
      String difference = run(fixture, ops);
      if (difference != null) {
        List<Op> shortest = shrink(fixture, ops);
        throw new AssertionError("seed " + seed + " (" + extraOptions + "): " + run(fixture, shortest)
            + "\nshortest sequence:\n" + Op.describe(shortest) + "original sequence:\n" + Op.describe(ops));
      }
    }
  }

  /** Removes a scratch tree, including read-only and mode-0 directories the tests make. */
  public static void removeTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Posix.fchmodat(Posix.AT_FDCWD, Names.bytes(p.toString()), 0700);
        }
        Files.delete(p);
      }
    }
  }
}
