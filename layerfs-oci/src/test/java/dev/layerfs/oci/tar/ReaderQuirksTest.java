package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfs.oci.tar.TarEntry.Type;
import dev.layerfs.oci.tar.Ustar.Field;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reader accepts what real writers other than GNU tar produce: libarchive, old tars, odd PAX usage. */
class ReaderQuirksTest {

  @Test
  void libarchiveXattrsAreUrlEncodedNamesWithBase64Values() throws IOException {
    String records = RawArchive.record("LIBARCHIVE.xattr.user.a%3Db%25", "AP8B")
        + RawArchive.record("LIBARCHIVE.xattr.security.capability", "AQAAAgAEAAAAAAAAAAAAAAAAAAA=");
    byte[] archive = new RawArchive().pax(records).file("f", "").end().bytes();

    TarEntry entry = Item.read(archive).getFirst().entry();

    assertArrayEquals(new byte[] {0, (byte) 0xff, 1}, entry.xattrs().get("user.a=b%"));
    assertArrayEquals(Fixtures.CAPABILITY, entry.xattrs().get("security.capability"));
  }

  @Test
  void globalRecordsApplyUntilALocalEmptyValueRemovesThem() throws IOException {
    byte[] archive = new RawArchive()
        .extension('g', RawArchive.record("uname", "global").getBytes())
        .file("a", "")
        .pax(RawArchive.record("uname", ""))
        .file("b", "")
        .end().bytes();

    List<Item> items = Item.read(archive);

    assertEquals("global", new String(items.get(0).entry().uname()));
    assertEquals("", new String(items.get(1).entry().uname()));
  }

  @Test
  void precedenceIsPaxOverGnuLongNamesOverTheHeader() throws IOException {
    byte[] archive = new RawArchive()
        .extension('L', "long-name\0".getBytes())
        .extension('K', "long-target\0".getBytes())
        .entry(RawArchive.withField(RawArchive.header("short", '2', 0), Field.LINKNAME, "t".getBytes()),
            new byte[0])
        .extension('L', "loses\0".getBytes())
        .pax(RawArchive.record("path", "wins"))
        .file("header-name", "")
        .end().bytes();

    List<Item> items = Item.read(archive);

    assertArrayEquals("long-name".getBytes(), items.get(0).entry().name());
    assertArrayEquals("long-target".getBytes(), items.get(0).entry().linkTarget());
    assertArrayEquals("wins".getBytes(), items.get(1).entry().name());
  }

  @Test
  void oldStyleHeadersAreRead() throws IOException {
    byte[] v7 = RawArchive.header("v7/dir/", '\0', 0);
    java.util.Arrays.fill(v7, Field.MAGIC.offset, Field.MAGIC.offset + Field.MAGIC.length, (byte) 0);
    byte[] prefixed = RawArchive.withField(RawArchive.header("name", '7', 1), Field.PREFIX, "some/prefix".getBytes());
    byte[] signed = RawArchive.header("signed-\u00e9", '0', 0);
    long signedSum = Ustar.signedChecksum(signed);
    Field.CHECKSUM.putOctal(signed, signedSum);

    List<Item> items = Item.read(new RawArchive().raw(RawArchive.seal(v7)).entry(prefixed, "x".getBytes())
        .raw(signed).end().bytes());

    assertEquals(Type.DIRECTORY, items.get(0).entry().type());
    assertArrayEquals("v7/dir".getBytes(), items.get(0).entry().name());
    assertArrayEquals("some/prefix/name".getBytes(), items.get(1).entry().name());
    assertEquals(Type.REGULAR, items.get(1).entry().type());
    assertEquals(Instant.ofEpochSecond(1_700_000_000), items.get(2).entry().mtime());
  }

  @Test
  void volumeLabelsAndTrailingGlobalHeadersAreNotEntries() throws IOException {
    byte[] archive = new RawArchive().entry(RawArchive.header("label", 'V', 0), new byte[0]).file("f", "x")
        .extension('g', RawArchive.record("comment", "bye").getBytes()).end().bytes();

    List<Item> items = Item.read(archive);

    assertEquals(1, items.size());
    assertArrayEquals("f".getBytes(), items.getFirst().entry().name());
  }

  @Test
  void negativeFractionalPaxTimesCountBackwards() throws IOException {
    byte[] archive = new RawArchive().pax(RawArchive.record("mtime", "-1.25") + RawArchive.record("atime", "7"))
        .file("f", "").end().bytes();

    TarEntry entry = Item.read(archive).getFirst().entry();

    assertEquals(Instant.ofEpochSecond(-2, 750_000_000), entry.mtime());
    assertEquals(Instant.ofEpochSecond(7), entry.atime().orElseThrow());
    assertEquals("-1.25", HeaderEncoder.paxTime(entry.mtime()));
  }
}
