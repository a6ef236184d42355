package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.tar.FileTree.Node;
import dev.layerfs.oci.tar.TarEntry.Type;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Archives made by GNU tar from a real tree read back as exactly what find and getfattr see in that tree. */
class GnuTarReadTest {
  private static final String LONG_DIR = "long/" + "d".repeat(100) + "/" + "e".repeat(100) + "/" + "g".repeat(100);
  private static final String LONG_FILE = LONG_DIR + "/" + "f".repeat(255);

  @TempDir Path temp;
  private Path tree;

  @BeforeEach
  void makeTree() throws IOException {
    tree = Files.createDirectory(temp.resolve("tree"));
    Shell.run(tree, String.join("\n",
        "mkdir -p dir " + LONG_DIR,
        "printf 'hello\\n' > dir/file.txt",
        "chmod 4755 dir/file.txt",
        "setfattr -n user.plain -v hello dir/file.txt",
        "setfattr -n user.binary -v 0x00ff0180 dir/file.txt",
        "setfattr -n 'user.a=b%c' -v 0x00ff01 dir/file.txt",
        "setfattr -n user.$'\\xff\\xfe' -v 0x02 dir/file.txt",
        "setfattr -n security.capability -v 0x" + java.util.HexFormat.of().formatHex(Fixtures.CAPABILITY)
            + " dir/file.txt",
        "touch -d @1700000000.123456789 dir/file.txt",
        "ln dir/file.txt dir/hard",
        "ln -s file.txt dir/link",
        "ln -s " + "t".repeat(1000) + " dir/longlink",
        "mkfifo dir/fifo",
        "mknod dir/null c 1 3",
        "mknod dir/sda b 8 0",
        "printf 'bytes\\n' > dir/" + Shell.quote(new byte[] {(byte) 0xff, (byte) 0xfe}),
        "printf 'long\\n' > " + LONG_FILE,
        ": > dir/ids && chown 3000000:3000001 dir/ids",
        "touch -d '1960-01-01 00:00:00 UTC' dir/old"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"--format=pax --xattrs --xattrs-include='*'", "--format=gnu"})
  void readsWhatGnuTarWrote(String format) throws IOException {
    Shell.run(temp, "tar " + format + " -cf out.tar -C tree .");

    Map<String, Item> archive = index(Item.read(Files.readAllBytes(temp.resolve("out.tar"))));
    Map<String, Node> truth = FileTree.of(tree);

    assertEquals(truth.keySet(), archive.keySet());
    boolean pax = format.contains("pax");
    truth.forEach((name, node) -> assertMatches(name, node, archive.get(name), truth, pax));
  }

  @Test
  void readsBinaryXattrsThatGnuTarWrote() throws IOException {
    Shell.run(temp, "tar --format=pax --xattrs --xattrs-include='*' -cf out.tar -C tree .");

    TarEntry file = index(Item.read(Files.readAllBytes(temp.resolve("out.tar")))).get("./dir/file.txt").entry();
    Map<String, byte[]> truth = FileTree.xattrs(tree, "dir/file.txt");

    assertEquals(truth.keySet(), file.xattrs().keySet());
    truth.forEach((name, value) -> assertArrayEquals(value, file.xattrs().get(name), name));
    assertArrayEquals(Fixtures.CAPABILITY, file.xattrs().get("security.capability"));
    assertArrayEquals(new byte[] {0, (byte) 0xff, 1}, file.xattrs().get("user.a=b%c"));
    assertArrayEquals(new byte[] {2}, file.xattrs().get("user.\u00ff\u00fe"), "a name that is not UTF-8, as bytes");
  }

  @Test
  void gnuFormatUsesLongNameHeadersAndBase256() throws IOException {
    Shell.run(temp, "tar --format=gnu -cf out.tar -C tree .");
    byte[] archive = Files.readAllBytes(temp.resolve("out.tar"));

    assertTrue(FileTree.key(archive).contains("././@LongLink"));
    assertTrue(hasBase256Uid(archive), "uid 3000000 needs base-256 in GNU format");
    TarEntry ids = index(Item.read(archive)).get("./dir/ids").entry();
    assertEquals(3_000_000, ids.uid());
    assertEquals(3_000_001, ids.gid());
  }

  @Test
  void globalPaxHeadersApplyToEveryEntry() throws IOException {
    Shell.run(temp, "tar --format=pax --pax-option=uname=galaxy -cf out.tar -C tree dir");

    List<Item> items = Item.read(Files.readAllBytes(temp.resolve("out.tar")));

    assertTrue(items.size() > 5);
    items.forEach(item -> assertEquals("galaxy", new String(item.entry().uname())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"--format=gnu", "--format=pax --sparse-version=0.0", "--format=pax --sparse-version=0.1",
      "--format=pax --sparse-version=1.0", "--format=pax"})
  void readsEverySparseFormat(String format) throws IOException {
    Shell.run(tree, String.join("\n",
        "truncate -s 3M holes",
        "printf 'head' | dd of=holes conv=notrunc status=none",
        "printf 'middle' | dd of=holes bs=1 seek=1000000 conv=notrunc status=none",
        "printf 'tail' | dd of=holes bs=1 seek=2500000 conv=notrunc status=none"));
    Shell.run(temp, "tar " + format + " --sparse -cf out.tar -C tree holes");

    Item holes = Item.read(Files.readAllBytes(temp.resolve("out.tar"))).getFirst();

    assertArrayEquals("holes".getBytes(), holes.entry().name());
    assertEquals(3 << 20, holes.entry().size());
    assertTrue(holes.entry().sparseMap().isPresent(), "sparse map");
    assertTrue(holes.entry().storedSize() < 100_000, "stored " + holes.entry().storedSize());
    assertArrayEquals(Files.readAllBytes(tree.resolve("holes")), holes.expanded());
  }

  @Test
  void corruptedGnuArchivesOnlyEverRaiseTarFormatException() throws IOException {
    Shell.run(tree, "truncate -s 1M holes && printf data | dd of=holes bs=1 seek=70000 conv=notrunc status=none");
    Shell.run(temp, "tar --format=gnu --sparse -cf gnu.tar -C tree . && tar --format=pax --sparse -cf pax.tar -C tree .");
    for (String name : List.of("gnu.tar", "pax.tar")) {
      byte[] archive = Files.readAllBytes(temp.resolve(name));
      for (int at = 0; at < archive.length; at += 3) {
        byte[] corrupted = archive.clone();
        corrupted[at] ^= (byte) (at * 7 + 1);
        try {
          Item.read(corrupted);
        } catch (TarFormatException expected) {
          // The only acceptable failure; anything else escapes and fails the test.
        }
      }
    }
  }

  private void assertMatches(String name, Node node, Item item, Map<String, Node> truth, boolean pax) {
    TarEntry entry = item.entry();
    String what = name + " " + entry;
    assertEquals(node.mode(), entry.mode(), what);
    assertEquals(node.uid(), entry.uid(), what);
    assertEquals(node.gid(), entry.gid(), what);
    assertEquals(pax ? node.mtime() : node.mtime().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
        entry.mtime(), what);
    switch (entry.type()) {
      case HARD_LINK -> assertEquals(node.inode(), truth.get(FileTree.key(entry.linkTarget())).inode(), what);
      case REGULAR -> {
        assertEquals(node.size(), entry.size(), what);
        assertArrayEquals(FileTree.content(tree, name), item.data(), what);
      }
      default -> {}
    }
    assertEquals(node.type(), typeLetter(entry.type()), what);
    if (entry.type() == Type.SYMLINK) {
      assertArrayEquals(node.link(), entry.linkTarget(), what);
    }
  }

  private static char typeLetter(Type type) {
    return switch (type) {
      case REGULAR, HARD_LINK -> 'f';
      case SYMLINK -> 'l';
      case CHAR_DEVICE -> 'c';
      case BLOCK_DEVICE -> 'b';
      case FIFO -> 'p';
      case DIRECTORY -> 'd';
    };
  }

  private static Map<String, Item> index(List<Item> items) {
    Map<String, Item> byName = new LinkedHashMap<>();
    items.forEach(item -> byName.put(FileTree.key(item.entry().name()), item));
    return byName;
  }

  private static boolean hasBase256Uid(byte[] archive) {
    for (int at = 0; at + Ustar.BLOCK <= archive.length; at += Ustar.BLOCK) {
      if ((archive[at + Ustar.Field.UID.offset] & 0xff) == 0x80) {
        return true;
      }
    }
    return false;
  }

}
