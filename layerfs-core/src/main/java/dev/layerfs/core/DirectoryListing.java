package dev.layerfs.core;

import java.util.List;

/**
 * A snapshot of a merged directory, taken when it is opened: frontends page through it by offset, so entries are
 * neither lost nor repeated while the directory changes, as POSIX readdir requires.
 *
 * <p>Entries are in the kernel's order for a merged directory, start with "." and "..", and carry the inode
 * number {@code stat} reports. Offsets are positions: the entry at index i has offset i + 1, the position to
 * continue from.
 */
public record DirectoryListing(List<Entry> entries, List<byte[]> upperWhiteouts) {
  /** One visible name: its {@code DT_*} type and the inode number the overlay reports for it. */
  public record Entry(byte[] name, int type, long ino) {}

  /** Entries other than "." and "..". */
  public int visibleCount() {
    return entries.size() - 2;
  }
}
