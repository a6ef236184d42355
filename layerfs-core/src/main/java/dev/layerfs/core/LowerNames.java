package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.core.Node.Name;
import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The names a directory's lower layers hold, so a lookup of a name none of them has (every create, every
 * failed probe of a search path) costs no system call per layer. Lower layers never change while the overlay is
 * open, so the set never goes stale; it is dropped with its node.
 */
final class LowerNames {
  /** Lookups in one directory before its lower names are read; one-off lookups never pay for a listing. */
  static final int LOAD_AFTER = 8;
  /** Directories with more names than this keep asking the layers, to bound memory. */
  static final int MAX_NAMES = 50_000;
  private static final LowerNames UNBOUNDED = new LowerNames(null);

  private final Set<Name> names;

  private LowerNames(Set<Name> names) {
    this.names = names;
  }

  /** False only when no lower layer of {@code dir} has {@code name} (nor a {@code .wh.} file for it). */
  static boolean mayHave(Node dir, byte[] name) throws PosixException {
    LowerNames known = dir.lowerNames;
    if (known == null) {
      if (dir.lowerLookups.incrementAndGet() < LOAD_AFTER) {
        return true;
      }
      known = load(dir.lowers);
      dir.lowerNames = known;
    }
    return known.names == null || known.names.contains(new Name(name));
  }

  private static LowerNames load(Lower[] lowers) throws PosixException {
    Set<Name> names = new HashSet<>();
    for (Lower lower : lowers) {
      java.util.List<DirEntry> entries;
      try (Layer.Location at = lower.layer().locate(lower.path())) {
        entries = Posix.readDirectory(at.dirfd(), at.name());
      }
      for (DirEntry e : entries) {
        byte[] n = e.name();
        names.add(new Name(n));
        if (n.length > Lookups.WH_PREFIX.length
            && Arrays.equals(n, 0, Lookups.WH_PREFIX.length, Lookups.WH_PREFIX, 0, Lookups.WH_PREFIX.length)) {
          names.add(new Name(Arrays.copyOfRange(n, Lookups.WH_PREFIX.length, n.length)));
        }
      }
      if (names.size() > MAX_NAMES) {
        return UNBOUNDED;
      }
    }
    return new LowerNames(names);
  }
}
