package dev.layerfs.core;

import java.util.Arrays;

/**
 * The names met while a directory is merged, packed into a few arrays instead of an object or three per name, so
 * that a merged listing of hundreds of thousands of names fits in the daemon's small heap (the kernel's
 * {@code ovl_dir_cache} likewise holds one allocation per name).
 *
 * <p>Entry {@code k} has its name at {@code bytes[start(k)..start(k + 1))}, its inode number and its flags: the
 * {@code DT_*} type in the low bits, then whether it is a whiteout and whether it came from the upper layer. While
 * names are added, an open-addressing hash index finds them; {@link #seal} drops it once the merge is done.
 */
final class NameTable {
  static final int TYPE_MASK = 0x0f;
  static final int WHITEOUT = 0x10;
  static final int UPPER = 0x20;
  private static final int MIN_CAPACITY = 16;

  private byte[] bytes = new byte[256];
  /** {@code starts[k]} is where name k begins; {@code starts[count]} is the end of the last one. */
  private int[] starts = new int[MIN_CAPACITY + 1];
  private long[] inos = new long[MIN_CAPACITY];
  private byte[] flags = new byte[MIN_CAPACITY];
  private int count;
  /** Entry number + 1 per slot, 0 for an empty slot; a power of two in length, at most half full. */
  private int[] index = new int[2 * MIN_CAPACITY];

  int size() {
    return count;
  }

  /** The entry named by {@code name[offset..offset + length)}, or -1. */
  int find(byte[] name, int offset, int length) {
    int mask = index.length - 1;
    for (int slot = hash(name, offset, length) & mask; index[slot] != 0; slot = (slot + 1) & mask) {
      int k = index[slot] - 1;
      if (Arrays.equals(bytes, starts[k], starts[k + 1], name, offset, offset + length)) {
        return k;
      }
    }
    return -1;
  }

  /** Adds a name that {@link #find} did not find and answers its entry number. */
  int add(byte[] name, int offset, int length, long ino, int entryFlags) {
    if (count == inos.length) {
      int capacity = count + (count >> 1);
      starts = Arrays.copyOf(starts, capacity + 1);
      inos = Arrays.copyOf(inos, capacity);
      flags = Arrays.copyOf(flags, capacity);
    }
    int start = starts[count];
    if (start + length > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(start + length, bytes.length + (bytes.length >> 1)));
    }
    System.arraycopy(name, offset, bytes, start, length);
    int k = count++;
    starts[count] = start + length;
    inos[k] = ino;
    flags[k] = (byte) entryFlags;
    if (2 * count > index.length) {
      rehash(2 * index.length);
    } else {
      insert(k, name, offset, length);
    }
    return k;
  }

  private void insert(int k, byte[] name, int offset, int length) {
    int mask = index.length - 1;
    int slot = hash(name, offset, length) & mask;
    while (index[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    index[slot] = k + 1;
  }

  private void rehash(int capacity) {
    index = new int[capacity];
    for (int k = 0; k < count; k++) {
      insert(k, bytes, starts[k], starts[k + 1] - starts[k]);
    }
  }

  private static int hash(byte[] name, int offset, int length) {
    return LowerNames.hash(name, offset, offset + length);
  }

  /** Drops the hash index and the unused room of the arrays: the table is only read from now on. */
  void seal() {
    index = null;
    bytes = Arrays.copyOf(bytes, starts[count]);
    starts = Arrays.copyOf(starts, count + 1);
    inos = Arrays.copyOf(inos, count);
    flags = Arrays.copyOf(flags, count);
  }

  byte[] name(int k) {
    return Arrays.copyOfRange(bytes, starts[k], starts[k + 1]);
  }

  long ino(int k) {
    return inos[k];
  }

  void ino(int k, long ino) {
    inos[k] = ino;
  }

  int flags(int k) {
    return flags[k];
  }

  int type(int k) {
    return flags[k] & TYPE_MASK;
  }
}
