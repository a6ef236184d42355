package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.DirectoryReader;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.util.Arrays;

/**
 * Reads a directory through the layers as the kernel's {@code ovl_dir_read_merged} does: upper, then each lower
 * layer, the first layer with a name deciding its type and inode, whiteouts hiding names below and themselves.
 *
 * <p>The kernel's order is kept for {@code ls -f} to match: the names of the lowest layer come first, in that
 * layer's order, then the others in the order they were met from the top. Like the kernel, a directory that
 * merges nothing (one layer, not the root, no origin: {@link #isMerged}) is listed as it is, whiteouts included:
 * their lookup then fails with ENOENT. Such a directory is normally streamed instead ({@link OpenDirectory}); this
 * class lists it whole only for callers that want a snapshot.
 */
final class MergedDirectory {
  private final Overlay o;
  private final Node dir;
  private final boolean merged;
  private final NameTable table = new NameTable();
  /** Entries of the lowest layer, in its order: they come first. */
  private int[] front = new int[16];
  private int fronts;
  private boolean[] moved = new boolean[16];
  /** One name as read, with room for the longest name Linux allows. */
  private final byte[] name = new byte[256];
  private boolean translatedIno;

  private MergedDirectory(Overlay o, Node dir, boolean merged) {
    this.o = o;
    this.dir = dir;
    this.merged = merged;
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
      return new MergedDirectory(o, dir, alwaysMerge || isMerged(dir)).read();
    } finally {
      dir.dirLock.readLock().unlock();
    }
  }

  /**
   * Whether the kernel reads the directory merged ({@code !ovl_dir_is_real}): it is the root, or in more than one
   * layer, or its upper copy records an origin (it was merged once, so it may hold whiteouts to hide).
   */
  static boolean isMerged(Node dir) {
    return dir.parent == null || (dir.inUpper ? 1 : 0) + dir.lowers.length > 1 || dir.hasOrigin;
  }

  private DirectoryListing read() throws PosixException {
    Node parent = dir.parent == null ? dir : dir.parent;
    if (dir.dead) {
      table.seal();
      return new DirectoryListing(dir.ino, parent.ino, table, new int[0]);
    }
    int layers = (dir.inUpper ? 1 : 0) + dir.lowers.length;
    int i = 0;
    if (dir.inUpper) {
      readLayer(o.upper, o.lookups.path(dir), false, i++ == layers - 1 && layers > 1);
    }
    for (Lower lower : dir.lowers) {
      readLayer(lower.layer(), lower.path(), lower.xwhiteouts(), i++ == layers - 1 && layers > 1);
    }
    int[] order = new int[table.size()];
    int shown = 0;
    for (int f = 0; f < fronts; f++) {
      shown = show(front[f], order, shown);
    }
    for (int k = 0; k < table.size(); k++) {
      if (k >= moved.length || !moved[k]) {
        shown = show(k, order, shown);
      }
    }
    front = null;
    moved = null;
    if (!merged && dir.impure && !translatedIno && o.work != null) {
      dropImpure(o, dir);
    }
    table.seal();
    return new DirectoryListing(dir.ino, parent.ino, table, Arrays.copyOf(order, shown));
  }

  /** Appends entry {@code k} to the listing's order unless it is hidden; answers the new length. */
  private int show(int k, int[] order, int shown) throws PosixException {
    int flags = table.flags(k);
    if ((flags & NameTable.WHITEOUT) != 0) {
      return shown;
    }
    if ((flags & NameTable.UPPER) != 0 && dir.impure) {
      long ino = table.ino(k);
      Node child = childOrNull(o, dir, table.name(k));
      if (child == null && merged) {
        return shown;
      }
      if (child != null && child.ino != ino) {
        table.ino(k, child.ino);
        translatedIno = true;
      }
    }
    order[shown] = k;
    return shown + 1;
  }

  /** An impure mark with no entry left whose inode number comes from an origin goes, as in the kernel. */
  static void dropImpure(Overlay o, Node dir) throws PosixException {
    try (Layer.Location at = o.upper.locate(o.lookups.path(dir))) {
      Xattrs.remove(at.dirfd(), at.name(), o.xattrs.impure);
    } catch (PosixException e) {
      if (e.errno() != Errno.ENODATA) {
        throw e;
      }
    }
    dir.impure = false;
  }

  /**
   * The child for an entry, or null when its lookup fails: the kernel hides such "stale" entries in a merged
   * listing and lists them as they are in a plain one.
   */
  static Node childOrNull(Overlay o, Node dir, byte[] name) {
    try {
      return o.lookups.childOrNull(dir, name);
    } catch (PosixException e) {
      return null;
    }
  }

  /**
   * Adds one layer's names: whiteouts marked, OCI whiteout files turned into whiteouts of the names they hide;
   * the lowest layer's names go to the front, taking along the entries already met for them.
   */
  private void readLayer(Layer layer, byte[] path, boolean xwhiteouts, boolean lowest) throws PosixException {
    try (Layer.Location at = layer.locate(path);
        DirectoryReader reader = DirectoryReader.open(at.dirfd(), at.name())) {
      for (; reader.hasEntry(); reader.advance()) {
        if (reader.isDotOrDotDot()) {
          continue;
        }
        int length = reader.nameLength();
        reader.copyName(name, 0);
        int offset = 0;
        int flags = reader.type() | (layer.isUpper() ? NameTable.UPPER : 0);
        if (!layer.isUpper() && Lookups.isOciWhiteout(name, length)) {
          if (length == Lookups.WH_OPAQUE.length && Arrays.equals(name, 0, length, Lookups.WH_OPAQUE, 0, length)) {
            continue;
          }
          offset = Lookups.WH_PREFIX.length;
          flags = DirEntry.DT_UNKNOWN | NameTable.WHITEOUT;
        } else if (merged && isWhiteout(layer, path, xwhiteouts, reader.type(), length)) {
          flags |= NameTable.WHITEOUT;
        }
        long ino = (flags & NameTable.WHITEOUT) != 0 ? 0 : o.inodes.map(layer, reader.ino());
        int k = table.find(name, offset, length - offset);
        if (k < 0) {
          k = table.add(name, offset, length - offset, ino, flags);
        } else if (!lowest) {
          continue;
        }
        if (lowest) {
          moveToFront(k);
        }
      }
    }
  }

  private void moveToFront(int k) {
    if (k >= moved.length) {
      moved = Arrays.copyOf(moved, Math.max(k + 1, moved.length + (moved.length >> 1)));
    }
    if (moved[k]) {
      return;
    }
    moved[k] = true;
    if (fronts == front.length) {
      front = Arrays.copyOf(front, fronts + (fronts >> 1));
    }
    front[fronts++] = k;
  }

  private boolean isWhiteout(Layer layer, byte[] dirPath, boolean xwhiteouts, int type, int length)
      throws PosixException {
    boolean chr = type == DirEntry.DT_CHR;
    boolean xattrCandidate = xwhiteouts && type == DirEntry.DT_REG;
    if (!chr && !xattrCandidate && type != DirEntry.DT_UNKNOWN) {
      return false;
    }
    byte[] path = Names.join(dirPath, Arrays.copyOf(name, length));
    Stat st = Lookups.statOrNull(layer, path);
    if (st == null) {
      return true;
    }
    if (st.isCharDevice()) {
      return st.rdev() == 0;
    }
    return xwhiteouts && st.isRegularFile() && st.size() == 0 && o.lookups.isXattrWhiteout(layer, path);
  }
}
