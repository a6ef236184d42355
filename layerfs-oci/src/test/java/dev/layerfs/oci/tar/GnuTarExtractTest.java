package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.tar.FileTree.Node;
import dev.layerfs.oci.tar.TarEntry.Type;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GNU tar extracts what our writer wrote into exactly the tree the entries describe, byte for byte. */
class GnuTarExtractTest {
  @TempDir Path temp;

  @Test
  void gnuTarExtractsEveryEntryExactly() throws IOException {
    List<Item> items = new ArrayList<>(Fixtures.everyType());
    items.addAll(awkwardNames());
    items.sort(java.util.Comparator.comparing(Item::entry, TarEntry.NAME_ORDER));
    Path out = extract(items);

    Map<String, Node> tree = FileTree.of(out);

    assertEquals(expectedNames(items), tree.keySet().stream().filter(n -> !n.equals(".")).sorted().toList());
    for (Item item : items) {
      assertExtracted(out, item, tree);
    }
  }

  @Test
  void gnuTarRecreatesSparseHoles() throws IOException {
    Item sparse = Fixtures.sparse("disk.img");
    Path out = extract(List.of(sparse));

    Node node = FileTree.of(out).get("./disk.img");

    assertArrayEquals(sparse.expanded(), FileTree.content(out, "disk.img"));
    assertTrue(node.blocks() * 512 < sparse.entry().size() / 4, "allocated " + node.blocks() + " blocks");
  }

  private Path extract(List<Item> items) throws IOException {
    Files.write(temp.resolve("ours.tar"), Item.write(items));
    Files.createDirectory(temp.resolve("out"));
    Shell.run(temp, "tar -x --xattrs --xattrs-include='*' --numeric-owner -f ours.tar -C out");
    return temp.resolve("out");
  }

  private static List<Item> awkwardNames() {
    byte[] deep = Fixtures.utf8(Fixtures.name(300, 100));
    return List.of(
        new Item(Fixtures.file("x", 3).name(Fixtures.NOT_UTF8).xattr("user.a=b%c", Fixtures.allBytes())
            .xattr(Names.concat(Fixtures.utf8("user."), Fixtures.NOT_UTF8), new byte[] {2}).build(),
            Fixtures.utf8("abc")),
        Item.of(TarEntry.builder(Type.DIRECTORY, "dddd").mode(0755).mtime(Fixtures.MTIME).build()),
        Item.of(Fixtures.file("f", 0).name(Names.concat(Fixtures.utf8("dddd/"), deep)).build()),
        Item.of(Fixtures.file("f", 0).name(Fixtures.utf8("dddd/" + "é".repeat(127))).build()),
        Item.of(TarEntry.builder(Type.SYMLINK, "far").mode(0777).mtime(Fixtures.MTIME)
            .linkTarget(Fixtures.name(3000, 50)).build()));
  }

  private static List<String> expectedNames(List<Item> items) {
    List<String> names = new ArrayList<>();
    for (Item item : items) {
      byte[] name = item.entry().name();
      for (int i = 0; i < name.length; i++) {
        if (name[i] == '/') {
          names.add("./" + FileTree.key(java.util.Arrays.copyOf(name, i)));
        }
      }
      names.add("./" + FileTree.key(name));
    }
    return names.stream().distinct().sorted().toList();
  }

  private static void assertExtracted(Path out, Item item, Map<String, Node> tree) {
    TarEntry entry = item.entry();
    String name = FileTree.key(entry.name());
    Node node = tree.get("./" + name);
    String what = entry.toString();
    assertEquals(entry.mode(), node.mode(), what);
    assertEquals(entry.uid(), node.uid(), what);
    assertEquals(entry.gid(), node.gid(), what);
    if (entry.type() != Type.HARD_LINK) {
      assertEquals(entry.mtime(), node.mtime(), what);
    }
    switch (entry.type()) {
      case REGULAR -> assertArrayEquals(item.expanded(), FileTree.content(out, name), what);
      case HARD_LINK -> assertEquals(tree.get("./" + FileTree.key(entry.linkTarget())).inode(), node.inode(), what);
      case SYMLINK -> assertArrayEquals(entry.linkTarget(), node.link(), what);
      case CHAR_DEVICE, BLOCK_DEVICE -> assertEquals(entry.devMajor() + " " + entry.devMinor(),
          Shell.text(out, "stat -c '%Hr %Lr' -- " + Shell.quote(entry.name())).strip(), what);
      default -> {}
    }
    if (entry.type() == Type.REGULAR) {
      Map<String, byte[]> xattrs = FileTree.xattrs(out, name);
      assertEquals(entry.xattrs().keySet(), xattrs.keySet(), what);
      entry.xattrs().forEach((key, value) -> assertArrayEquals(value, xattrs.get(key), what + " " + key));
    }
  }
}
