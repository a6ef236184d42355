package dev.layerfs.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lookups answered from a directory's lower names (hashes of them) agree with the layers and the listing. */
class LowerNamesTest {
  @TempDir Path tmp;

  @Test
  void lookupsAfterTheNamesAreLoadedFindWhatTheLayersHold() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      Path top = Files.createDirectories(f.lower.resolve("d"));
      Path bottom = Files.createDirectories(f.lower2.resolve("d"));
      for (int i = 0; i < 300; i++) {
        Files.writeString((i % 2 == 0 ? top : bottom).resolve("f" + i), "x");
      }
      Files.writeString(bottom.resolve("gone"), "x");
      Files.createFile(top.resolve(".wh.gone")); // an OCI whiteout in the upper lower layer hides it
      Files.writeString(top.resolve(".wh."), "x"); // the bare prefix hides no name: an ordinary file
      Overlay overlay = f.open();
      Node d = overlay.lookup(overlay.root(), "d".getBytes(UTF_8));
      for (int round = 0; round < 2; round++) { // the first misses load the names, the later lookups use them
        for (int i = 0; i < 300; i++) {
          Node n = overlay.lookupIfExists(d, ("f" + i).getBytes(UTF_8));
          assertNotNull(n, "f" + i);
          overlay.forget(n, 1);
        }
        if (round == 0) {
          assertNull(d.lowerNames, "lookups that find their names read no listing");
        }
        for (int i = 300; i < 600; i++) {
          assertNull(overlay.lookupIfExists(d, ("f" + i).getBytes(UTF_8)), "f" + i);
        }
        assertNull(overlay.lookupIfExists(d, "gone".getBytes(UTF_8)));
        Node bare = overlay.lookupIfExists(d, ".wh.".getBytes(UTF_8));
        assertNotNull(bare, ".wh.");
        overlay.forget(bare, 1);
      }
      assertNotNull(d.lowerNames);
      assertEquals(301, overlay.readDirectory(d).visibleCount(), "the 300 files and .wh.");
      overlay.forget(d, 1);
    }
  }

  @Test
  void aDirectoryWithMoreNamesThanTheLimitIsGivenUpWithoutListingItWhole() throws Exception {
    try (OverlayFixture f = new OverlayFixture(tmp, "")) {
      Path big = Files.createDirectories(f.lower.resolve("big"));
      int count = LowerNames.MAX_NAMES + 10_000;
      for (int i = 0; i < count; i++) {
        Files.createFile(big.resolve("file-with-a-longer-name-" + i));
      }
      Overlay overlay = f.open();
      Node d = overlay.lookup(overlay.root(), "big".getBytes(UTF_8));
      ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
      assertTrue(threads.isThreadAllocatedMemoryEnabled(), "this JVM counts the bytes threads allocate");
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < LowerNames.LOAD_AFTER; i++) { // the last of these reads the names
        assertNull(overlay.lookupIfExists(d, ("absent" + i).getBytes(UTF_8)));
      }
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      assertNotNull(d.lowerNames);
      // A list of the 60,000 entries alone would be ~5 MB (an entry and a name array each); hashing from the
      // getdents64 buffer takes the hash array and the buffer.
      assertTrue(allocated < 1_500_000, "allocated " + allocated + " bytes to read " + count + " names");
      Node last = overlay.lookupIfExists(d, ("file-with-a-longer-name-" + (count - 1)).getBytes(UTF_8));
      assertNotNull(last, "names past the limit are still found in the layer");
      overlay.forget(last, 1);
      assertNull(overlay.lookupIfExists(d, "absent".getBytes(UTF_8)));
      overlay.forget(d, 1);
    }
  }
}
