package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.tar.Ustar.Field;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed, truncated and oversized archives fail with a message naming the entry and offset, and no more. */
class HostileInputTest {

  @Test
  void everyTruncationFailsCleanlyOrEndsBetweenEntries() throws IOException {
    List<Item> items = Fixtures.everyType();
    byte[] archive = Item.write(items);
    for (int cut = 0; cut < archive.length - 2 * Ustar.BLOCK; cut++) {
      byte[] truncated = Arrays.copyOf(archive, cut);
      try {
        List<Item> read = Item.read(truncated);
        assertEquals(items.subList(0, read.size()), read, "cut at " + cut);
        assertEquals(0, cut % Ustar.BLOCK, "only a cut on a block boundary may pass, at " + cut);
      } catch (TarFormatException e) {
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
      }
    }
  }

  @Test
  void truncatedDataNamesTheEntryAndOffset() {
    byte[] archive = new RawArchive().file("first", "x").file("victim", "0123456789").end().bytes();
    byte[] truncated = Arrays.copyOf(archive, 2 * Ustar.BLOCK + Ustar.BLOCK + 5);

    TarFormatException e = assertThrows(TarFormatException.class, () -> Item.read(truncated));

    assertEquals("entry 'victim' at offset 1024: archive truncated: the entry's 10 data bytes end after 5",
        e.getMessage());
    assertEquals(1024, e.offset());
  }

  @Test
  void badChecksumIsRejected() {
    byte[] archive = new RawArchive().file("a", "x").end().bytes();
    archive[0] = 'b';

    TarFormatException e = assertThrows(TarFormatException.class, () -> Item.read(archive));

    assertTrue(e.getMessage().startsWith("entry 'b' at offset 0: header checksum"), e.getMessage());
  }

  @Test
  void randomBytesAreNotATarArchive() {
    byte[] garbage = Fixtures.content(4096, 1);

    assertThrows(TarFormatException.class, () -> Item.read(garbage));
  }

  @Test
  void negativeSizeIsRejected() {
    byte[] header = RawArchive.withField(RawArchive.header("neg", '0', 0), Field.SIZE, RawArchive.base256(-5, 12));

    TarFormatException e = assertThrows(TarFormatException.class,
        () -> Item.read(new RawArchive().raw(header).end().bytes()));

    assertTrue(e.getMessage().contains("negative size field: -5"), e.getMessage());
  }

