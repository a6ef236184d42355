package dev.layerfs.core.testing;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
  private final KnownDifference known;

  /**
   * @param extraOptions kernel mount options both sides get besides the layer dirs, such as
   *     {@code redirect_dir=on} or {@code userxattr}
   */
  public Differential(Path scratch, ViewUnderTest.Factory factory, String extraOptions) {
    this(scratch, factory, extraOptions, (op, kernel, tested) -> false);
  }

  private Differential(Path scratch, ViewUnderTest.Factory factory, String extraOptions, KnownDifference known) {
    this.scratch = scratch;
    this.factory = factory;
    this.extraOptions = extraOptions;
    this.known = known;
  }

  /**
   * An outcome a view may give instead of the kernel's, where its frontend cannot give the kernel's (each one named
   * and explained where it is allowed); both sides must still end in the same state.
   */
  public interface KnownDifference {
    boolean allows(Op op, String kernel, String tested);
  }

  /** This differential, taking {@code difference} as agreement. */
  public Differential allowing(KnownDifference difference) {
    return new Differential(scratch, factory, extraOptions, difference);
  }

  /** Runs the scenario; answers null when both sides agree, else a description of the first difference. */
  public String run(LayerFixture fixture, List<Op> ops) throws Exception {
    return run(fixture, ops, false);
  }

  /**
   * Runs the scenario; with {@code swap} the blocks files take are compared too, and afterwards each side's layers
   * are opened by the other (the kernel mounts the tested side's layers, the tested side opens the kernel's): both
   * must show the kernel's merged view.
   */
  private String run(LayerFixture fixture, List<Op> ops, boolean swap) throws Exception {
    Path kRoot = Files.createTempDirectory(scratch, "kernel");
    Path tRoot = Files.createTempDirectory(scratch, "tested");
    try {
      LayerFixture.Layers k = fixture.build(kRoot);
      LayerFixture.Layers t = fixture.build(tRoot);
      List<TreeSnapshot> lowerBefore = lowerSnapshots(t);
      String kOpts = k.options() + (extraOptions.isEmpty() ? "" : "," + extraOptions);
      String tOpts = t.options() + (extraOptions.isEmpty() ? "" : "," + extraOptions);
      String difference;
      TreeSnapshot kv = null;
      try (KernelOverlay kernel = KernelOverlay.mount(kOpts, k.merged());
          ViewUnderTest tested = factory.open(OverlayOptions.parse(tOpts), t)) {
        FsOps kfs = new PosixFsOps(kernel.path());
        FsOps tfs = tested.ops();
        difference = compareOps(ops, kfs, tfs);
        if (difference == null) {
          kv = TreeSnapshot.ofView(kfs, tfs, swap);
          TreeSnapshot tv = TreeSnapshot.ofView(tfs, tfs, swap);
          if (!kv.equals(tv)) {
            difference = "merged views differ after all operations:\n" + kv.diff(tv, "kernel", "layerfs");
          }
        }
      }
      if (difference == null) {
        TreeSnapshot ku = TreeSnapshot.ofDisk(k.upper(), k.lowers(), swap);
        TreeSnapshot tu = TreeSnapshot.ofDisk(t.upper(), t.lowers(), swap);
        if (!ku.equals(tu)) {
          difference = "upper layers on disk differ:\n" + ku.diff(tu, "kernel", "layerfs");
        }
      }
      if (difference == null && !lowerBefore.equals(lowerSnapshots(t))) {
        difference = "a lower layer was changed";
      }
      if (difference == null && swap) {
        difference = swapped(kv, k, kOpts, t, tOpts);
      }
      return difference;
    } finally {
      removeTree(kRoot);
      removeTree(tRoot);
    }
  }

  /**
   * The kernel on the tested side's layers and the tested side on the kernel's, each against the kernel's view of
   * its own layers.
   */
  private String swapped(TreeSnapshot kernelView, LayerFixture.Layers k, String kOpts, LayerFixture.Layers t,
      String tOpts) throws Exception {
    try (KernelOverlay kernel = KernelOverlay.mount(tOpts, t.merged())) {
      FsOps kfs = new PosixFsOps(kernel.path());
      try (ViewUnderTest tested = factory.open(OverlayOptions.parse(kOpts), k)) {
        TreeSnapshot kernelOnTested = TreeSnapshot.ofView(kfs, tested.ops(), true);
        if (!kernelView.equals(kernelOnTested)) {
          return "the kernel shows layerfs's layers differently:\n"
              + kernelView.diff(kernelOnTested, "kernel", "kernel on layerfs's layers");
        }
        TreeSnapshot testedOnKernel = TreeSnapshot.ofView(tested.ops(), tested.ops(), true);
        if (!kernelView.equals(testedOnKernel)) {
          return "layerfs shows the kernel's layers differently:\n"
              + kernelView.diff(testedOnKernel, "kernel", "layerfs on the kernel's layers");
        }
      }
    }
    return null;
  }

  /** Runs a fixed scenario and fails with its name and the first difference. */
  private void check(String scenario, LayerFixture fixture, List<Op> ops, boolean swap) throws Exception {
    String difference = run(fixture, ops, swap);
    if (difference != null) {
      throw new AssertionError(scenario + " (" + extraOptions + "): " + difference);
    }
  }

  private String compareOps(List<Op> ops, FsOps kernel, FsOps tested) {
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      String a = op.applyTo(kernel);
      String b = op.applyTo(tested);
      if (!a.equals(b) && !known.allows(op, a, b)) {
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
    check("the tutorial", tutorial, steps, false);
  }

  /**
   * Renames between hard links of one file. Links of a lower file are separate overlay inodes on the kernel's
   * overlay (without {@code index=on}), so renaming or exchanging one with another copies up and leaves whiteouts
   * like for any two files, also when one of them was copied up before; links of one upper file share an inode, and
   * the rename does nothing. {@code supported} drops the operations a view cannot express.
   */
  public void checkRenamesBetweenLinks(java.util.function.Predicate<Op> supported) throws Exception {
    LayerFixture fixture = new LayerFixture(1, (lowers, upper) -> {
      Path lower = lowers.get(0);
      Files.createDirectory(lower.resolve("dir"));
      for (String[] links : List.of(new String[] {"a", "b"}, new String[] {"c", "d", "e"},
          new String[] {"x", "dir/x2"})) {
        Files.writeString(lower.resolve(links[0]), "lower " + links[0] + "\n");
        for (int i = 1; i < links.length; i++) {
          Files.createLink(lower.resolve(links[i]), lower.resolve(links[0]));
        }
      }
      LayerFixture.setTimes(lower, java.util.Map.of("dir", 'd', "a", 'f', "c", 'f', "x", 'f'), 0);
      Files.writeString(upper.resolve("u"), "upper u\n");
      Files.createLink(upper.resolve("v"), upper.resolve("u"));
    });
    List<Op> ops = List.of(
        new Op.Rename("b", "a", 0),
        new Op.Rename("c", "d", 2),
        new Op.Chmod("e", 0600),
        new Op.Rename("e", "c", 0),
        new Op.Rename("x", "dir/x2", 0),
        new Op.Rename("u", "v", 0),
        new Op.Rename("u", "v", 1),
        new Op.List(""),
        new Op.List("dir"),
        new Op.Lstat("a"),
        new Op.Lstat("c"),
        new Op.Lstat("d"),
        new Op.Lstat("v"));
    check("renames between links", fixture, ops.stream().filter(supported).toList(), false);
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
    check("default ACLs", fixture, ops.stream().filter(supported).toList(), false);
  }

  /**
   * Metadata-only copy-up ({@code metacopy=on}) of files in two lower layers: attribute, owner, time and xattr
   * changes that copy up only metadata, reads through them, the data copy-up of a first open for writing (which
   * changes the file's times even without a write) or truncation, a
   * rename (in the directory: a relative redirect; out of it: an absolute one) and a hard link (an absolute redirect)
   * of metacopy files before their data is copied up, and a removal; then each side's layers opened by the other.
   * The blocks of files are compared too: a metacopy file is a hole the size of its data. {@code supported} drops the
   * operations a view cannot express.
   */
  public void checkMetacopy(java.util.function.Predicate<Op> supported) throws Exception {
    LayerFixture fixture = new LayerFixture(2, (lowers, upper) -> {
      Path top = lowers.get(0);
      Path bottom = lowers.get(1);
      java.util.Map<String, Character> bottomKinds = dataFiles(bottom, "f", "g", "d/h", "mv", "sp", "ln", "gone",
          "trunc", "xa", "otrunc", "ow", "empty");
      Files.writeString(bottom.resolve("empty"), "");
      try (var channel = java.nio.channels.FileChannel.open(bottom.resolve("sp"),
          java.nio.file.StandardOpenOption.WRITE)) {
        channel.write(ByteBuffer.wrap("after a hole\n".getBytes()), 1 << 20);
      }
      Files.createLink(bottom.resolve("g2"), bottom.resolve("g"));
      Xattrs.set(Posix.AT_FDCWD, Names.bytes(bottom.resolve("xa").toString()), "user.note", Names.bytes("lower"), 0);
      LayerFixture.setTimes(bottom, bottomKinds, 0);
      Files.createDirectory(top.resolve("d"));
      Files.writeString(top.resolve("t"), "data of t in the top layer\n");
      Files.writeString(top.resolve("d/i"), "data of d/i in the top layer\n");
      LayerFixture.setTimes(top, java.util.Map.of("d", 'd', "t", 'f', "d/i", 'f'), 1000);
    });
    List<Op> ops = List.of(
        new Op.Chmod("f", 0600),
        new Op.Chown("g", 12, 34),
        new Op.Utimes("d/h", 1000),
        new Op.SetXattr("sp", "user.x", "1"),
        new Op.Chmod("t", 0640),
        new Op.Chmod("empty", 0444),
        new Op.Read("f"),
        new Op.Read("g"),
        new Op.Read("g2"),
        new Op.Read("sp"),
        new Op.Read("t"),
        new Op.Lstat("f"),
        new Op.Lstat("g"),
        new Op.Write("f", "changed", false),
        new Op.Read("f"),
        new Op.Chmod("mv", 0600),
        new Op.Rename("mv", "d/moved", 0),
        new Op.Read("d/moved"),
        new Op.Rename("sp", "sp2", 0),
        new Op.Read("sp2"),
        new Op.Append("d/moved", "appended\n"),
        new Op.Link("ln", "d/ln2"),
        new Op.Read("d/ln2"),
        new Op.Lstat("ln"),
        new Op.Append("d/ln2", "through the link\n"),
        new Op.Read("ln"),
        new Op.Chmod("gone", 0600),
        new Op.Unlink("gone"),
        new Op.Chmod("trunc", 0600),
        new Op.Truncate("trunc", 3),
        new Op.RemoveXattr("xa", "user.note"),
        new Op.Chmod("otrunc", 0600),
        new Op.Write("otrunc", "new\n", true),
        new Op.Chmod("ow", 0600),
        new Op.Lstat("ow"),
        new Op.Write("ow", "", false),
        new Op.Chown("d/i", 5, 6),
        new Op.Rename("d/i", "i", 0),
        new Op.List(""),
        new Op.List("d"));
    check("metacopy", fixture, ops.stream().filter(supported).toList(), true);
  }

  /**
   * Layers the kernel made with {@code metacopy=on}, used as lower layers: the top lower layer is the upper layer of
   * a kernel mount over the bottom one in which files were changed in attributes, renamed and linked, so it holds
   * metacopy files (some with relative or absolute redirects) whose data is below; the upper layer holds a
   * metacopy file with no data anywhere. Reads, attributes, copy-ups of lower metacopy files and their data follow
   * the kernel's, and so do the errors: EIO for the missing data, and under {@code metacopy=off} EPERM for every
   * metacopy file, as the kernel refuses to follow them.
   */
  public void checkKernelMetacopyLayers(java.util.function.Predicate<Op> supported) throws Exception {
    LayerFixture fixture = new LayerFixture(2, (lowers, upper) -> {
      Path top = lowers.get(0);
      Path bottom = lowers.get(1);
      LayerFixture.setTimes(bottom, dataFiles(bottom, "f", "g", "h", "k", "d/e"), 0);
      Path work = Files.createTempDirectory(top.getParent(), "kernel-work");
      Path merged = Files.createTempDirectory(top.getParent(), "kernel-merged");
      try (KernelOverlay k = KernelOverlay.mount("lowerdir=" + bottom + ",upperdir=" + top + ",workdir=" + work
          + ",metacopy=on", merged)) {
        FsOps fs = new PosixFsOps(k.path());
        for (Op op : List.of(new Op.Chmod("f", 0600), new Op.Chown("g", 7, 8), new Op.Rename("g", "g2", 0),
            new Op.Chmod("h", 0640), new Op.Link("h", "d/h2"), new Op.Chmod("d/e", 0600),
            new Op.Rename("d/e", "e", 0))) {
          String outcome = op.applyTo(fs);
          if (!outcome.equals("ok")) {
            throw new IOException("the kernel could not make the layers: " + op + " gave " + outcome);
          }
        }
      } catch (PosixException e) {
        throw new IOException(e);
      } finally {
        removeTree(work);
        removeTree(merged);
      }
      try (var nodata = new java.io.RandomAccessFile(upper.resolve("nodata").toFile(), "rw")) {
        nodata.setLength(100);
      }
      Xattrs.set(Posix.AT_FDCWD, Names.bytes(upper.resolve("nodata").toString()), "trusted.overlay.metacopy",
          new byte[0], 0);
    });
    List<Op> ops = List.of(
        new Op.Lstat("f"),
        new Op.Read("f"),
        new Op.Lstat("g2"),
        new Op.Read("g2"),
        new Op.Read("d/h2"),
        new Op.Read("e"),
        new Op.Lstat("nodata"),
        new Op.Read("nodata"),
        new Op.Chmod("f", 0644),
        new Op.Read("f"),
        new Op.Chown("g2", 9, 9),
        new Op.Append("g2", "appended\n"),
        new Op.Read("g2"),
        new Op.Rename("e", "d/e3", 0),
        new Op.Read("d/e3"),
        new Op.Write("h", "new", false),
        new Op.Read("h"),
        new Op.Read("d/h2"),
        new Op.Unlink("nodata"),
        new Op.List(""),
        new Op.List("d"));
    check("metacopy layers made by the kernel", fixture, ops.stream().filter(supported).toList(), true);
  }

  /** A directory {@code d} and files saying "data of NAME" in a layer; answers their kinds for setting times. */
  private static java.util.Map<String, Character> dataFiles(Path layer, String... names) throws IOException {
    java.util.Map<String, Character> kinds = new java.util.LinkedHashMap<>();
    Files.createDirectory(layer.resolve("d"));
    kinds.put("d", 'd');
    for (String name : names) {
      Files.writeString(layer.resolve(name), "data of " + name + "\n");
      kinds.put(name, 'f');
    }
    return kinds;
  }

  /**
   * Inode flags as {@code lsattr} and {@code chattr} see them, and what the VFS refuses an immutable or append-only
   * object: lower files and directories carrying flags (immutable, append-only, no-atime, sync, no-dump), upper ones
   * whose immutable/append-only flags are in {@code overlay.protattr} (one with a value the kernel ignores), then
   * writes, truncates, attribute and xattr changes, removals, renames and links on and in them, flag changes, and
   * copy-ups that carry flags; fails with the first difference. {@code supported} drops the operations a view cannot
   * express (java.nio has no inode flags: the fixture's flags still guard its objects).
   */
  public void checkInodeFlags(java.util.function.Predicate<Op> supported) throws Exception {
    String protattr = (extraOptions.contains("userxattr") ? "user" : "trusted") + ".overlay.protattr";
    LayerFixture fixture = new LayerFixture(1, (lowers, upper) -> {
      Path lower = lowers.get(0);
      for (String f : List.of("f_i", "f_a", "f_A", "f_d", "f_S", "f_plain", "f_plain2")) {
        Files.writeString(lower.resolve(f), f + "\n");
      }
      for (String d : List.of("d_i", "d_a", "d_plain")) {
        Files.createDirectory(lower.resolve(d));
        Files.writeString(lower.resolve(d + "/child"), "child\n");
      }
      for (String f : List.of("u_i", "u_a", "u_bad", "ud_i/x")) {
        Files.createDirectories(upper.resolve(f).getParent());
        Files.writeString(upper.resolve(f), f + "\n");
      }
      Map<String, String> upperMarks = Map.of("u_i", "i", "u_a", "a", "u_bad", "x", "ud_i", "ia");
      for (var mark : upperMarks.entrySet()) {
        Xattrs.set(Posix.AT_FDCWD, Names.bytes(upper.resolve(mark.getKey()).toString()), protattr,
            Names.bytes(mark.getValue()), 0);
      }
      Map<String, Integer> lowerFlags = Map.of("f_i", InodeFlags.FS_IMMUTABLE_FL, "f_a", InodeFlags.FS_APPEND_FL,
          "f_A", InodeFlags.FS_NOATIME_FL, "f_d", InodeFlags.FS_NODUMP_FL, "f_S", InodeFlags.FS_SYNC_FL,
          "d_i", InodeFlags.FS_IMMUTABLE_FL, "d_a", InodeFlags.FS_APPEND_FL);
      PosixFsOps disk = new PosixFsOps(lower);
      for (var flag : lowerFlags.entrySet()) {
        byte[] name = Names.bytes(flag.getKey());
        disk.setFlags(name, disk.getFlags(name) | flag.getValue());
      }
    });
    List<Op> ops = new ArrayList<>();
    for (String p : List.of("f_i", "f_a", "f_A", "f_d", "f_S", "f_plain", "d_i", "d_a", "d_plain", "u_i", "u_a",
        "u_bad", "ud_i", "ud_i/x")) {
      ops.add(new Op.Lsattr(p));
    }
    ops.addAll(List.of(
        // An immutable lower file: nothing changes it, nothing copies it up.
        new Op.Write("f_i", "new\n", true), new Op.Append("f_i", "more\n"), new Op.Truncate("f_i", 0),
        new Op.Chmod("f_i", 0600), new Op.Chown("f_i", 1000, 100), new Op.Utimes("f_i", 1_000_000_000L),
        new Op.Touch("f_i"), new Op.SetXattr("f_i", "user.k", "v"), new Op.RemoveXattr("f_i", "user.k"),
        new Op.Unlink("f_i"), new Op.Rename("f_i", "moved", 0), new Op.Rename("f_plain", "f_i", 0),
        new Op.Rename("f_plain", "f_i", Posix.RENAME_EXCHANGE), new Op.Link("f_i", "f_i_link"), new Op.Read("f_i"),
        // An append-only lower file: appends (which copy it up) and touch only.
        new Op.Write("f_a", "new\n", false), new Op.Write("f_a", "new\n", true), new Op.Append("f_a", "more\n"),
        new Op.Truncate("f_a", 1), new Op.Chmod("f_a", 0600), new Op.Utimes("f_a", 1_000_000_000L),
        new Op.Touch("f_a"), new Op.SetXattr("f_a", "user.k", "v"), new Op.Unlink("f_a"),
        new Op.Rename("f_a", "moved", 0), new Op.Link("f_a", "f_a_link"), new Op.Lsattr("f_a"),
        // An immutable lower directory: its files change (copied up inside it), its names do not.
        new Op.Write("d_i/new", "new\n", true), new Op.Mkdir("d_i/sub", 0755), new Op.Symlink("x", "d_i/sym"),
        new Op.Link("f_plain", "d_i/link"), new Op.Unlink("d_i/child"), new Op.Rename("d_i/child", "moved", 0),
        new Op.Rename("f_plain", "d_i/in", 0), new Op.Write("d_i/child", "changed\n", false),
        new Op.Rmdir("d_i"), new Op.Chmod("d_i", 0700), new Op.Lsattr("d_i"),
        // An append-only lower directory: names come, none go.
        new Op.Write("d_a/new", "new\n", true), new Op.Mkdir("d_a/sub", 0755), new Op.Unlink("d_a/new"),
        new Op.Unlink("d_a/child"), new Op.Rename("d_a/child", "d_plain/moved", 0),
        new Op.Rename("d_plain/child", "d_a/moved", 0), new Op.Rename("f_plain2", "d_a/moved", 0),
        new Op.Rmdir("d_a/sub"),
        // Upper objects whose flags are in overlay.protattr; a value the kernel does not understand is ignored.
        new Op.Write("u_i", "new\n", true), new Op.Append("u_a", "more\n"), new Op.Unlink("u_a"),
        new Op.Write("u_bad", "new\n", true), new Op.Write("ud_i/x", "changed\n", true),
        new Op.Write("ud_i/y", "new\n", true), new Op.Unlink("ud_i/x"),
        // Changing flags: a copy-up first; immutable and append-only into overlay.protattr, the rest for real.
        new Op.Chattr("f_i", "-i"), new Op.Write("f_i", "now writable\n", true), new Op.Chattr("f_plain", "+iA"),
        new Op.Write("f_plain", "new\n", true), new Op.Chattr("f_plain", "+d"), new Op.Lsattr("f_plain"),
        new Op.Chattr("f_plain", "-i"), new Op.Append("f_plain", "more\n"), new Op.Chattr("u_a", "-a"),
        new Op.Unlink("u_a"), new Op.Chattr("u_i", "+a"), new Op.Lsattr("u_i"), new Op.Chattr("u_i", "-ia"),
        new Op.Chattr("ud_i", "-i"), new Op.Unlink("ud_i/x"), new Op.Chattr("d_plain", "+a"),
        new Op.Unlink("d_plain/moved"), new Op.Mkdir("new_dir", 0755), new Op.Chattr("new_dir", "+i"),
        new Op.Mkdir("new_dir/sub", 0755), new Op.Rmdir("new_dir"), new Op.Chattr("new_dir", "-i"),
        new Op.Rmdir("new_dir"),
        // Copy-up carries no-atime and sync, not no-dump.
        new Op.Write("f_A", "copied\n", true), new Op.Write("f_S", "copied\n", true),
        new Op.Write("f_d", "copied\n", true), new Op.Lsattr("f_A"), new Op.Lsattr("f_S"), new Op.Lsattr("f_d"),
        // Hard links share their flags.
        new Op.Link("d_plain/child", "hl"), new Op.Chattr("hl", "+i"), new Op.Write("d_plain/child", "x\n", true),
        new Op.Chattr("d_plain/child", "-i"), new Op.Write("hl", "x\n", true)));
    check("inode flags", fixture, ops.stream().filter(supported).toList(), false);
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
    checkRandomSequences(count, seedBase, seedStride, userXattr, false, supported);
  }

  /** As above; with {@code flags}, the sequences also change inode flags ({@link RandomScenarios#generate}). */
  public void checkRandomSequences(int count, long seedBase, long seedStride, boolean userXattr, boolean flags,
      java.util.function.Predicate<Op> supported) throws Exception {
    for (int i = 0; i < count; i++) {
      long seed = seedBase + seedStride * i;
      LayerFixture fixture = LayerFixture.random(seed, 1 + (int) Math.floorMod(seed, 3), seed % 2 == 0, userXattr);
      List<Op> ops = RandomScenarios.generate(seed, 8, flags).stream().filter(supported).toList();
      String difference = run(fixture, ops);
      if (difference != null) {
        List<Op> shortest = shrink(fixture, ops);
        throw new AssertionError("seed " + seed + " (" + extraOptions + "): " + run(fixture, shortest)
            + "\nshortest sequence:\n" + Op.describe(shortest) + "original sequence:\n" + Op.describe(ops));
      }
    }
  }

  /** Takes the immutable and append-only flags a fixture gave a file or directory, which would keep it. */
  private static void clearProtection(Path p) throws PosixException {
    byte[] abs = Names.bytes(p.toString());
    long protection = InodeFlags.STATX_ATTR_IMMUTABLE | InodeFlags.STATX_ATTR_APPEND;
    if ((Posix.statxAttributes(Posix.AT_FDCWD, abs) & protection) == 0) {
      return;
    }
    PosixFsOps fs = new PosixFsOps(Path.of("/"));
    fs.setFlags(abs, fs.getFlags(abs) & ~(InodeFlags.FS_IMMUTABLE_FL | InodeFlags.FS_APPEND_FL));
  }

  /** Removes a scratch tree, including read-only and mode-0 directories the tests make, and immutable files. */
  public static void removeTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        clearProtection(p);
      }
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
