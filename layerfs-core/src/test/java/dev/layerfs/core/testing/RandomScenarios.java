package dev.layerfs.core.testing;

import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Xattrs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Short random operation sequences over the fixture's small name space, so they keep running into existing
 * names, whiteouts, opaque directories and each other's results.
 */
public final class RandomScenarios {
  /** One ASCII name and one whose bytes are UTF-8 beyond ASCII, which every front end can express. */
  private static final List<String> XATTR_NAMES = List.of("user.k0", Xattrs.ofText("user.k\u00e9"));

  private RandomScenarios() {}

  public static List<Op> generate(long seed, int maxOps) {
    return generate(seed, maxOps, false);
  }

  /**
   * Like {@link #generate(long, int)}; with {@code flags}, one operation in ten changes or shows inode flags
   * (immutable, append-only) or touches a file, so the others keep running into protected objects. Views that go
   * through the VFS (FUSE) cannot match every refusal's errno (see the FUSE README), so only the engine runs them.
   */
  public static List<Op> generate(long seed, int maxOps, boolean flags) {
    Random r = new Random(seed ^ 0x5DEECE66DL);
    int count = 1 + r.nextInt(maxOps);
    List<Op> ops = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ops.add(flags && r.nextInt(10) == 0 ? nextFlagOp(r) : next(r));
    }
    return ops;
  }

  private static Op nextFlagOp(Random r) {
    String p = LayerFixture.randomPath(r);
    return switch (r.nextInt(6)) {
      case 0, 1 -> new Op.Chattr(p, "+i");
      case 2 -> new Op.Chattr(p, "+a");
      case 3 -> new Op.Chattr(p, r.nextBoolean() ? "-i" : "-ia");
      case 4 -> new Op.Lsattr(p);
      default -> new Op.Touch(p);
    };
  }

  private static Op next(Random r) {
    String p = LayerFixture.randomPath(r);
    int pick = r.nextInt(100);
    if (pick < 12) {
      return new Op.Write(p, "w" + r.nextInt(100), r.nextInt(4) != 0);
    }
    if (pick < 16) {
      return new Op.Append(p, "+" + r.nextInt(100));
    }
    if (pick < 20) {
      return new Op.Read(p);
    }
    if (pick < 30) {
      return new Op.Mkdir(p, r.nextBoolean() ? 0755 : 0700);
    }
    if (pick < 37) {
      return new Op.Rmdir(p);
    }
    if (pick < 46) {
      return new Op.Unlink(p);
    }
    if (pick < 60) {
      int flags = switch (r.nextInt(6)) {
        case 0 -> Posix.RENAME_NOREPLACE;
        case 1 -> Posix.RENAME_EXCHANGE;
        default -> 0;
      };
      return new Op.Rename(p, LayerFixture.randomPath(r), flags);
    }
    if (pick < 63) {
      return new Op.Symlink(LayerFixture.NAMES.get(r.nextInt(4)), p);
    }
    if (pick < 67) {
      return new Op.Link(p, LayerFixture.randomPath(r));
    }
    if (pick < 69) {
      return new Op.Mkfifo(p);
    }
    if (pick < 73) {
      return new Op.Chmod(p, r.nextBoolean() ? 0600 : 0751);
    }
    if (pick < 76) {
      return new Op.Chown(p, 1000 + r.nextInt(3), 100 + r.nextInt(2));
    }
    if (pick < 79) {
      return new Op.Utimes(p, 1_000_000_000L + r.nextInt(1000));
    }
    if (pick < 82) {
      return new Op.Truncate(p, r.nextInt(3) * 3L);
    }
    if (pick < 86) {
      return new Op.SetXattr(p, XATTR_NAMES.get(r.nextInt(2)), "v" + r.nextInt(10));
    }
    if (pick < 89) {
      return new Op.RemoveXattr(p, XATTR_NAMES.get(r.nextInt(2)));
    }
    if (pick < 93) {
      return new Op.Lstat(p);
    }
    if (pick < 97) {
      return new Op.List(r.nextInt(3) == 0 ? "" : p);
    }
    return new Op.Readlink(p);
  }
}
