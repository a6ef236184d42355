package dev.layerfs.core;

import dev.layerfs.posix.DirEntry;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot of a merged directory, taken when it is read from the start: frontends page through it by offset, so
 * entries are neither lost nor repeated while the directory changes, as POSIX readdir requires.
 *
 * <p>Entries are in the kernel's order for a merged directory, start with "." and "..", and carry the inode
 * number {@code stat} reports. Offsets are positions: the entry at index i has offset i + 1, the position to
 * continue from. The names are held packed ({@link NameTable}), a few dozen bytes per entry besides the name.
 */
public final class DirectoryListing {
  private static final byte[] DOT = {'.'};
  private static final byte[] DOT_DOT = {'.', '.'};

  private final long dotIno;
  private final long dotDotIno;
  private final NameTable table;
  /** The table's entries this listing shows, in listing order. */
  private final int[] order;

  DirectoryListing(long dotIno, long dotDotIno, NameTable table, int[] order) {
    this.dotIno = dotIno;
    this.dotDotIno = dotDotIno;
    this.table = table;
    this.order = order;
  }

  /** One visible name: its {@code DT_*} type and the inode number the overlay reports for it. */
  public record Entry(byte[] name, int type, long ino) {}

  /** The entries, "." and ".." first; each {@code get} makes its {@link Entry}. */
  public List<Entry> entries() {
    return new AbstractList<>() {
      @Override
      public Entry get(int i) {
        return new Entry(name(i), type(i), ino(i));
      }

      @Override
      public int size() {
        return DirectoryListing.this.size();
      }
    };
  }

  /** Entries, "." and ".." included. */
  public int size() {
    return order.length + 2;
  }

  /** The name of entry {@code i}, a new array. */
  public byte[] name(int i) {
    return i == 0 ? DOT.clone() : i == 1 ? DOT_DOT.clone() : table.name(order[i - 2]);
  }

  /** The {@code DT_*} type of entry {@code i}. */
  public int type(int i) {
    return i < 2 ? DirEntry.DT_DIR : table.type(order[i - 2]);
  }

  /** The inode number of entry {@code i}. */
  public long ino(int i) {
    return i == 0 ? dotIno : i == 1 ? dotDotIno : table.ino(order[i - 2]);
  }

  /** Entries other than "." and "..". */
  public int visibleCount() {
    return order.length;
  }

  /** The whiteouts the upper directory holds, which an rmdir or a rename over it must remove first. */
  List<byte[]> upperWhiteouts() {
    List<byte[]> found = new ArrayList<>();
    for (int k = 0; k < table.size(); k++) {
      if ((table.flags(k) & (NameTable.WHITEOUT | NameTable.UPPER)) == (NameTable.WHITEOUT | NameTable.UPPER)) {
        found.add(table.name(k));
      }
    }
    return found;
  }
}
