package dev.layerfs.fuse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.Node;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.OverlayOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node table without a kernel: lookups counted, forgets honoured, nothing kept for forgotten ids. */
class NodeTableTest {
  @TempDir Path tmp;

  @Test
  void forgottenEntriesLeaveTheTableAndTheAgeQueue() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    int files = 3 * NodeTable.SWEEP_SLACK;
    for (int i = 0; i < files; i++) {
      Files.createFile(lower.resolve("f" + i));
    }
    Files.createDirectories(tmp.resolve("upper"));
    Files.createDirectories(tmp.resolve("work"));
    try (Overlay overlay = Overlay.open(OverlayOptions.parse("lowerdir=" + lower + ",upperdir=" + tmp.resolve("upper")
        + ",workdir=" + tmp.resolve("work")))) {
      NodeTable table = new NodeTable(overlay);
      // Each name looked up twice, as two kernel lookups; the first half forgotten at once, as created and removed
      // names are, while the table is far under any limit (so the trim's walk of the queue never runs).
      List<NodeTable.Entry> kept = new ArrayList<>();
      for (int i = 0; i < files; i++) {
        byte[] name = ("f" + i).getBytes(UTF_8);
        NodeTable.Entry e = table.add(overlay.lookup(overlay.root(), name), table.root(), name);
        assertSame(e, table.add(overlay.lookup(overlay.root(), name), table.root(), name));
        if (i < files / 2) {
          table.forget(e.id, 1);
          assertSame(e, table.get(e.id)); // one lookup left
          table.forget(e.id, 1);
        } else {
          kept.add(e);
        }
      }
      assertEquals(1 + kept.size(), table.size());
      assertTrue(table.queued() <= 2 * table.size() + NodeTable.SWEEP_SLACK, table.queued() + " queued");
      for (NodeTable.Entry e : kept) {
        table.forget(e.id, 2);
      }
      assertEquals(1, table.size());
      assertTrue(table.queued() <= NodeTable.SWEEP_SLACK + 2, table.queued() + " queued");
      // A name looked up again gets a new id; the engine had all its references back.
      byte[] name = "f0".getBytes(UTF_8);
      Node again = overlay.lookup(overlay.root(), name);
      NodeTable.Entry e = table.add(again, table.root(), name);
      assertTrue(e.id > kept.getLast().id);
      assertSame(e, table.oldest(NodeTable.SWEEP_SLACK).getFirst()); // its walk drops the forgotten ones it meets
      assertEquals(1, table.queued());
      table.forgetAll();
      assertEquals(1, table.size());
    }
  }
}
