package dev.layerfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.DirectoryReader;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge's bookkeeping seen from outside: references given back, node ids kept near their limit, options. */
class BridgeTest {
  @TempDir Path tmp;

  private OverlayMount mount(OverlayFileSystem.Settings settings) throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower/d"));
    for (int i = 0; i < 2000; i++) {
      Files.writeString(lower.resolve("f" + i), "x");
    }
    for (String d : new String[] {"upper", "work", "merged"}) {
      Files.createDirectories(tmp.resolve(d));
    }
    OverlayOptions overlay = OverlayOptions.parse("lowerdir=" + tmp.resolve("lower") + ",upperdir="
        + tmp.resolve("upper") + ",workdir=" + tmp.resolve("work"));
    return OverlayMount.mount(tmp.resolve("merged"), new MountOptions(overlay, false, true, "layerfs", "layerfs",
        settings, 0));
  }

  @Test
  void theKernelsNodeIdsStayNearTheLimitAndHandlesAreGivenBack() throws Exception {
    try (OverlayMount m = mount(OverlayFileSystem.Settings.DEFAULT.withNodeLimit(200))) {
      try (Stream<Path> walk = Files.walk(m.mountPoint())) {
        assertEquals(2002, walk.filter(p -> Files.isRegularFile(p) || Files.isDirectory(p)).count());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (m.fileSystem().knownNodes() > 300 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(m.fileSystem().knownNodes() <= 300, m.fileSystem().knownNodes() + " node ids held");
      assertEquals(0, m.fileSystem().openHandles());
      // Forgotten names are found again.
      assertEquals("x", Files.readString(m.mountPoint().resolve("d/f7")));
      assertEquals("x", Files.readString(m.mountPoint().resolve("d/f1999")));
    }
    assertFalse(Files.readString(Path.of("/proc/mounts")).contains(tmp.toString()));
  }

  /**
   * READDIRPLUS hands the kernel a node per entry only while it holds fewer ids than the limit; past it, entries go
   * as names alone (node id 0), so listing a huge directory while its entries are stat'ed (which makes the kernel
   * ask READDIRPLUS for every chunk) cannot make the daemon hold a node per entry, and the listing stays whole.
   */
  @Test
  void readdirplusPastTheNodeLimitAnswersNamesAlone() throws Exception {
    int limit = 20; // below the 25 entries of the smallest READDIRPLUS the kernel asks for (4 KiB)
    try (OverlayMount m = mount(OverlayFileSystem.Settings.DEFAULT.withNodeLimit(limit))) {
      Path d = m.mountPoint().resolve("d");
      int names = 0;
      int stats = 0;
      int mostHeld = 0;
      int afterFirstChunk = -1;
      try (DirectoryReader reader = DirectoryReader.open(Posix.AT_FDCWD, Names.bytes(d.toString()))) {
        for (; reader.hasEntry(); reader.advance()) {
          if (afterFirstChunk < 0) {
            afterFirstChunk = m.fileSystem().knownNodes(); // the first chunk is a READDIRPLUS
          }
          names++;
          // A stat every 50 names: the kernel then asks READDIRPLUS for the next getdents too.
          if (names % 50 == 0) {
            Posix.lstatat(Posix.AT_FDCWD, Names.bytes(d + "/" + new String(reader.name(), StandardCharsets.UTF_8)));
            stats++;
            mostHeld = Math.max(mostHeld, m.fileSystem().knownNodes());
          }
        }
      }
      assertEquals(2002, names, "entries listed, . and .. included");
      assertTrue(mostHeld <= limit + stats + 2, mostHeld + " node ids held, " + stats + " stats, limit " + limit);
      assertTrue(afterFirstChunk >= limit, afterFirstChunk + " node ids held after the first READDIRPLUS, limit "
          + limit + ": below the limit it hands out a node per entry");
    }
  }

  @Test
  void optionsSplitBetweenEngineAndMount() throws Exception {
    MountOptions o = MountOptions.parse("lowerdir=/a:/b,upperdir=/u,workdir=/w,allow_other,fsname=img,nodev,"
        + "noatime,timeout=2.5,fsync=0,threaded=0,userxattr");
    assertEquals(2, o.overlay().lowerDirs().size());
    assertTrue(o.overlay().userXattr());
    assertTrue(o.allowOther());
    assertEquals("img", o.fsName());
    assertEquals(Duration.ofMillis(2500), o.settings().timeout());
    assertFalse(o.settings().syncWrites());
    assertEquals(1, o.threads());
    assertTrue(MountOptions.parse("lowerdir=/a,fsync=volatile,upperdir=/u,workdir=/w").overlay().volatileWrites());
    assertTrue(MountOptions.parse("lowerdir=/a,passthrough=all").settings().passthroughLowerReads());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MountOptions.parse("lowerdir=/a,squash_to_uid=0"));
    assertTrue(e.getMessage().startsWith("squash_to_uid=0: "), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("lowerdir=/a,frobnicate"));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("lowerdir=/a,timeout=soon"));
    assertThrows(IllegalArgumentException.class, () -> MountOptions.parse("lowerdir=/a,allow_other=maybe"));
  }
}
