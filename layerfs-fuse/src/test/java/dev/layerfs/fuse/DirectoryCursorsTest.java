package dev.layerfs.fuse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.layerfs.core.Node;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories read without OPENDIR handles: a reader halfway through one goes on where it was however many other
 * directories are read meanwhile, as a depth-first walk that removes what it has seen reads its parent.
 */
class DirectoryCursorsTest {
  @TempDir Path tmp;

  @Test
  void aReaderHalfwayThroughGoesOnAfterAWalkThroughManyOtherDirectories() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower/p"));
    Path lower2 = Files.createDirectories(tmp.resolve("lower2/p"));
    Set<String> all = new TreeSet<>();
    for (int i = 0; i < 100; i++) {
      Path sub = Files.createDirectories((i % 2 == 0 ? lower : lower2).resolve("d" + i));
      Files.writeString(sub.resolve("f"), "x");
      all.add("d" + i);
    }
    try (Overlay overlay = Overlay.open(OverlayOptions.parse("lowerdir=" + tmp.resolve("lower") + ":"
        + tmp.resolve("lower2") + ",upperdir=" + Files.createDirectories(tmp.resolve("upper")) + ",workdir="
        + Files.createDirectories(tmp.resolve("work"))))) {
      DirectoryCursors cursors = new DirectoryCursors(overlay);
      long ids = 100;
      Node p = overlay.lookup(overlay.root(), "p".getBytes(UTF_8));
      long pId = ids++;
      List<String> seen = new ArrayList<>();
      long[] offset = {0};
      int taken;
      do {
        taken = read(cursors, pId, p, offset, seen, 40); // more directories between two reads than are kept
        for (String name : seen.subList(seen.size() - taken, seen.size())) {
          Node sub = overlay.lookup(p, name.getBytes(UTF_8));
          List<String> inner = new ArrayList<>();
          long[] innerOffset = {0};
          while (read(cursors, ids, sub, innerOffset, inner, 100) > 0) {
            // to its end
          }
          ids++;
          overlay.unlink(sub, "f".getBytes(UTF_8));
          overlay.rmdir(p, name.getBytes(UTF_8));
        }
      } while (taken > 0);
      assertEquals(all, new TreeSet<>(seen), "every subdirectory seen, though each was removed once seen");
      assertEquals(all.size(), seen.size(), "each once");
      cursors.closeAll();
    }
  }

  @Test
  void aNewDirectoryIsReadWhileMoreThanTheKeptNumberAreHalfRead() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    for (int d = 0; d < 41; d++) {
      Path dir = Files.createDirectories(lower.resolve("d" + d));
      for (int i = 0; i < 10; i++) {
        Files.writeString(dir.resolve("f" + i), "x");
      }
    }
    try (Overlay overlay = Overlay.open(OverlayOptions.parse("lowerdir=" + lower + ",upperdir="
        + Files.createDirectories(tmp.resolve("upper")) + ",workdir=" + Files.createDirectories(tmp.resolve("work"))))) {
      DirectoryCursors cursors = new DirectoryCursors(overlay);
      List<List<String>> seen = new ArrayList<>();
      long[][] offsets = new long[41][1];
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        for (int d = 0; d < 41; d++) {
          seen.add(new ArrayList<>());
          Node dir = overlay.lookup(overlay.root(), ("d" + d).getBytes(UTF_8));
          read(cursors, 100 + d, dir, offsets[d], seen.get(d), 2); // halfway: none of them idle
        }
        for (int d = 0; d < 41; d++) {
          Node dir = overlay.lookup(overlay.root(), ("d" + d).getBytes(UTF_8));
          while (read(cursors, 100 + d, dir, offsets[d], seen.get(d), 3) > 0) {
            // to its end
          }
          assertEquals(10, new TreeSet<>(seen.get(d)).size(), "d" + d + ": " + seen.get(d));
          assertEquals(10, seen.get(d).size(), "d" + d + ": " + seen.get(d));
        }
      });
      cursors.closeAll();
    }
  }

  /** Reads up to {@code count} names other than "." and ".." from {@code offset[0]} on; answers how many. */
  private static int read(DirectoryCursors cursors, long id, Node dir, long[] offset, List<String> into, int count)
      throws Exception {
    int before = into.size();
    cursors.read(id, dir, offset[0], (name, ino, type, next) -> {
      if (into.size() - before == count) {
        return false;
      }
      if (!Names.isDotOrDotDot(name)) {
        into.add(new String(name, UTF_8));
      }
      offset[0] = next;
      return true;
    });
    return into.size() - before;
  }
}
