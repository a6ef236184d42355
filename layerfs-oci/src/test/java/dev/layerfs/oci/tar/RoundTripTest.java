package dev.layerfs.oci.tar;

import static dev.layerfs.oci.tar.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.tar.TarEntry.Type;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the writer writes, the reader reads back unchanged: every field, every type, every awkward byte. */
class RoundTripTest {

  @Test
  void everyEntryTypeSurvives() throws IOException {
    List<Item> items = Fixtures.everyType();

    assertEquals(items, Item.read(Item.write(items)));
  }

  @Test
  void binaryXattrValuesSurviveByteForByte() throws IOException {
    TarEntry entry = Fixtures.file("cap", 0).xattr("security.capability", Fixtures.CAPABILITY)
        .xattr("user.bytes", Fixtures.allBytes()).xattr("user.odd=name%41", new byte[] {0, '\n', '='}).build();

    Map<String, byte[]> read = Item.read(Item.write(List.of(Item.of(entry)))).getFirst().entry().xattrs();

    assertEquals(List.of("security.capability", "user.bytes", "user.odd=name%41"), List.copyOf(read.keySet()));
    assertArrayEquals(Fixtures.CAPABILITY, read.get("security.capability"));
    assertArrayEquals(Fixtures.allBytes(), read.get("user.bytes"));
    assertArrayEquals(new byte[] {0, '\n', '='}, read.get("user.odd=name%41"));
  }

