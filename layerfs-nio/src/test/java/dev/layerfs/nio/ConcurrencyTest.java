package dev.layerfs.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Many threads using one view on the same directories at once: nothing written is lost, no exception but the
 * ones the races allow (a file another thread deleted first) appears, and the lower layer stays untouched.
 */
class ConcurrencyTest extends OverlayTestCase {
  private static final int THREADS = 8;
  private static final int DIRS = 4;
  private static final int LOWER_FILES = 50;
  private static final int SLOT = 4096;

  @Override
  void fixture(Path lower) throws IOException {
    for (int d = 0; d < DIRS; d++) {
      for (int i = 0; i < LOWER_FILES; i++) {
        write(lower, "d" + d + "/f" + i, "lower " + d + "/" + i);
      }
    }
    Files.write(lower.resolve("shared.bin"), new byte[THREADS * SLOT]);
  }

  @Test
  void writersOfOneLowerFileAllSeeTheCopyUp() throws Exception {
    CyclicBarrier start = new CyclicBarrier(THREADS);
    try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int slot = t;
        done.add(pool.submit(() -> {
          start.await();
          try (FileChannel ch = FileChannel.open(root.resolve("shared.bin"), StandardOpenOption.WRITE)) {
            byte[] mine = new byte[SLOT];
            Arrays.fill(mine, (byte) (slot + 1));
            ch.write(ByteBuffer.wrap(mine), (long) slot * SLOT);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
    byte[] all = Files.readAllBytes(root.resolve("shared.bin"));
    for (int t = 0; t < THREADS; t++) {
      byte[] expected = new byte[SLOT];
      Arrays.fill(expected, (byte) (t + 1));
      assertArrayEquals(expected, Arrays.copyOfRange(all, t * SLOT, (t + 1) * SLOT), "slot of writer " + t);
    }
  }

  @Test
  void mixedOperationsInTheSameDirectories() throws Exception {
    Set<String> deleted = ConcurrentHashMap.newKeySet();
    Map<String, String> own = new ConcurrentHashMap<>();
    int opsPerThread = 1500;
    CyclicBarrier start = new CyclicBarrier(THREADS);
    try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          start.await();
          return work(thread, opsPerThread, deleted, own);
        }));
      }
      int appends = 0;
      for (Future<Integer> f : results) {
        appends += f.get();
      }
      Set<String> lines = new HashSet<>();
      for (int d = 0; d < DIRS; d++) {
        Path log = root.resolve("d" + d + "/log");
        if (Files.exists(log)) {
          for (String line : Files.readAllLines(log)) {
            assertTrue(lines.add(line), "each appended line once: " + line);
          }
        }
      }
      assertEquals(appends, lines.size(), "no append was lost");
    }
    for (Map.Entry<String, String> e : own.entrySet()) {
      assertEquals(e.getValue(), Files.readString(root.resolve(e.getKey())), e.getKey());
    }
    for (int d = 0; d < DIRS; d++) {
      for (int i = 0; i < LOWER_FILES; i++) {
        String name = "d" + d + "/f" + i;
        assertEquals(!deleted.contains(name), Files.exists(root.resolve(name)), name);
        if (deleted.contains(name)) {
          assertTrue(LayerDigest.isWhiteout(upper.resolve(name)), name + " is whited out");
        }
      }
      try (Stream<Path> list = Files.list(root.resolve("d" + d))) {
        for (Path p : list.toList()) {
          assertTrue(Files.exists(p), p + " is listed and exists");
        }
      }
    }
  }

  /** One thread's share: answers how many lines it appended. */
  private int work(int thread, int ops, Set<String> deleted, Map<String, String> own) throws IOException {
    Random random = new Random(thread);
    int appends = 0;
    int serial = 0;
    List<String> mine = new ArrayList<>();
    for (int op = 0; op < ops; op++) {
      String dir = "d" + random.nextInt(DIRS);
      int choice = random.nextInt(100);
      try {
        if (choice < 30) {
          String name = dir + "/f" + random.nextInt(LOWER_FILES);
          String content = Files.readString(root.resolve(name));
          assertTrue(content.startsWith("lower ") || content.startsWith("rewritten "), content);
        } else if (choice < 45) {
          Files.writeString(root.resolve(dir + "/log"), "t" + thread + " #" + op + "\n", StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
          appends++;
        } else if (choice < 60) {
          String name = dir + "/t" + thread + "-" + serial++;
          String content = "thread " + thread + " op " + op;
          Files.writeString(root.resolve(name), content);
          assertEquals(content, Files.readString(root.resolve(name)));
          own.put(name, content);
          mine.add(name);
        } else if (choice < 68 && !mine.isEmpty()) {
          String name = mine.remove(random.nextInt(mine.size()));
          Files.delete(root.resolve(name));
          own.remove(name);
        } else if (choice < 74 && !mine.isEmpty()) {
          String from = mine.remove(random.nextInt(mine.size()));
          String to = "d" + random.nextInt(DIRS) + "/t" + thread + "-" + serial++;
          Files.move(root.resolve(from), root.resolve(to));
          own.put(to, own.remove(from));
          mine.add(to);
        } else if (choice < 82) {
          String name = dir + "/f" + random.nextInt(LOWER_FILES);
          Files.delete(root.resolve(name));
          assertTrue(deleted.add(name), name + " deleted twice");
        } else if (choice < 90) {
          String name = dir + "/f" + random.nextInt(LOWER_FILES);
          if (!deleted.contains(name)) {
            try (FileChannel ch = FileChannel.open(root.resolve(name), StandardOpenOption.WRITE)) {
              ch.write(ByteBuffer.wrap(("rewritten " + thread).getBytes(UTF_8)), 0);
            }
          }
        } else {
          try (Stream<Path> list = Files.list(root.resolve(dir))) {
            assertFalse(list.toList().isEmpty());
          }
        }
      } catch (NoSuchFileException | FileAlreadyExistsException expected) {
        // Another thread deleted the lower file first: the races this test allows.
      }
    }
    return appends;
  }
}
