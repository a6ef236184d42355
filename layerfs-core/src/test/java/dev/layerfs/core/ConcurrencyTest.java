package dev.layerfs.core;

import static dev.layerfs.posix.Names.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.EngineFsOps;
import dev.layerfs.core.testing.TreeSnapshot;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads on one overlay, in the same directories: no lost writes, no errors but the ones the races
 * explain, a consistent tree afterwards, and lower layers untouched.
 */
class ConcurrencyTest {
  private static final Set<Integer> EXPECTED = Set.of(Errno.ENOENT, Errno.EEXIST, Errno.ENOTEMPTY, Errno.ENOTDIR,
      Errno.EISDIR);

  @TempDir Path tmp;

  @Test
  void threadsRacingInTheSameDirectories() throws Exception {
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      for (int i = 0; i < 40; i++) {
        Files.createDirectories(layers.lower.resolve("d" + (i % 4)));
        Files.writeString(layers.lower.resolve("d" + (i % 4) + "/f" + i), "lower " + i + "\n");
      }
      TreeSnapshot lowerBefore = TreeSnapshot.ofDisk(layers.lower, List.of());
      Overlay overlay = layers.open();
      ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
      int threads = 8;
      for (int t = 0; t < threads; t++) {
        layers.fs().write(bytes("log" + t), new byte[0], true);
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> churn(overlay, id, unexpected)));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      assertEquals(List.of(), List.copyOf(unexpected));

      EngineFsOps fs = layers.fs();
      for (int t = 0; t < threads; t++) {
        byte[] log = fs.read(bytes("log" + t));
        assertEquals(300 * 4, log.length, "appends of thread " + t + " were lost");
      }
      TreeSnapshot view = TreeSnapshot.ofView(fs);
      layers.reopen();
      assertEquals(view, TreeSnapshot.ofView(layers.fs()), "the tree reads the same after a restart");
      assertEquals(lowerBefore, TreeSnapshot.ofDisk(layers.lower, List.of()));
    }
  }

  private static void churn(Overlay overlay, int id, ConcurrentLinkedQueue<String> unexpected) {
    EngineFsOps fs = new EngineFsOps(overlay);
    Random r = new Random(id);
    for (int i = 0; i < 300; i++) {
      String d = "d" + r.nextInt(4);
      String f = d + "/f" + r.nextInt(40);
      try {
        fs.append(bytes("log" + id), bytes(String.format("%03d", i % 1000) + "\n"));
      } catch (PosixException e) {
        unexpected.add("log: " + e.getMessage());
      }
      try {
        switch (r.nextInt(8)) {
          case 0 -> fs.write(bytes(f), bytes("t" + id + " " + i), true);
          case 1 -> fs.read(bytes(f));
          case 2 -> fs.unlink(bytes(f));
          case 3 -> fs.rename(bytes(f), bytes("d" + r.nextInt(4) + "/f" + r.nextInt(40)), 0);
          case 4 -> fs.mkdir(bytes(d + "/sub" + r.nextInt(3)), 0755);
          case 5 -> fs.rmdir(bytes(d + "/sub" + r.nextInt(3)));
          case 6 -> fs.list(bytes(d));
          default -> fs.chmod(bytes(f), 0600 | r.nextInt(0100));
        }
      } catch (PosixException e) {
        if (!EXPECTED.contains(e.errno())) {
          unexpected.add(e.getMessage());
        }
      }
    }
  }

  @Test
  void concurrentWritersToOneLowerFileCopyItUpOnce() throws Exception {
    try (OverlayFixture layers = new OverlayFixture(tmp, "")) {
      byte[] data = new byte[1 << 20];
      new Random(1).nextBytes(data);
      Files.write(layers.lower.resolve("big"), data);
      Overlay overlay = layers.open();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          EngineFsOps fs = new EngineFsOps(overlay);
          fs.chmod(bytes("big"), 0600 + id);
          return fs.read(bytes("big"));
        }));
      }
      for (Future<?> f : done) {
        assertArrayEquals(data, (byte[]) f.get());
      }
      pool.shutdown();
      assertArrayEquals(data, Files.readAllBytes(layers.upper.resolve("big")));
      try (var work = Files.list(layers.work.resolve("work"))) {
        assertTrue(work.toList().isEmpty(), "no temporary copy is left in the work dir");
      }
    }
  }
}
