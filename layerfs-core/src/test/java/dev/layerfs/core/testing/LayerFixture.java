package dev.layerfs.core.testing;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Layer trees built from a seed, identical every time they are built, so one copy can be mounted by the kernel
 * and another opened by layerfs. Names come from a small alphabet so random operations often hit existing entries,
 * and lower layers hold what overlays meet in practice: whiteouts, opaque directories, symlinks, hard links,
 * fifos, xattrs, odd modes and owners.
 */
public final class LayerFixture {
  public static final List<String> NAMES = List.of("a", "b", "c", "d");
  /** All fixture times are before this, so times preserved by copy-up can be told from new ones. */
  public static final long OLD_TIME = 1_500_000_000L;

  private final int lowerCount;
  private final Populator populator;

  /** Fills freshly made layer directories; must do the same every time. */
  public interface Populator {
    void populate(List<Path> lowers, Path upper) throws IOException;
  }

  public LayerFixture(int lowerCount, Populator populator) {
    this.lowerCount = lowerCount;
    this.populator = populator;
  }

  /** Random trees from a seed: {@code lowerCount} lower layers, and a non-empty upper when asked. */
  public static LayerFixture random(long seed, int lowerCount, boolean withUpper, boolean userXattr) {
    String prefix = userXattr ? "user.overlay." : "trusted.overlay.";
    return new LayerFixture(lowerCount, (lowers, upper) -> {
      Random random = new Random(seed);
      for (int i = lowers.size() - 1; i >= 0; i--) {
        populate(lowers.get(i), random, i == lowers.size() - 1, (long) i * 1000, prefix);
      }
      if (withUpper) {
        populate(upper, random, false, 9000, prefix);
        if (!userXattr) {
          addRedirects(upper, random, prefix);
        }
      }
    });
  }

  /** The directories of one built copy. */
  public record Layers(List<Path> lowers, Path upper, Path work, Path merged) {
    public String options() {
      StringBuilder s = new StringBuilder("lowerdir=");
      for (int i = 0; i < lowers.size(); i++) {
        s.append(i == 0 ? "" : ":").append(lowers.get(i));
      }
      return s + ",upperdir=" + upper + ",workdir=" + work;
    }
  }

