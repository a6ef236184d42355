package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.posix.DirectoryReader;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.PosixException;
import java.util.Arrays;

/**
 * The names a directory's lower layers hold, so a lookup of a name none of them has (every create, every
 * failed probe of a search path) costs no system call per layer. Lower layers never change while the overlay is
 * open, so the set never goes stale; it is dropped with its node.
 *
 * <p>Only a 32-bit hash of each name is kept, sorted: 4 bytes a name instead of ~80 for a set of names, which
 * matters because a walk loads the set of every directory it passes. A hash that matches by chance only sends that
 * lookup to the layers, as if the set had not been loaded.
 */
final class LowerNames {
  /**
   * Lookups in one directory that found nothing in its lower layers before their names are read: lookups that find
   * their names (a walk's, a listing's) never pay for a second read of the directory.
   */
  static final int LOAD_AFTER = 8;
  /** Directories with more names than this keep asking the layers, to bound memory. */
  static final int MAX_NAMES = 50_000;
  private static final LowerNames UNBOUNDED = new LowerNames(null);

  /** Sorted hashes of the names, or null: ask the layers. */
  private final int[] hashes;

  private LowerNames(int[] hashes) {
    this.hashes = hashes;
  }

  /** False only when no lower layer of {@code dir} has {@code name} (nor a {@code .wh.} file for it). */
  static boolean mayHave(Node dir, byte[] name) {
    LowerNames known = dir.lowerNames;
    return known == null || known.hashes == null || Arrays.binarySearch(known.hashes, hash(name, 0, name.length)) >= 0;
  }

  /**
   * Counts a lookup the lower layers of {@code dir} answered with nothing; at {@link #LOAD_AFTER} of them the names
   * are read, so that later misses (creates, search paths) cost no system call per layer.
   */
  static void missed(Node dir) throws PosixException {
    if (dir.lowerNames == null && dir.lowerMisses.incrementAndGet() >= LOAD_AFTER) {
      dir.lowerNames = load(dir.lowers);
    }
  }

  /** FNV-1a, folded to 32 bits. */
  static int hash(byte[] bytes, int from, int to) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h = (h ^ (bytes[i] & 0xff)) * 0x100000001b3L;
    }
    return (int) (h ^ (h >>> 32));
  }

  /**
   * Hashes the names straight from {@code getdents64}'s buffer, without a list of entries: a directory of a million
   * names would otherwise hold ~80 MB for a moment only to find it has more than {@link #MAX_NAMES}.
   */
  private static LowerNames load(Lower[] lowers) throws PosixException {
    int[] hashes = new int[64];
    int count = 0;
    byte[] name = new byte[Names.NAME_MAX];
    for (Lower lower : lowers) {
      try (Layer.Location at = lower.layer().locate(lower.path());
          DirectoryReader reader = DirectoryReader.open(at.dirfd(), at.name())) {
        for (; reader.hasEntry(); reader.advance()) {
          if (reader.isDotOrDotDot()) {
            continue;
          }
          int length = reader.nameLength();
          reader.copyName(name, 0);
          boolean whiteout = Lookups.isOciWhiteout(name, length);
          int added = whiteout ? 2 : 1;
          if (count + added > MAX_NAMES) {
            return UNBOUNDED;
          }
          if (count + added > hashes.length) {
            hashes = Arrays.copyOf(hashes, 2 * hashes.length);
          }
          hashes[count++] = hash(name, 0, length);
          if (whiteout) {
            hashes[count++] = hash(name, Lookups.WH_PREFIX.length, length);
          }
        }
      }
    }
    hashes = Arrays.copyOf(hashes, count);
    Arrays.sort(hashes);
    return new LowerNames(hashes);
  }
}
