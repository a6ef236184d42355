package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.layerfs.oci.tar.TarEntry.Type;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * commons-compress, an independent reader, sees the structure we wrote: names, types, sizes, owners, links,
 * devices, times and data. It is only an oracle where it does not corrupt (UTF-8 names, text xattrs).
 */
class CommonsCompressOracleTest {

  @Test
  void commonsCompressReadsTheStructureWeWrite() throws IOException {
    List<Item> items = new ArrayList<>(Fixtures.everyType());
    items.add(new Item(Fixtures.file(Fixtures.name(300, 70), 2).xattr("user.text", "plain".getBytes()).build(),
        "ok".getBytes()));
    items.add(Item.of(TarEntry.builder(Type.SYMLINK, "ü".repeat(80)).linkTarget("t".repeat(400)).build()));

    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(Item.write(items)))) {
      for (Item item : items) {
        assertSameStructure(item, in.getNextEntry(), in.readAllBytes());
      }
      assertNull(in.getNextEntry());
    }
  }

  private static void assertSameStructure(Item item, TarArchiveEntry theirs, byte[] data) {
    TarEntry ours = item.entry();
    String what = ours.toString();
    String name = new String(ours.name(), StandardCharsets.UTF_8);
    assertEquals(ours.type() == Type.DIRECTORY ? name + "/" : name, theirs.getName(), what);
    assertEquals(ours.type(), typeOf(theirs), what);
    assertEquals(ours.mode(), theirs.getMode() & 07777, what);
    assertEquals(ours.uid(), theirs.getLongUserId(), what);
    assertEquals(ours.gid(), theirs.getLongGroupId(), what);
    assertEquals(new String(ours.uname(), StandardCharsets.UTF_8), theirs.getUserName(), what);
    assertEquals(ours.mtime(), theirs.getLastModifiedTime().toInstant(), what);
    assertEquals(ours.size(), theirs.getRealSize(), what);
    assertArrayEquals(item.expanded(), data, what);
    assertEquals(new String(ours.linkTarget(), StandardCharsets.UTF_8), theirs.getLinkName(), what);
    assertEquals(ours.devMajor(), theirs.getDevMajor(), what);
    assertEquals(ours.devMinor(), theirs.getDevMinor(), what);
    byte[] text = ours.xattrs().get("user.text");
    if (text != null) {
      assertEquals(new String(text, StandardCharsets.UTF_8), theirs.getExtraPaxHeader("SCHILY.xattr.user.text"));
    }
  }

  private static Type typeOf(TarArchiveEntry entry) {
    if (entry.isDirectory()) {
      return Type.DIRECTORY;
    } else if (entry.isSymbolicLink()) {
      return Type.SYMLINK;
    } else if (entry.isLink()) {
      return Type.HARD_LINK;
    } else if (entry.isCharacterDevice()) {
      return Type.CHAR_DEVICE;
    } else if (entry.isBlockDevice()) {
      return Type.BLOCK_DEVICE;
    } else if (entry.isFIFO()) {
      return Type.FIFO;
    }
    return Type.REGULAR;
  }
}
