package dev.layerfs.core.testing;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
          TreeSnapshot kv = TreeSnapshot.ofView(kfs, tfs);
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
   * New objects in a directory with a default ACL get its ACLs and a mode masked by them instead of the umask, both
   * when made in place and when built in the work dir over a whiteout, in a lower directory copied up for them and
   * in a directory that is only in upper; fails with the first difference. {@code supported} drops the operations
   * a view cannot express.
   */
  public void checkDefaultAcls(java.util.function.Predicate<Op> supported) throws Exception {
    short[][] baseOnly = {{0x01, 7, -1}, {0x04, 5, -1}, {0x20, 0, -1}};
    short[][] named = {{0x01, 7, -1}, {0x02, 6, 1234}, {0x04, 5, -1}, {0x10, 7, -1}, {0x20, 4, -1}};
    LayerFixture fixture = new LayerFixture(1, (lowers, upper) -> {
      for (String dir : List.of("base", "named", "up")) {
        Path layer = dir.equals("up") ? upper : lowers.get(0);
        Files.createDirectory(layer.resolve(dir));
        Files.writeString(layer.resolve(dir + "/gone"), "lower\n");
        Files.createDirectory(layer.resolve(dir + "/gonedir"));
        Xattrs.set(Posix.AT_FDCWD, Names.bytes(layer.resolve(dir).toString()), "system.posix_acl_default",
            acl(dir.equals("base") ? baseOnly : named), 0);
      }
    });
    List<Op> ops = new ArrayList<>();
    for (String dir : List.of("base", "named", "up")) {
      ops.addAll(List.of(
          new Op.Write(dir + "/new", "new\n", true),
          new Op.Mkdir(dir + "/sub", 0777),
          new Op.Write(dir + "/sub/deeper", "deeper\n", true),
          new Op.Mkfifo(dir + "/fifo"),
          new Op.Symlink("new", dir + "/link"),
          new Op.Unlink(dir + "/gone"),
          new Op.Write(dir + "/gone", "over a whiteout\n", true),
          new Op.Rmdir(dir + "/gonedir"),
          new Op.Mkdir(dir + "/gonedir", 0750),
          new Op.Lstat(dir + "/gone"),
          new Op.Lstat(dir + "/gonedir")));
    }
    String difference = run(fixture, ops.stream().filter(supported).toList());
    if (difference != null) {
      throw new AssertionError("default ACLs (" + extraOptions + "): " + difference);
    }
  }

  /** The xattr form of an ACL: entries of tag, permissions and id (-1 for the owner, group, mask and other). */
  private static byte[] acl(short[][] entries) {
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
    for (short[] e : entries) {
      b.putShort(e[0]).putShort(e[1]).putInt(e[2]);
    }
    return b.array();
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
