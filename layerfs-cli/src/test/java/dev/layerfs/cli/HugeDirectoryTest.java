package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.posix.DirectoryReader;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories far larger than the mount daemon's heap could hold as objects list through the mount exactly as they
 * do through the kernel's overlay: names, order, {@code d_ino} and {@code d_type}, for a directory in one lower
 * layer, one only in upper (whiteouts included, as the kernel shows them there) and a merged one. The daemon runs
 * with the launcher's own flags but a 16 MB heap ({@code LAYERFS_DAEMON_OPTS}, which is how a user sets them), in
 * which a listing of 100,000 entries read whole (about 150 bytes an entry before) ran out of memory: EIO.
 */
class HugeDirectoryTest {
  private static final int ENTRIES = 100_000;
  private static final String SMALL_HEAP = "-Xms8m -Xmx16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
      + " -XX:TieredStopAtLevel=1 -Xss256k -XX:ReservedCodeCacheSize=16m";

  @TempDir Path tmp;
  private Launcher launcher;

  @BeforeEach
  void launcher() throws Exception {
    launcher = new Launcher(tmp);
  }

  @AfterEach
  void nothingLeft() throws Exception {
    assertEquals(List.of(), Launcher.cleanUp(tmp), "left behind");
  }

  /** One entry as getdents64 gives it. */
  record Dirent(String name, long ino, int type) {}

  @Test
  void hugeDirectoriesListAsOnTheKernelsOverlayWithinASmallHeap() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    fill(Files.createDirectory(lower.resolve("flat")), "f", ENTRIES);
    Path upperOnly = Files.createDirectory(upper.resolve("uponly"));
    fill(upperOnly, "u", ENTRIES);
    for (int i = 0; i < 100; i++) {
      whiteout(upperOnly.resolve("gone" + i)); // listed as they are: nothing merges below this directory
    }
    fill(Files.createDirectory(lower.resolve("merged")), "m", ENTRIES);
    Path upperMerged = Files.createDirectory(upper.resolve("merged"));
    fill(upperMerged, "n", ENTRIES / 100);
    for (int i = 0; i < ENTRIES; i += 7) {
      whiteout(upperMerged.resolve(name("m", i))); // hides the lower name
    }
    List<String> dirs = List.of("flat", "uponly", "merged");