  @Test
  void nonUtf8NamesAndTargetsSurvive() throws IOException {
    byte[] target = {'t', (byte) 0x80, (byte) 0xc0};
    List<Item> items = List.of(
        Item.of(TarEntry.builder(Type.REGULAR, Fixtures.NOT_UTF8).mode(0644).build()),
        Item.of(TarEntry.builder(Type.SYMLINK, new byte[] {(byte) 0xff, (byte) 0xfe}).linkTarget(target).build()),
        Item.of(TarEntry.builder(Type.DIRECTORY, new byte[] {'d', (byte) 0xe9}).mode(0700).build()));

    byte[] archive = Item.write(items);

    assertEquals(items, Item.read(archive));
    assertTrue(new String(archive, StandardCharsets.ISO_8859_1).contains("hdrcharset=BINARY"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 99, 100, 101, 155, 156, 255, 256, 257, 1000, 4096, 30_000})
  void namesOfAnyLengthSurvive(int length) throws IOException {
    for (String name : List.of("n".repeat(length), Fixtures.name(length, 9), Fixtures.name(length, 60))) {
      TarEntry file = Fixtures.file(name, 3).build();
      TarEntry dir = TarEntry.builder(Type.DIRECTORY, name).mode(0755).build();
      List<Item> items = List.of(new Item(file, utf8("abc")), Item.of(dir));

      assertEquals(items, Item.read(Item.write(items)), name);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 100, 101, 255, 256, 5000})
  void linkTargetsOfAnyLengthSurvive(int length) throws IOException {
    String target = Fixtures.name(length, 20);
    List<Item> items = List.of(
        Item.of(TarEntry.builder(Type.SYMLINK, "s").linkTarget(target).build()),
        Item.of(TarEntry.builder(Type.HARD_LINK, "h").linkTarget(target).build()));

    assertEquals(items, Item.read(Item.write(items)));
  }

  @Test
  void entriesThatFitUstarGetNoPaxHeader() throws IOException {
    String splitAcrossPrefix = "p".repeat(155) + "/" + "n".repeat(100);
    List<Item> items = List.of(
        new Item(TarEntry.builder(Type.REGULAR, "a".repeat(100)).size(2).mtime(Instant.ofEpochSecond(1)).build(),
            utf8("hi")),
        Item.of(TarEntry.builder(Type.REGULAR, splitAcrossPrefix).build()),
        Item.of(TarEntry.builder(Type.SYMLINK, "l").linkTarget("t".repeat(100)).uname(utf8("u".repeat(31))).build()));

    byte[] archive = Item.write(items);

    assertFalse(Fixtures.containsPaxHeader(archive));
    assertEquals(4 * 512 + 1024, archive.length);
    assertEquals(items, Item.read(archive));
  }

  @Test
  void whatUstarCannotHoldGoesToPax() throws IOException {
    List<TarEntry> entries = List.of(
        Fixtures.file("x".repeat(101), 0).build(),
        TarEntry.builder(Type.REGULAR, "é").build(),
        TarEntry.builder(Type.REGULAR, "nanos").mtime(Instant.ofEpochSecond(5, 1)).build(),
        TarEntry.builder(Type.REGULAR, "old").mtime(Instant.ofEpochSecond(-1, 500_000_000)).build(),
        TarEntry.builder(Type.REGULAR, "far").mtime(Instant.ofEpochSecond(1L << 40)).build(),
        TarEntry.builder(Type.REGULAR, "ids").uid(1L << 32).gid(2_097_152).build(),
        TarEntry.builder(Type.REGULAR, "owner").uname(utf8("u".repeat(32))).gname(utf8("grüppe")).build(),
        TarEntry.builder(Type.CHAR_DEVICE, "bigdev").device(Integer.MAX_VALUE, 1 << 30).build());
    for (TarEntry entry : entries) {
      byte[] archive = Item.write(List.of(Item.of(entry)));

      assertTrue(Fixtures.containsPaxHeader(archive), entry::toString);
      assertEquals(List.of(Item.of(entry)), Item.read(archive));
    }
  }

  @Test
  void directoriesAreWrittenWithATrailingSlashAndReadWithout() throws IOException {
    byte[] archive = Item.write(List.of(Item.of(TarEntry.builder(Type.DIRECTORY, "dir//").build())));

    assertEquals("dir/\0", new String(archive, 0, 5, StandardCharsets.US_ASCII));
    assertArrayEquals(utf8("dir"), Item.read(archive).getFirst().entry().name());
  }

  @Test
  void sparseFilesKeepTheirMapAndData() throws IOException {
    Item sparse = Fixtures.sparse("disk.img");
    Item allHoles = Item.of(Fixtures.file("holes", 1 << 30).sparseMap(new SparseMap(List.of())).build());

    List<Item> read = Item.read(Item.write(List.of(sparse, allHoles)));

    assertEquals(List.of(sparse, allHoles), read);
    assertEquals(1 << 20, read.getFirst().entry().size());
    assertEquals(8192, read.getFirst().entry().storedSize());
  }

  @Test
  void writingTwiceGivesIdenticalBytes() {
    assertArrayEquals(Item.write(Fixtures.everyType()), Item.write(Fixtures.everyType()));
  }

  @Test
  void fixedTimesAndZeroOwnerNamesNormalizeEntries() throws IOException {
    Instant epoch = Instant.ofEpochSecond(1_600_000_000);
    TarWriter.Options options = TarWriter.Options.DEFAULTS
        .withTimes(TarWriter.TimePolicy.fixedAt(epoch)).withZeroOwnerNames(true);

    for (Item item : Item.read(Item.write(Fixtures.everyType(), options))) {
      assertEquals(epoch, item.entry().mtime());
      assertTrue(item.entry().atime().isEmpty() || item.entry().atime().equals(Optional.of(epoch)));
      assertArrayEquals(new byte[0], item.entry().uname());
      assertArrayEquals(new byte[0], item.entry().gname());
    }
  }

  @Test
  void clampedTimesMoveOnlyLaterTimesBack() throws IOException {
    Instant epoch = Fixtures.MTIME.minusSeconds(1);
    List<Item> items = List.of(
        Item.of(Fixtures.file("new", 0).build()),
        Item.of(Fixtures.file("old", 0).mtime(Instant.ofEpochSecond(1, 5)).build()));
    TarWriter.Options options = TarWriter.Options.DEFAULTS.withTimes(TarWriter.TimePolicy.clampTo(epoch));

    List<Item> read = Item.read(Item.write(items, options));

    assertEquals(epoch, read.get(0).entry().mtime());
    assertEquals(Instant.ofEpochSecond(1, 5), read.get(1).entry().mtime());
  }

  @Test
  void nameOrderComparesBytesUnsigned() {
    TarEntry high = TarEntry.builder(Type.REGULAR, new byte[] {'a', (byte) 0xff}).build();
    TarEntry slash = TarEntry.builder(Type.REGULAR, "a/b").build();
    TarEntry dot = TarEntry.builder(Type.REGULAR, "a.b").build();

    assertEquals(List.of(dot, slash, high), List.of(high, slash, dot).stream().sorted(TarEntry.NAME_ORDER).toList());
  }
}
