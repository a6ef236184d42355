package dev.layerfs.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lower layers as OCI tools extract them, whiteouts still files: {@code .wh.NAME} hides NAME below its layer and
 * {@code .wh..wh..opq} makes its directory opaque; neither is seen. In the bottom layer they hide nothing.
 */
class OciLowerLayersTest {
  @TempDir Path tmp;

  @Test
  void whiteoutFilesHideTheLayersBelowAndAreNotSeen() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      Path top = Files.createDirectories(f.lower.resolve("d"));
      Path bottom = Files.createDirectories(f.lower2.resolve("d"));
      Files.writeString(bottom.resolve("gone"), "x");
      Files.writeString(bottom.resolve("kept"), "x");
      Files.createFile(top.resolve(".wh.gone"));
      Files.createDirectories(f.lower2.resolve("o"));
      Files.writeString(f.lower2.resolve("o/hidden"), "x");
      Files.createDirectories(f.lower.resolve("o"));
      Files.createFile(f.lower.resolve("o/.wh..wh..opq"));
      Files.writeString(f.lower.resolve("o/new"), "x");
      Overlay overlay = f.open();

      assertEquals(Set.of("kept"), names(overlay, "d"));
      assertEquals(Set.of("new"), names(overlay, "o"), "the opaque directory hides the bottom layer's names");
      assertAbsent(overlay, "d", "gone");
      assertAbsent(overlay, "o", "hidden");
      assertPresent(overlay, "o", "new");
      assertAbsent(overlay, "o", ".wh..wh..opq");
      assertAbsent(overlay, "d", ".wh.gone");
    }
  }

  @Test
  void whiteoutFilesInTheBottomLayerHideNothingAndAreNotSeen() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      Path bottom = Files.createDirectories(f.lower2.resolve("b"));
      Files.createFile(bottom.resolve(".wh..wh..opq"));
      Files.createFile(bottom.resolve(".wh.nothing"));
      Files.writeString(bottom.resolve("file"), "x");
      Files.createDirectories(f.lower.resolve("b"));
      Files.writeString(f.lower.resolve("b/top"), "x");
      Files.createDirectories(f.lower2.resolve("only"));
      Files.createFile(f.lower2.resolve("only/.wh..wh..opq"));
      Files.writeString(f.lower2.resolve("only/file"), "x");
      Overlay overlay = f.open();

      assertEquals(Set.of("file", "top"), names(overlay, "b"));
      assertEquals(Set.of("file"), names(overlay, "only"));
      assertPresent(overlay, "b", "file");
      assertPresent(overlay, "only", "file");
      assertAbsent(overlay, "b", "nothing");
      assertAbsent(overlay, "b", ".wh..wh..opq");
      assertAbsent(overlay, "b", ".wh.nothing");
    }
  }

  /** The names a listing shows, the same whether read whole or streamed as a FUSE mount reads it. */
  private static Set<String> names(Overlay overlay, String dir) throws Exception {
    Node d = overlay.lookup(overlay.root(), dir.getBytes(UTF_8));
    try {
      Set<String> whole = new TreeSet<>();
      for (DirectoryListing.Entry e : overlay.readDirectory(d).entries()) {
        whole.add(new String(e.name(), UTF_8));
      }
      Set<String> streamed = new TreeSet<>();
      try (OpenDirectory open = overlay.openDirectory(d)) {
        open.read(0, (name, ino, type, next) -> streamed.add(new String(name, UTF_8)));
      }
      assertEquals(whole, streamed);
      whole.removeAll(Set.of(".", ".."));
      return whole;
    } finally {
      overlay.forget(d, 1);
    }
  }

  private static void assertPresent(Overlay overlay, String dir, String name) throws Exception {
    Node d = overlay.lookup(overlay.root(), dir.getBytes(UTF_8));
    Node n = overlay.lookupIfExists(d, name.getBytes(UTF_8));
    assertNotNull(n, dir + "/" + name);
    overlay.forget(n, 1);
    overlay.forget(d, 1);
  }

  private static void assertAbsent(Overlay overlay, String dir, String name) throws Exception {
    Node d = overlay.lookup(overlay.root(), dir.getBytes(UTF_8));
    assertNull(overlay.lookupIfExists(d, name.getBytes(UTF_8)), dir + "/" + name);
    overlay.forget(d, 1);
  }
}
