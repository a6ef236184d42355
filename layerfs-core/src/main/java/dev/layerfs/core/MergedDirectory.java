package dev.layerfs.core;

import dev.layerfs.core.DirectoryListing.Entry;
import dev.layerfs.core.Node.Lower;
import dev.layerfs.core.Node.Name;
import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Xattrs;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a directory through the layers as the kernel's {@code ovl_dir_read_merged} does: upper, then each lower
 * layer, the first layer with a name deciding its type and inode, whiteouts hiding names below and themselves.
 *
 * <p>The kernel's order is kept for {@code ls -f} to match: the names of the lowest layer come first, in that
 * layer's order, then the others in the order they were met from the top. Like the kernel, a directory that
 * merges nothing (one layer, not the root, no origin) is listed as it is, whiteouts included: their lookup then
 * fails with ENOENT.
 */
final class MergedDirectory {
  private final Overlay o;
  private final Node dir;
  private final Map<Name, Slot> byName = new LinkedHashMap<>();
  private final List<byte[]> upperWhiteouts = new ArrayList<>();
  private boolean translatedIno;
  private boolean merged;

  private final boolean alwaysMerge;

  private MergedDirectory(Overlay o, Node dir, boolean alwaysMerge) {
    this.o = o;
    this.dir = dir;
    this.alwaysMerge = alwaysMerge;
  }

  static DirectoryListing list(Overlay o, Node dir) throws PosixException {
    return list(o, dir, false);
  }

  /**
   * Lists a directory; {@code alwaysMerge} hides whiteouts even where readdir would show them, as the kernel's
   * emptiness check for rmdir and rename does.
   */
  static DirectoryListing list(Overlay o, Node dir, boolean alwaysMerge) throws PosixException {
    dir.dirLock.readLock().lock();
    try {
      return new MergedDirectory(o, dir, alwaysMerge).read();
    } finally {
      dir.dirLock.readLock().unlock();
    }
  }

  /** A name met in some layer: the entry it shows, or a whiteout hiding it. */
  private record Slot(byte[] name, int type, long ino, boolean whiteout, Layer layer) {}

  private DirectoryListing read() throws PosixException {
    if (dir.dead) {
      return new DirectoryListing(dots(), List.of());
    }
    List<Source> sources = new ArrayList<>();
    if (dir.inUpper) {
      sources.add(new Source(o.upper, o.lookups.path(dir), false));
    }
    for (Lower lower : dir.lowers) {
      sources.add(new Source(lower.layer(), lower.path(), lower.xwhiteouts()));
    }
    merged = alwaysMerge || dir.parent == null || sources.size() > 1 || dir.hasOrigin;
    List<Slot> front = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      boolean lowest = i == sources.size() - 1 && sources.size() > 1;
      for (Slot slot : readLayer(sources.get(i), merged)) {
        Name key = new Name(slot.name());
        Slot seen = byName.get(key);
        if (lowest) {
          front.add(seen == null ? slot : byName.remove(key));
        } else if (seen == null) {
          byName.put(key, slot);
        }
      }
    }
    List<Entry> entries = dots();
    for (Slot slot : front) {
      add(entries, slot);
    }
    for (Slot slot : byName.values()) {
      add(entries, slot);
    }
    if (!merged && dir.impure && !translatedIno && o.work != null) {
      dropImpure();
    }
    return new DirectoryListing(List.copyOf(entries), List.copyOf(upperWhiteouts));
  }

  /** An impure mark with no entry left whose inode number comes from an origin goes, as in the kernel. */
  private void dropImpure() throws PosixException {
    try (Layer.Location at = o.upper.locate(o.lookups.path(dir))) {
      Xattrs.remove(at.dirfd(), at.name(), o.xattrs.impure);
    } catch (PosixException e) {
      if (e.errno() != Errno.ENODATA) {
        throw e;
      }
    }
    dir.impure = false;
  }

  private void add(List<Entry> entries, Slot slot) throws PosixException {
    if (slot.whiteout()) {
      return;
    }
    long ino = o.inodes.map(slot.layer(), slot.ino());
    if (slot.layer().isUpper() && dir.impure) {
      Node child = staleIsNull(slot.name());
      if (child == null && merged) {
        return;
      }
      if (child != null && child.ino != ino) {
        ino = child.ino;
        translatedIno = true;
      }
    }
    entries.add(new Entry(slot.name(), slot.type(), ino));
  }

  /**
   * The child for an entry, or null when its lookup fails: the kernel hides such "stale" entries in a merged
   * listing and lists them as they are in a plain one.
   */
  private Node staleIsNull(byte[] name) {
    try {
      return o.lookups.childOrNull(dir, name);
    } catch (PosixException e) {
      return null;
    }
  }

  private List<Entry> dots() {
    List<Entry> entries = new ArrayList<>();
    entries.add(new Entry(new byte[] {'.'}, DirEntry.DT_DIR, dir.ino));
    Node parent = dir.parent == null ? dir : dir.parent;
    entries.add(new Entry(new byte[] {'.', '.'}, DirEntry.DT_DIR, parent.ino));
    return entries;
  }

  private record Source(Layer layer, byte[] path, boolean xwhiteouts) {}

  /** One layer's entries, whiteouts marked, OCI whiteout files turned into whiteouts of the names they hide. */
  private List<Slot> readLayer(Source src, boolean merged) throws PosixException {
    List<DirEntry> raw;
    try (Layer.Location at = src.layer().locate(src.path())) {
      raw = Posix.readDirectory(at.dirfd(), at.name());
    }
    List<Slot> slots = new ArrayList<>(raw.size());
    for (DirEntry e : raw) {
      byte[] name = e.name();
      if (!src.layer().isUpper() && startsWith(name, Lookups.WH_PREFIX)) {
        if (!Arrays.equals(name, Lookups.WH_OPAQUE)) {
          byte[] hidden = Arrays.copyOfRange(name, Lookups.WH_PREFIX.length, name.length);
          slots.add(new Slot(hidden, DirEntry.DT_UNKNOWN, 0, true, src.layer()));
        }
        continue;
      }
      boolean whiteout = merged && isWhiteout(src, e);
      if (whiteout && src.layer().isUpper()) {
        upperWhiteouts.add(name);
      }
      slots.add(new Slot(name, e.type(), e.ino(), whiteout, src.layer()));
    }
    return slots;
  }

  private boolean isWhiteout(Source src, DirEntry e) throws PosixException {
    boolean chr = e.type() == DirEntry.DT_CHR;
    boolean xattrCandidate = src.xwhiteouts() && e.type() == DirEntry.DT_REG;
    if (!chr && !xattrCandidate && e.type() != DirEntry.DT_UNKNOWN) {
      return false;
    }
    byte[] path = Names.join(src.path(), e.name());
    Stat st = Lookups.statOrNull(src.layer(), path);
    if (st == null) {
      return true;
    }
    if (st.isCharDevice()) {
      return st.rdev() == 0;
    }
    return src.xwhiteouts() && st.isRegularFile() && st.size() == 0
        && o.lookups.isXattrWhiteout(src.layer(), path);
  }

  private static boolean startsWith(byte[] name, byte[] prefix) {
    return name.length >= prefix.length && Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
  }
}
