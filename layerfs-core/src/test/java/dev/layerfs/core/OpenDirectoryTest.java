package dev.layerfs.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One open directory read by several readers at once, each at its own offsets, as a FUSE mount without OPENDIR
 * handles reads it: every reader sees each entry that it started with exactly once, whatever the others read or
 * change meanwhile.
 */
class OpenDirectoryTest {
  private static final Caller ROOT = new Caller(0, 0, 022);

  @TempDir Path tmp;

  @Test
  void aReaderOfAMergedDirectoryGoesOnInItsSnapshotWhenAnotherStartsOver() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      files(Files.createDirectories(f.lower.resolve("d")), "a", "b", "c", "d", "e");
      files(Files.createDirectories(f.lower2.resolve("d")), "f", "g", "h", "i", "j");
      Overlay overlay = f.open();
      Node d = overlay.lookup(overlay.root(), bytes("d"));
      try (OpenDirectory open = overlay.openDirectory(d)) {
        Reader first = new Reader(open);
        first.read(4);
        overlay.unlink(d, bytes(first.names.get(first.names.size() - 1)));
        overlay.create(d, bytes("new"), Posix.O_WRONLY, 0644, ROOT).close();

        Reader second = new Reader(open);
        second.readToEnd();
        Set<String> now = set("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "new");
        now.remove(first.names.get(first.names.size() - 1));
        assertEquals(now, second.seen(), "a reader starting after the changes sees them");

        first.readToEnd();
        assertEquals(set("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), first.seen(),
            "the first reader sees the directory as it was when it started, each name once");
      }
    }
  }

  @Test
  void threeReadersOfAChangingMergedDirectoryEachSeeWhatWasThereWhenTheyStarted() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      files(Files.createDirectories(f.lower.resolve("d")), "a", "b", "c", "d");
      files(Files.createDirectories(f.lower2.resolve("d")), "e", "f", "g", "h");
      Overlay overlay = f.open();
      Node d = overlay.lookup(overlay.root(), bytes("d"));
      try (OpenDirectory open = overlay.openDirectory(d)) {
        List<Reader> readers = new ArrayList<>();
        List<Set<String>> startedWith = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          Reader reader = new Reader(open);
          reader.read(2);
          readers.add(reader);
          startedWith.add(present(overlay, d));
          overlay.unlink(d, bytes(reader.names.get(0))); // shifts the positions of everything after it
        }
        for (int i = 0; i < readers.size(); i++) {
          readers.get(i).readToEnd();
          assertEquals(startedWith.get(i), readers.get(i).seen(), "reader " + i);
        }
      }
    }
  }

  @Test
  void aReaderOfAStreamedDirectoryGoesOnInItWhenACopyUpMergesIt() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      files(Files.createDirectories(f.lower.resolve("d")), "a", "b", "c", "d", "e", "f");
      Overlay overlay = f.open();
      Node d = overlay.lookup(overlay.root(), bytes("d"));
      try (OpenDirectory open = overlay.openDirectory(d)) {
        Reader streamed = new Reader(open);
        streamed.read(2);
        overlay.create(d, bytes("new"), Posix.O_WRONLY, 0644, ROOT).close();

        Reader merged = new Reader(open);
        merged.readToEnd();
        assertEquals(set("a", "b", "c", "d", "e", "f", "new"), merged.seen(), "read merged from offset 0 on");
        assertEquals(0, merged.read(100), "read again at its end, after its snapshot was let go");
        assertEquals(0, merged.read(100));

        streamed.readToEnd();
        assertEquals(set("a", "b", "c", "d", "e", "f"), streamed.seen(), "the lower directory it started in");
      }
    }
  }

  @Test
  void offsetsOfASmallMergedDirectoryFitInThirtyOneBits() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      files(Files.createDirectories(f.lower.resolve("d")), "a");
      files(Files.createDirectories(f.lower2.resolve("d")), "b");
      Overlay overlay = f.open();
      try (OpenDirectory open = overlay.openDirectory(overlay.lookup(overlay.root(), bytes("d")))) {
        for (int rewind = 0; rewind < 200; rewind++) {
          List<Long> offsets = new ArrayList<>();
          open.read(0, (name, ino, type, next) -> offsets.add(next));
          assertEquals(4, offsets.size());
          offsets.forEach(o -> assertTrue(o > 0 && o < 1L << 31, "offset " + o));
        }
      }
    }
  }

  @Test
  void aClosedDirectoryReadsNothingAndSaysSo() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      files(Files.createDirectories(f.lower.resolve("d")), "a");
      Overlay overlay = f.open();
      OpenDirectory open = overlay.openDirectory(overlay.lookup(overlay.root(), bytes("d")));
      open.close();
      List<String> names = new ArrayList<>();
      assertFalse(open.read(0, (name, ino, type, next) -> names.add(new String(name, UTF_8))));
      assertEquals(List.of(), names);
    }
  }

  /** One reader: its own offset, and the names it was given. */
  private static final class Reader {
    final OpenDirectory open;
    final List<String> names = new ArrayList<>();
    long offset;

    Reader(OpenDirectory open) {
      this.open = open;
    }

    /** Reads up to {@code count} entries besides "." and ".."; answers how many it got. */
    int read(int count) throws Exception {
      int before = names.size();
      open.read(offset, (name, ino, type, next) -> {
        if (names.size() - before == count) {
          return false;
        }
        if (!Names.isDotOrDotDot(name)) {
          names.add(new String(name, UTF_8));
        }
        offset = next;
        return true;
      });
      return names.size() - before;
    }

    void readToEnd() throws Exception {
      long at;
      do {
        at = offset;
        read(2);
      } while (offset != at);
    }

    Set<String> seen() {
      assertEquals(new TreeSet<>(names).size(), names.size(), "each name once: " + names);
      return new TreeSet<>(names);
    }
  }

  /** The names in {@code d} now, through a fresh open directory. */
  private static Set<String> present(Overlay overlay, Node d) throws Exception {
    try (OpenDirectory open = overlay.openDirectory(d)) {
      Reader reader = new Reader(open);
      reader.readToEnd();
      return reader.seen();
    }
  }

  private static void files(Path dir, String... names) throws Exception {
    for (String name : names) {
      Files.writeString(dir.resolve(name), name);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private static Set<String> set(String... names) {
    return new TreeSet<>(List.of(names));
  }
}
