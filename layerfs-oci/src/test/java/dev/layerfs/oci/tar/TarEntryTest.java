package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.tar.TarEntry.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Entries are immutable values that refuse field combinations no file system has. */
class TarEntryTest {

  @Test
  void entriesDoNotShareArraysWithCallers() {
    byte[] name = "a".getBytes();
    byte[] value = {1, 2};
    TarEntry entry = TarEntry.builder(Type.REGULAR, name).xattr("user.x", value).build();

    name[0] = 'b';
    value[0] = 9;
    entry.name()[0] = 'c';
    entry.xattrs().get("user.x")[1] = 9;

    assertArrayEquals("a".getBytes(), entry.name());
    assertArrayEquals(new byte[] {1, 2}, entry.xattrs().get("user.x"));
    assertThrows(UnsupportedOperationException.class, () -> entry.xattrs().put("user.y", new byte[0]));
  }

  @Test
  void equalityComparesContentIncludingXattrBytes() {
    TarEntry a = TarEntry.builder(Type.REGULAR, "f").xattr("user.x", new byte[] {1}).build();

    assertEquals(a, a.toBuilder().build());
    assertEquals(a.hashCode(), a.toBuilder().build().hashCode());
    assertNotEquals(a, a.toBuilder().xattr("user.x", new byte[] {2}).build());
  }

  @Test
  void impossibleEntriesAreRejectedWithTheirName() {
    List<TarEntry.Builder> impossible = List.of(
        TarEntry.builder(Type.REGULAR, ""),
        TarEntry.builder(Type.REGULAR, "nul\0"),
        TarEntry.builder(Type.REGULAR, "file/"),
        TarEntry.builder(Type.REGULAR, "mode").mode(010644),
        TarEntry.builder(Type.REGULAR, "uid").uid(-1),
        TarEntry.builder(Type.SYMLINK, "no-target"),
        TarEntry.builder(Type.REGULAR, "target").linkTarget("x"),
        TarEntry.builder(Type.DIRECTORY, "size").size(1),
        TarEntry.builder(Type.FIFO, "dev").device(1, 1),
        TarEntry.builder(Type.REGULAR, "xattr").xattr("", new byte[0]),
        TarEntry.builder(Type.REGULAR, "sparse").size(5).sparseMap(
            new SparseMap(List.of(new SparseMap.Region(4, 2)))));
    for (TarEntry.Builder builder : impossible) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
      assertTrue(e.getMessage().startsWith("entry '"), e.getMessage());
    }
  }

  @Test
  void sparseMapsRejectEmptyAndOverlappingRegions() {
    assertThrows(IllegalArgumentException.class, () -> new SparseMap.Region(5, 0));
    assertThrows(IllegalArgumentException.class, () -> new SparseMap(
        List.of(new SparseMap.Region(0, 10), new SparseMap.Region(9, 1))));
  }

  @Test
  void storedSizeOfASparseFileIsItsDataSize() {
    TarEntry sparse = Fixtures.sparse("s").entry();

    assertEquals(1 << 20, sparse.size());
    assertEquals(8192, sparse.storedSize());
  }
}