  @Test
  void hugeSizeFailsAsTruncatedWithoutAllocating() {
    byte[] header = RawArchive.withField(RawArchive.header("huge", '0', 0), Field.SIZE,
        RawArchive.base256(1L << 62, 12));

    TarFormatException e = assertThrows(TarFormatException.class,
        () -> Item.read(new RawArchive().raw(header).end().bytes()));

    assertTrue(e.getMessage().contains("'huge'") && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void base256NumbersAreRead() throws IOException {
    byte[] header = RawArchive.withField(RawArchive.header("big", '0', 3), Field.UID,
        RawArchive.base256(5_000_000_000L, 8));
    byte[] old = RawArchive.withField(header, Field.MTIME, RawArchive.base256(-1_000_000_000L, 12));

    TarEntry entry = Item.read(new RawArchive().entry(old, "abc".getBytes()).end().bytes()).getFirst().entry();

    assertEquals(5_000_000_000L, entry.uid());
    assertEquals(-1_000_000_000L, entry.mtime().getEpochSecond());
  }

  @ParameterizedTest
  @ValueSource(strings = {"99 path=x\n", "0 path=x\n", "3 path=x\n", "abc path=x\n", "12 path=x\n",
      "12 path=xyz.", "9 =value\n", "10 novalue\n", "18446744073709551617 path=x\n"})
  void lyingPaxRecordsAreRejected(String records) {
    byte[] archive = new RawArchive().pax(records).file("f", "").end().bytes();

    TarFormatException e = assertThrows(TarFormatException.class, () -> Item.read(archive));

    assertTrue(e.getMessage().contains("PAX record at byte 0"), e.getMessage());
    assertTrue(e.getMessage().contains("at offset 0"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10 size=x\n", "11 size=-5\n", "13 mtime=1.x\n", "10 uid=1a\n",
      "29 size=99999999999999999999\n"})
  void badPaxValuesAreRejected(String record) {
    byte[] archive = new RawArchive().pax(record).file("f", "").end().bytes();

    TarFormatException e = assertThrows(TarFormatException.class, () -> Item.read(archive));

    assertTrue(e.getMessage().startsWith("entry 'f' at offset 1024:"), e.getMessage());
  }

  @Test
  void oversizedExtensionHeadersAreRefusedBeforeReading() {
    byte[] paxHeader = RawArchive.header("././@PaxHeader", 'x', 100L << 20);
    byte[] longName = RawArchive.header("././@LongLink", 'L', 2L << 20);
    for (byte[] header : List.of(paxHeader, longName)) {
      TarFormatException e = assertThrows(TarFormatException.class,
          () -> Item.read(new RawArchive().raw(header).end().bytes()));

      assertTrue(e.getMessage().contains("exceeds maxPaxHeaderSize 1048576"), e.getMessage());
    }
  }

  @Test
  void manyExtensionHeadersCannotAddUpPastTheLimit() {
    RawArchive archive = new RawArchive();
    for (int i = 0; i < 20; i++) {
      archive.pax(RawArchive.record("comment", "c".repeat(100)));
    }
    TarLimits limits = TarLimits.DEFAULTS.withMaxPaxHeaderSize(1000);

    TarFormatException e = assertThrows(TarFormatException.class,
        () -> Item.read(new ByteArrayInputStream(archive.file("f", "").end().bytes()), limits));

    assertTrue(e.getMessage().contains("maxPaxHeaderSize 1000"), e.getMessage());
  }

  @Test
  void limitsOnNamesEntriesXattrsAndSparseRegionsHold() {
    byte[] longName = new RawArchive().file("n".repeat(90), "").end().bytes();
    byte[] threeEntries = new RawArchive().file("a", "").file("b", "").file("c", "").end().bytes();
    byte[] bigXattr = new RawArchive().pax(RawArchive.record("SCHILY.xattr.user.x", "v".repeat(200)))
        .file("f", "").end().bytes();
    byte[] manyRegions = new RawArchive().pax(RawArchive.record("GNU.sparse.major", "1")
        + RawArchive.record("GNU.sparse.minor", "0") + RawArchive.record("GNU.sparse.realsize", "9"))
        .entry(RawArchive.header("s", '0', Ustar.BLOCK), Arrays.copyOf("999999999\n".getBytes(), Ustar.BLOCK))
        .end().bytes();

    assertLimit(longName, TarLimits.DEFAULTS.withMaxNameLength(80), "exceeds maxNameLength 80");
    assertLimit(threeEntries, TarLimits.DEFAULTS.withMaxEntries(2), "more than maxEntries 2");
    assertLimit(bigXattr, TarLimits.DEFAULTS.withMaxXattrValueSize(100), "more than maxXattrValueSize 100");
    assertLimit(manyRegions, TarLimits.DEFAULTS, "more than maxSparseRegions 100000");
  }

  @Test
  void inconsistentSparseMapsAreRejected() {
    String overlapping = "2\n0\n10\n5\n10\n";
    String tooMuchData = "1\n0\n10\n";
    String beyondSize = "1\n100\n3\n";
    for (String map : List.of(overlapping, tooMuchData, beyondSize)) {
      byte[] data = Arrays.copyOf(map.getBytes(), Ustar.BLOCK + 3);
      byte[] archive = new RawArchive().pax(RawArchive.record("GNU.sparse.major", "1")
          + RawArchive.record("GNU.sparse.minor", "0") + RawArchive.record("GNU.sparse.realsize", "20"))
          .entry(RawArchive.header("s", '0', data.length), data).end().bytes();

      TarFormatException e = assertThrows(TarFormatException.class, () -> Item.read(archive), map);

      assertTrue(e.getMessage().startsWith("entry 's' at offset 1024"), e.getMessage());
    }
  }

  @Test
  void unsupportedTypeflagsAndBadNumbersAreRejected() {
    byte[] multiVolume = new RawArchive().entry(RawArchive.header("m", 'M', 0), new byte[0]).end().bytes();
    byte[] badMode = new RawArchive().raw(RawArchive.withField(RawArchive.header("m", '0', 0), Field.MODE,
        "06x4\0".getBytes(StandardCharsets.US_ASCII))).end().bytes();

    assertTrue(assertThrows(TarFormatException.class, () -> Item.read(multiVolume)).getMessage()
        .contains("unsupported typeflag 'M'"));
    assertTrue(assertThrows(TarFormatException.class, () -> Item.read(badMode)).getMessage()
        .contains("bad mode field: not an octal number"));
  }

  @Test
  void anArchiveEndingAfterAnExtensionHeaderIsTruncated() {
    byte[] archive = new RawArchive().pax(RawArchive.record("path", "lost")).end().bytes();

    TarFormatException e = assertThrows(TarFormatException.class, () -> Item.read(archive));

    assertTrue(e.getMessage().contains("ends after this extension header"), e.getMessage());
  }

  @Test
  void whateverFollowsTheEndMarkerIsIgnored() throws IOException {
    byte[] valid = new RawArchive().file("a", "x").end().bytes();
    byte[] loneZeroBlock = new RawArchive().file("a", "x").raw(new byte[Ustar.BLOCK]).file("b", "y").bytes();

    assertEquals(1, Item.read(Names.concat(valid, Fixtures.content(3000, 9))).size());
    assertEquals(1, Item.read(loneZeroBlock).size());
    assertEquals(1, Item.read(new RawArchive().file("a", "x").bytes()).size());
  }

  private static void assertLimit(byte[] archive, TarLimits limits, String message) {
    TarFormatException e = assertThrows(TarFormatException.class,
        () -> Item.read(new ByteArrayInputStream(archive), limits));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
