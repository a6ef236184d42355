package dev.layerfs.core.testing;

import dev.layerfs.posix.FileHandle;
import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A canonical description of a tree, one line per path, so two trees compare with one equality and a failure
 * shows the lines that differ. Inode numbers are replaced by which paths share them; times appear only where they
 * are fixture times (older than {@link LayerFixture#OLD_TIME}), which copy-up must keep.
 */
public final class TreeSnapshot {
  private final TreeMap<String, String> lines;

  private TreeSnapshot(TreeMap<String, String> lines) {
    this.lines = lines;
  }

  public Map<String, String> lines() {
    return lines;
  }

  /** The merged view as an {@link FsOps} shows it. */
  public static TreeSnapshot ofView(FsOps fs) throws PosixException {
    return ofView(fs, fs);
  }

  /** The merged view as {@code fs} shows it, with only the xattrs {@code comparedWith} can show. */
  public static TreeSnapshot ofView(FsOps fs, FsOps comparedWith) throws PosixException {
    return ofView(fs, comparedWith, false);
  }

  /**
   * Like {@link #ofView(FsOps, FsOps)}, with the blocks regular files take where both views can show them (a
   * metacopy file reports its lower data's).
   */
  public static TreeSnapshot ofView(FsOps fs, FsOps comparedWith, boolean blocks) throws PosixException {
    TreeMap<String, String> lines = new TreeMap<>();
    Map<Long, List<String>> byIno = new TreeMap<>();
    walkView(fs, comparedWith, new byte[0], blocks && fs.showsBlocks() && comparedWith.showsBlocks(), lines, byIno);
    addLinkGroups(lines, byIno);
    return new TreeSnapshot(lines);
  }

  private static void walkView(FsOps fs, FsOps comparedWith, byte[] path, boolean blocks,
      TreeMap<String, String> lines, Map<Long, List<String>> byIno)
      throws PosixException {
    String key = "/" + Names.printable(path);
    Stat st;
    try {
      st = fs.lstat(path);
    } catch (PosixException e) {
      lines.put(key, "listed, but lstat gives " + e.errnoName());
      return;
    }
    StringBuilder d = describe(st, blocks);
    if (st.isRegularFile()) {
      d.append(" sha ").append(Op.sha256(fs.read(path)));
      byIno.computeIfAbsent(st.ino(), k -> new ArrayList<>()).add(key);
    } else if (st.isSymlink()) {
      d.append(" -> ").append(Names.printable(fs.readlink(path)));
    }
    if ((st.isRegularFile() || st.isDirectory()) && fs.showsFlags() && comparedWith.showsFlags()) {
      d.append(" flags ").append(flags(fs, path));
    }
    Map<String, byte[]> xattrs = fs.xattrs(path);
    new TreeMap<>(xattrs).forEach((k, v) -> {
      if (comparedWith.showsXattr(k)) {
        d.append(' ').append(k).append('=').append(hex(v));
      }
    });
    if (st.isDirectory()) {
      List<byte[]> children = fs.list(path);
      List<String> order = new ArrayList<>();
      for (byte[] c : children) {
        order.add(Names.printable(c));
      }
      d.append(" order ").append(order);
      lines.put(key, d.toString());
      for (byte[] c : children) {
        walkView(fs, comparedWith, Names.join(path, c), blocks, lines, byIno);
      }
    } else {
      lines.put(key, d.toString());
    }
  }

  /** The inode flags in hex, or the errno name where there are none to read. */
  private static String flags(FsOps fs, byte[] path) {
    try {
      return Integer.toHexString(fs.getFlags(path));
    } catch (PosixException e) {
      return e.errnoName();
    }
  }

  private static StringBuilder describe(Stat st, boolean blocks) {
    StringBuilder d = new StringBuilder();
    d.append(String.format("%o %d:%d nlink %d", st.mode(), st.uid(), st.gid(), st.nlink()));
    if (!st.isDirectory()) {
      d.append(" size ").append(st.size());
    }
    if (blocks && st.isRegularFile()) {
      d.append(" blocks ").append(st.blocks());
    }
    if (st.mtime().seconds() < LayerFixture.OLD_TIME) {
      d.append(" mtime ").append(st.mtime().seconds()).append('.').append(st.mtime().nanos());
    }
    if (st.isCharDevice() || st.type() == Posix.S_IFBLK) {
      d.append(" rdev ").append(Posix.major(st.rdev())).append(':').append(Posix.minor(st.rdev()));
    }
    return d;
  }

  private static void addLinkGroups(TreeMap<String, String> lines, Map<Long, List<String>> byIno) {
    for (List<String> group : byIno.values()) {
      if (group.size() > 1) {
        for (String p : group) {
          lines.put(p, lines.get(p) + " links " + group);
        }
      }
    }
  }

  /**
   * A layer directory as it is on disk, overlay xattrs included: an origin handle is shown as the lower path it
   * names, the random uuid only as present, so two copies built from one fixture compare equal.
   */
  public static TreeSnapshot ofDisk(Path dir, List<Path> lowers) throws PosixException {
    return ofDisk(dir, lowers, false);
  }

  /** Like {@link #ofDisk(Path, List)}, with the blocks regular files take: a metacopy file is a hole. */
  public static TreeSnapshot ofDisk(Path dir, List<Path> lowers, boolean blocks) throws PosixException {
    Map<String, String> handles = new TreeMap<>();
    for (int i = 0; i < lowers.size(); i++) {
      indexHandles(Names.bytes(lowers.get(i).toString()), new byte[0], "l" + i, handles);
    }
    TreeMap<String, String> lines = new TreeMap<>();
    Map<Long, List<String>> byIno = new TreeMap<>();
    walkDisk(Names.bytes(dir.toString()), new byte[0], handles, blocks, lines, byIno);
    addLinkGroups(lines, byIno);
    return new TreeSnapshot(lines);
  }

  private static void indexHandles(byte[] root, byte[] path, String layer, Map<String, String> into)
      throws PosixException {
    byte[] abs = path.length == 0 ? root : Names.join(root, path);
    FileHandle fh = Posix.nameToHandleAt(Posix.AT_FDCWD, abs, 0);
    if (fh != null) {
      into.put(handleKey(fh.type(), fh.bytes()), layer + ":/" + Names.printable(path));
    }
    if (Posix.lstatat(Posix.AT_FDCWD, abs).isDirectory()) {
      for (DirEntry e : Posix.readDirectory(Posix.AT_FDCWD, abs)) {
        indexHandles(root, Names.join(path, e.name()), layer, into);
      }
    }
  }

  private static String handleKey(int type, byte[] bytes) {
    return type + ":" + HexFormat.of().formatHex(bytes);
  }

  private static void walkDisk(byte[] root, byte[] path, Map<String, String> handles, boolean blocks,
      TreeMap<String, String> lines, Map<Long, List<String>> byIno) throws PosixException {
    byte[] abs = path.length == 0 ? root : Names.join(root, path);
    Stat st = Posix.lstatat(Posix.AT_FDCWD, abs);
    String key = "/" + Names.printable(path);
    StringBuilder d = describe(st, blocks);
    if (st.isRegularFile()) {
      d.append(" sha ").append(Op.sha256(new PosixFsOps(Path.of("/")).read(abs)));
    } else if (st.isSymlink()) {
      d.append(" -> ").append(Names.printable(Posix.readlinkat(Posix.AT_FDCWD, abs)));
    }
    if (!st.isDirectory()) {
      byIno.computeIfAbsent(st.ino(), k -> new ArrayList<>()).add(key);
    }
    if (st.isRegularFile() || st.isDirectory()) {
      d.append(" flags ").append(flags(new PosixFsOps(Path.of("/")), abs));
    }
    int slash = abs.length - 1;
    while (abs[slash] != '/') {
      slash--;
    }
    int dirFd = Posix.openat(Posix.AT_FDCWD, java.util.Arrays.copyOf(abs, Math.max(1, slash)),
        Posix.O_PATH | Posix.O_DIRECTORY);
    try {
      byte[] name = java.util.Arrays.copyOfRange(abs, slash + 1, abs.length);
      TreeMap<String, String> attrs = new TreeMap<>();
      for (String x : Xattrs.list(dirFd, name)) {
        byte[] v = Xattrs.get(dirFd, name, x);
        attrs.put(x, x.endsWith("overlay.origin") ? origin(v, handles)
            : x.endsWith("overlay.uuid") ? "(uuid)" : hex(v));
      }
      attrs.forEach((k, v) -> d.append(' ').append(k).append('=').append(v));
    } finally {
      Posix.closeQuietly(dirFd);
    }
    lines.put(key, d.toString());
    if (st.isDirectory()) {
      for (DirEntry e : Posix.readDirectory(Posix.AT_FDCWD, abs)) {
        walkDisk(root, Names.join(path, e.name()), handles, blocks, lines, byIno);
      }
    }
  }

  private static String origin(byte[] v, Map<String, String> handles) {
    if (v == null || v.length < 21) {
      return "origin(" + (v == null ? "none" : hex(v)) + ")";
    }
    byte[] fid = java.util.Arrays.copyOfRange(v, 21, v.length);
    String where = handles.get(handleKey(v[4] & 0xff, fid));
    boolean nullUuid = java.util.Arrays.equals(v, 5, 21, new byte[16], 0, 16);
    return "origin(" + (where == null ? "unknown " + hex(v) : where) + (nullUuid ? ", null uuid" : "") + ")";
  }

  static String hex(byte[] v) {
    if (v == null) {
      return "null";
    }
    boolean text = true;
    for (byte b : v) {
      text &= b >= 0x20 && b < 0x7f;
    }
    return text ? "'" + new String(v) + "'" : "0x" + HexFormat.of().formatHex(v);
  }

  /** The lines present in only one of the snapshots, or that differ, for a failure message. */
  public String diff(TreeSnapshot other, String thisName, String otherName) {
    return diffLines(lines, other.lines, thisName, otherName);
  }

  /** The keys of two path-keyed listings whose lines are missing on one side or differ, with both lines. */
  public static String diffLines(Map<String, String> a, Map<String, String> b, String aName, String bName) {
    StringBuilder s = new StringBuilder();
    TreeMap<String, Boolean> keys = new TreeMap<>();
    a.keySet().forEach(k -> keys.put(k, true));
    b.keySet().forEach(k -> keys.put(k, true));
    for (String k : keys.keySet()) {
      String x = a.get(k);
      String y = b.get(k);
      if (x == null || !x.equals(y)) {
        s.append(String.format("  %s%n    %-8s %s%n    %-8s %s%n", k, aName, x, bName, y));
      }
    }
    return s.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TreeSnapshot t && lines.equals(t.lines);
  }

  @Override
  public int hashCode() {
    return lines.hashCode();
  }
}