    Map<String, List<Dirent>> kernel = new HashMap<>();
    try (KernelOverlay k = KernelOverlay.mount("lowerdir=" + lower + ",upperdir=" + upper + ",workdir="
        + Files.createDirectories(tmp.resolve("kwork")), tmp.resolve("kmnt"))) {
      for (String dir : dirs) {
        kernel.put(dir, list(k.path().resolve(dir)));
      }
    }

    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Files.createDirectories(tmp.resolve("work"));
    Launcher.Result mounted = launcher.run(tmp, Map.of("LAYERFS_DAEMON_OPTS", SMALL_HEAP),
        launcher.layerfs.toString(), "mount", "-o", "lowerdir=lower,upperdir=upper,workdir=work", "mnt");
    assertEquals(0, mounted.status(), mounted.all());
    try {
      for (String dir : dirs) {
        List<Dirent> ours = list(mnt.resolve(dir));
        assertTrue(kernel.get(dir).size() > ENTRIES / 2, dir + ": " + kernel.get(dir).size());
        assertEquals(kernel.get(dir).size(), ours.size(), dir + ": entries");
        assertEquals(kernel.get(dir), ours, dir + ": the listing differs from the kernel's");
      }
    } finally {
      launcher.shOk(tmp, "layerfs umount mnt");
    }
  }

  /**
   * Reading a huge directory in many getdents calls while entries are created in it, and seeking back with the
   * offset telldir gave: every entry that existed throughout is seen exactly once, as on the kernel's overlay,
   * and after a seekdir the same entries follow again.
   */
  @Test
  void readingWhileCreatingMissesAndRepeatsNothingThatExistedThroughout() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    int existing = ENTRIES / 4;
    fill(Files.createDirectory(lower.resolve("flat")), "f", existing);
    fill(Files.createDirectory(upper.resolve("uponly")), "u", existing);
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Files.createDirectories(tmp.resolve("work"));
    launcher.shOk(tmp, "layerfs mount -o lowerdir=lower,upperdir=upper,workdir=work mnt");
    try {
      readWhileCreating(mnt.resolve("uponly"), "u", existing);
      readWhileCreating(mnt.resolve("flat"), "f", existing); // the first create copies the directory up
    } finally {
      launcher.shOk(tmp, "layerfs umount mnt");
    }
    try (KernelOverlay k = KernelOverlay.mount("lowerdir=" + lower + ",upperdir=" + upper + ",workdir="
        + Files.createDirectories(tmp.resolve("kwork")), tmp.resolve("kmnt"))) {
      // The same reads on the kernel's overlay hold the same promise (the created names are there already).
      readWhileCreating(k.path().resolve("uponly"), "u", existing);
    }
  }

  private static void readWhileCreating(Path dir, String prefix, int existing) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger created = new AtomicInteger();
    AtomicReference<Exception> createFailed = new AtomicReference<>();
    Thread creator = Thread.ofPlatform().start(() -> {
      try {
        for (int i = 0; !stop.get() && i < 20_000; i++) {
          Files.createFile(dir.resolve("new-" + System.nanoTime() + "-" + i));
          created.incrementAndGet();
        }
      } catch (Exception e) {
        createFailed.set(e);
      }
    });
    Map<String, Integer> seen = new HashMap<>();
    List<String> afterMark = new ArrayList<>();
    long mark = -1;
    try (DirectoryReader reader = DirectoryReader.open(Posix.AT_FDCWD, Names.bytes(dir.toString()))) {
      for (; reader.hasEntry(); reader.advance()) {
        String name = new String(reader.name(), StandardCharsets.ISO_8859_1);
        seen.merge(name, 1, Integer::sum);
        if (mark < 0 && seen.size() == existing / 2) {
          mark = reader.nextOffset();
        } else if (mark >= 0 && afterMark.size() < 1000) {
          afterMark.add(name);
        }
      }
      stop.set(true);
      creator.join();
      if (createFailed.get() != null) {
        throw new AssertionError("creating while the directory was read failed", createFailed.get());
      }
      assertTrue(created.get() > 0, "nothing was created while the directory was read");
      List<String> existingAfterMark = afterMark.stream().filter(n -> !n.startsWith("new-")).toList();
      List<String> again = new ArrayList<>();
      reader.seek(mark);
      for (; reader.hasEntry() && again.size() < existingAfterMark.size(); reader.advance()) {
        String name = new String(reader.name(), StandardCharsets.ISO_8859_1);
        if (!name.startsWith("new-")) {
          again.add(name);
        }
      }
      assertEquals(existingAfterMark, again, dir + ": the entries after a seekdir to a telldir offset");
    } finally {
      stop.set(true);
      creator.join();
    }
    for (int i = 0; i < existing; i++) {
      assertEquals(1, seen.getOrDefault(name(prefix, i), 0), dir + ": " + name(prefix, i) + " seen");
    }
    seen.forEach((name, times) -> assertEquals(1, times, dir + ": " + name + " seen"));
  }

  private static String name(String prefix, int i) {
    return prefix + i;
  }

  /** Makes {@code count} entries in {@code dir} with one mknodat each: files, and every 1,000th a fifo or directory. */
  private static void fill(Path dir, String prefix, int count) throws Exception {
    int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(dir.toString()), Posix.O_RDONLY | Posix.O_DIRECTORY);
    try {
      for (int i = 0; i < count; i++) {
        byte[] name = Names.bytes(name(prefix, i));
        if (i % 1000 == 1) {
          Posix.mkdirat(fd, name, 0755);
        } else {
          Posix.mknodat(fd, name, (i % 1000 == 2 ? Posix.S_IFIFO : Posix.S_IFREG) | 0644, 0);
        }
      }
    } finally {
      Posix.close(fd);
    }
  }

  private static void whiteout(Path path) throws Exception {
    Posix.mknodat(Posix.AT_FDCWD, Names.bytes(path.toString()), Posix.S_IFCHR, 0);
  }

  /** The directory's entries as getdents64 gives them, "." and ".." included, in order. */
  private static List<Dirent> list(Path dir) throws Exception {
    List<Dirent> entries = new ArrayList<>();
    try (DirectoryReader reader = DirectoryReader.open(Posix.AT_FDCWD, Names.bytes(dir.toString()))) {
      for (; reader.hasEntry(); reader.advance()) {
        entries.add(new Dirent(new String(reader.name(), StandardCharsets.ISO_8859_1),
            reader.ino(), reader.type()));
      }
    }
    return entries;
  }
}
