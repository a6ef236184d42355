package dev.layerfs.nio;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Watch services report the changes made through the view, as inotify reports those made through a mount. */
class WatchServiceTest extends OverlayTestCase {
  @Override
  void fixture(Path lower) throws IOException {
    write(lower, "dir/lower.txt", "l");
    write(lower, "other/x", "x");
  }

  private static List<String> events(WatchKey key) {
    List<String> out = new ArrayList<>();
    for (WatchEvent<?> e : key.pollEvents()) {
      out.add(e.kind().name() + " " + e.context() + (e.count() > 1 ? " x" + e.count() : ""));
    }
    return out;
  }

  @Test
  void reportsCreateModifyAndDelete() throws IOException, InterruptedException {
    Path dir = root.resolve("dir");
    try (WatchService watcher = fs.newWatchService()) {
      WatchKey key = dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
      assertNull(watcher.poll());
      Files.writeString(dir.resolve("new.txt"), "hello");
      Files.writeString(dir.resolve("lower.txt"), "changed");
      Files.setLastModifiedTime(dir.resolve("lower.txt"), FileTime.fromMillis(0));
      Files.delete(dir.resolve("new.txt"));
      Files.writeString(root.resolve("other/x"), "not watched");
      assertSame(key, watcher.poll(1, TimeUnit.SECONDS));
      assertEquals(dir, key.watchable());
      assertEquals(List.of("ENTRY_CREATE new.txt", "ENTRY_MODIFY new.txt", "ENTRY_MODIFY lower.txt x3",
          "ENTRY_DELETE new.txt"), events(key), "truncate, write and utimes of lower.txt are one event");
      assertTrue(key.reset());
      assertNull(watcher.poll());
    }
  }

  @Test
  void reportsOnlyTheKindsAsked() throws IOException {
    Path dir = root.resolve("dir");
    try (WatchService watcher = fs.newWatchService()) {
      WatchKey key = dir.register(watcher, ENTRY_DELETE);
      Files.writeString(dir.resolve("a"), "a");
      Files.move(dir.resolve("a"), root.resolve("other/a"));
      assertSame(key, watcher.poll());
      assertEquals(List.of("ENTRY_DELETE a"), events(key));
    }
  }

  @Test
  void reportsRenamesAsDeleteAndCreate() throws IOException {
    try (WatchService watcher = fs.newWatchService()) {
      WatchKey from = root.resolve("dir").register(watcher, ENTRY_CREATE, ENTRY_DELETE);
      WatchKey to = root.resolve("other").register(watcher, ENTRY_CREATE, ENTRY_DELETE);
      Files.move(root.resolve("dir/lower.txt"), root.resolve("other/moved.txt"));
      assertEquals(List.of("ENTRY_DELETE lower.txt"), events(from));
      assertEquals(List.of("ENTRY_CREATE moved.txt"), events(to));
    }
  }

  @Test
  void reportsWritesThroughChannelsAndFollowsRenamedDirectories() throws IOException {
    try (WatchService watcher = fs.newWatchService()) {
      WatchKey key = root.resolve("dir").register(watcher, ENTRY_MODIFY);
      Files.move(root.resolve("dir"), root.resolve("renamed"));
      try (FileChannel ch = FileChannel.open(root.resolve("renamed/lower.txt"), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[] {1}));
      }
      assertEquals(List.of("ENTRY_MODIFY lower.txt"), events(key));
    }
  }

  @Test
  void overflowsWhenTooManyEventsWait() throws IOException {
    try (WatchService watcher = fs.newWatchService()) {
      WatchKey key = root.resolve("dir").register(watcher, ENTRY_CREATE);
      for (int i = 0; i < OverlayWatchKey.MAX_EVENTS + 10; i++) {
        Files.createFile(root.resolve("dir/f" + i));
      }
      List<WatchEvent<?>> events = watcher.poll().pollEvents();
      assertEquals(1, events.size(), "the queued events are dropped for one OVERFLOW");
      assertEquals(OVERFLOW, events.getFirst().kind());
      assertEquals(10, events.getFirst().count(), "counting the events that did not fit");
      assertTrue(key.reset());
    }
  }

  @Test
  void aRemovedDirectoryInvalidatesItsKey() throws IOException {
    Files.createDirectory(root.resolve("gone"));
    try (WatchService watcher = fs.newWatchService()) {
      WatchKey key = root.resolve("gone").register(watcher, ENTRY_CREATE);
      Files.delete(root.resolve("gone"));
      assertSame(key, watcher.poll());
      assertFalse(key.isValid());
      assertFalse(key.reset());
    }
  }

  @Test
  void takeWakesUpForEventsAndForClose() throws Exception {
    WatchService watcher = fs.newWatchService();
    root.resolve("dir").register(watcher, ENTRY_CREATE);
    CompletableFuture<WatchKey> taken = CompletableFuture.supplyAsync(() -> {
      try {
        return watcher.take();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Files.createFile(root.resolve("dir/wake"));
    assertEquals(root.resolve("dir"), taken.get(5, TimeUnit.SECONDS).watchable());
    CompletableFuture<Throwable> closed = CompletableFuture.supplyAsync(() -> {
      try {
        watcher.take();
        return null;
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return e;
      }
    });
    Thread.sleep(50);
    watcher.close();
    assertTrue(closed.get(5, TimeUnit.SECONDS) instanceof ClosedWatchServiceException);
    assertThrows(ClosedWatchServiceException.class, watcher::poll);
  }

  @Test
  void refusesFilesAndForeignServices() throws IOException {
    try (WatchService watcher = fs.newWatchService();
        WatchService plain = FileSystems.getDefault().newWatchService()) {
      assertThrows(NotDirectoryException.class, () -> root.resolve("dir/lower.txt").register(watcher, ENTRY_CREATE));
      assertThrows(ProviderMismatchException.class, () -> root.resolve("dir").register(plain, ENTRY_CREATE));
      WatchKey first = root.resolve("dir").register(watcher, ENTRY_CREATE);
      assertSame(first, root.resolve("dir").register(watcher, ENTRY_DELETE), "one key per directory and service");
      first.cancel();
      assertFalse(first.isValid());
      Files.createFile(root.resolve("dir/after-cancel"));
      assertNull(watcher.poll());
    }
  }
}
