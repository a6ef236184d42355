package dev.layerfs.oci.tar;

import dev.layerfs.oci.tar.TarEntry.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Entries and byte strings shared by the tests: one of every type, awkward names, binary xattr values. */
final class Fixtures {
  /** A real {@code security.capability} v2 blob (cap_net_bind_service+ep), NULs included. */
  static final byte[] CAPABILITY = HexFormat.of().parseHex("0100000200040000000000000000000000000000");
  static final byte[] NOT_UTF8 = {'b', 'a', 'd', '-', (byte) 0xff, (byte) 0xfe, '.', 'b', 'i', 'n'};
  static final Instant MTIME = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);

  private Fixtures() {}

  /** Returns every byte value 0x00-0xff once, the hardest xattr value for a text-minded codec. */
  static byte[] allBytes() {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Returns a name of exactly {@code length} bytes made of {@code segment}-byte directories and a file. */
  static String name(int length, int segment) {
    StringBuilder name = new StringBuilder();
    while (name.length() < length) {
      int left = length - name.length();
      name.append(left > segment + 1 ? "d".repeat(segment) + "/" : "f".repeat(left));
    }
    return name.toString();
  }

  static byte[] content(int length, int seed) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = (byte) (i * 31 + seed);
    }
    return data;
  }

  static TarEntry.Builder file(String name, int size) {
    return TarEntry.builder(Type.REGULAR, name).mode(0644).size(size).mtime(MTIME);
  }

  /** One entry of every type, with owners, times, xattrs and modes that a layer really carries. */
  static List<Item> everyType() {
    byte[] text = utf8("hello, layer\n");
    return List.of(
        Item.of(TarEntry.builder(Type.DIRECTORY, "etc").mode(0755).mtime(MTIME).build()),
        new Item(file("etc/motd", text.length).uid(1000).gid(1000).uname(utf8("alice")).gname(utf8("staff"))
            .atime(MTIME.plusSeconds(5)).ctime(MTIME.plusNanos(7)).build(), text),
        Item.of(TarEntry.builder(Type.REGULAR, "etc/empty").mode(0600).build()),
        new Item(file("bin/ping", 4).mode(04755).xattr("security.capability", CAPABILITY)
            .xattr("user.all-bytes", allBytes()).xattr("user.empty", new byte[0]).build(), utf8("ELF!")),
        Item.of(TarEntry.builder(Type.HARD_LINK, "bin/ping6").mode(04755).linkTarget("bin/ping").build()),
        Item.of(TarEntry.builder(Type.SYMLINK, "etc/localtime").mode(0777)
            .linkTarget("/usr/share/zoneinfo/Europe/Zürich").build()),
        Item.of(TarEntry.builder(Type.CHAR_DEVICE, "dev/null").mode(0666).device(1, 3).build()),
        Item.of(TarEntry.builder(Type.BLOCK_DEVICE, "dev/sda").mode(0660).device(8, 0).build()),
        Item.of(TarEntry.builder(Type.FIFO, "run/fifo").mode(0620).build()),
        Item.of(TarEntry.builder(Type.DIRECTORY, "tmp").mode(01777).mtime(Instant.ofEpochSecond(-86_400)).build()),
        sparse("var/disk.img"));
  }

  /** A sparse file: 1 MiB with two 4 KiB data regions and a trailing hole. */
  static Item sparse(String name) {
    SparseMap map = new SparseMap(List.of(new SparseMap.Region(98_304, 4096), new SparseMap.Region(598_016, 4096)));
    TarEntry entry = file(name, 1 << 20).sparseMap(map).build();
    return new Item(entry, content(8192, 7));
  }

  static boolean containsPaxHeader(byte[] archive) {
    for (int at = 0; at + Ustar.BLOCK <= archive.length; at += Ustar.BLOCK) {
      if (archive[at + Ustar.Field.TYPEFLAG.offset] == 'x'
          && Arrays.equals(archive, at + 257, at + 263, Ustar.POSIX_MAGIC, 0, 6)) {
        return true;
      }
    }
    return false;
  }
}