  /** Builds one copy under {@code root}: root/l0 (top) … root/lN, root/upper, root/work, root/merged. */
  public Layers build(Path root) throws IOException {
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; i < lowerCount; i++) {
      Path dir = Files.createDirectories(root.resolve("l" + i));
      lowers.add(dir);
    }
    Path upper = Files.createDirectories(root.resolve("upper"));
    Path work = Files.createDirectories(root.resolve("work"));
    Path merged = Files.createDirectories(root.resolve("merged"));
    populator.populate(lowers, upper);
    return new Layers(lowers, upper, work, merged);
  }

  private static void populate(Path layer, Random random, boolean bottom, long timeBase, String prefix)
      throws IOException {
    Map<String, Character> kinds = new LinkedHashMap<>();
    int count = 3 + random.nextInt(10);
    for (int i = 0; i < count; i++) {
      String path = randomPath(random);
      if (!makeParents(layer, path, kinds)) {
        continue;
      }
      if (kinds.containsKey(path)) {
        continue;
      }
      char kind = pickKind(random, bottom);
      create(layer, path, kind, random, kinds, prefix);
      kinds.put(path, kind);
    }
    setTimes(layer, kinds, timeBase);
  }

  /**
   * Directories a rename left in an earlier session: {@code overlay.redirect} pointing at the old place (a
   * sibling's name, or an absolute path), and a whiteout at that place, as a real rename leaves it. Places the upper
   * layer already uses are skipped, so the state is one the kernel could have written.
   */
  private static void addRedirects(Path upper, Random random, String prefix) throws IOException {
    for (int i = random.nextInt(3); i > 0; i--) {
      boolean absolute = random.nextBoolean();
      String target = absolute ? randomPath(random) : NAMES.get(random.nextInt(NAMES.size()));
      Path old = upper.resolve(target);
      if (!canWhiteout(upper, target)) {
        continue;
      }
      Files.createDirectories(old.getParent());
      Posix.mknodat(Posix.AT_FDCWD, Names.bytes(old.toString()), Posix.S_IFCHR, 0);
      Path dir = upper.resolve("r" + i);
      Files.createDirectory(dir);
      setxattr(dir, prefix + "redirect", absolute ? "/" + target : target);
      Timespec when = new Timespec(OLD_TIME - 50, 0);
      Posix.utimensat(Posix.AT_FDCWD, Names.bytes(dir.toString()), when, when, 0);
    }
    Timespec when = new Timespec(OLD_TIME - 40, 0);
    for (Path p : List.of(upper)) {
      Posix.utimensat(Posix.AT_FDCWD, Names.bytes(p.toString()), when, when, 0);
    }
  }

  /** True when no upper entry is at {@code target} and its upper ancestors are directories or absent. */
  private static boolean canWhiteout(Path upper, String target) {
    Path p = upper;
    String[] parts = target.split("/");
    for (int i = 0; i < parts.length; i++) {
      p = p.resolve(parts[i]);
      boolean last = i == parts.length - 1;
      if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && (last || !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
        return false;
      }
    }
    return true;
  }

  static String randomPath(Random random) {
    int depth = 1 + random.nextInt(3);
    StringBuilder s = new StringBuilder();
    for (int d = 0; d < depth; d++) {
      s.append(d == 0 ? "" : "/").append(NAMES.get(random.nextInt(NAMES.size())));
    }
    return s.toString();
  }

  private static boolean makeParents(Path layer, String path, Map<String, Character> kinds) throws IOException {
    int slash = path.indexOf('/');
    while (slash >= 0) {
      String parent = path.substring(0, slash);
      Character k = kinds.get(parent);
      if (k == null) {
        Files.createDirectory(layer.resolve(parent));
        kinds.put(parent, 'd');
      } else if (k != 'd' && k != 'o') {
        return false;
      }
      slash = path.indexOf('/', slash + 1);
    }
    return true;
  }

  private static char pickKind(Random random, boolean bottom) {
    int r = random.nextInt(100);
    if (r < 40) {
      return 'f';
    }
    if (r < 65) {
      return 'd';
    }
    if (r < 73) {
      return bottom ? 'f' : 'w';
    }
    if (r < 80) {
      return bottom ? 'd' : 'o';
    }
    if (r < 88) {
      return 's';
    }
    if (r < 94) {
      return 'h';
    }
    return 'p';
  }

  private static void create(Path layer, String path, char kind, Random random, Map<String, Character> kinds,
      String prefix) throws IOException {
    Path p = layer.resolve(path);
    byte[] abs = Names.bytes(p.toString());
    switch (kind) {
      case 'f' -> {
        Files.writeString(p, "data of " + path + " " + random.nextInt(1000) + "\n");
        Posix.fchmodat(Posix.AT_FDCWD, abs, random.nextBoolean() ? 0644 : 0755);
        if (random.nextInt(4) == 0) {
          Xattrs.set(Posix.AT_FDCWD, abs, "user.tag", Names.bytes("v" + random.nextInt(10)), 0);
        }
        if (random.nextInt(5) == 0) {
          Posix.fchownat(Posix.AT_FDCWD, abs, 1000 + random.nextInt(3), 1000, 0);
        }
      }
      case 'd' -> {
        Files.createDirectory(p);
        Posix.fchmodat(Posix.AT_FDCWD, abs, random.nextBoolean() ? 0755 : 0750);
      }
      case 'o' -> {
        Files.createDirectory(p);
        setxattr(p, prefix + "opaque", "y");
      }
      case 'w' -> Posix.mknodat(Posix.AT_FDCWD, abs, Posix.S_IFCHR, 0);
      case 's' -> Files.createSymbolicLink(p, Path.of(NAMES.get(random.nextInt(NAMES.size()))));
      case 'h' -> {
        String other = kinds.entrySet().stream().filter(e -> e.getValue() == 'f').map(Map.Entry::getKey)
            .findFirst().orElse(null);
        if (other == null) {
          Files.writeString(p, "lonely " + path + "\n");
        } else {
          Files.createLink(p, layer.resolve(other));
        }
      }
      case 'p' -> Posix.mknodat(Posix.AT_FDCWD, abs, Posix.S_IFIFO | 0644, 0);
      default -> throw new IllegalArgumentException("kind " + kind);
    }
  }

  private static void setxattr(Path p, String name, String value) throws PosixException {
    Xattrs.set(Posix.AT_FDCWD, Names.bytes(p.toString()), name, Names.bytes(value), 0);
  }

  /** Fixed times, deepest first so setting a child's time does not move its parent's. */
  public static void setTimes(Path layer, Map<String, Character> kinds, long base) throws PosixException {
    List<String> paths = new ArrayList<>(kinds.keySet());
    paths.sort(Comparator.comparingInt((String s) -> s.split("/").length).reversed());
    long t = OLD_TIME - 100_000 + base;
    for (String path : paths) {
      Timespec when = new Timespec(t++, 500);
      Posix.utimensat(Posix.AT_FDCWD, Names.bytes(layer.resolve(path).toString()), when, when,
          Posix.AT_SYMLINK_NOFOLLOW);
    }
    Timespec when = new Timespec(t, 0);
    Posix.utimensat(Posix.AT_FDCWD, Names.bytes(layer.toString()), when, when, 0);
  }
}
