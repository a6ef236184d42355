package dev.layerfs.oci.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.SparseMap;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarEntry.Type;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Applying a layer makes the directory the layer describes, in the kernel overlay's format. */
class LayerApplyTest {
  static final byte[] CAPABILITY = HexFormat.of().parseHex("0100000200040000000000000000000000000000");
  static final byte[] NOT_UTF8 = {'b', 'a', 'd', '-', (byte) 0xff, (byte) 0xfe};

  @TempDir Path temp;

  /** One of each file type with the metadata layers really carry; no whiteouts, so GNU tar is an oracle. */
  static LayerTar everyFileType() {
    // Regions as a file system reports them: whole blocks (GNU tar reads a region's data block by block).
    byte[] sparseData = new byte[8192];
    java.util.Arrays.fill(sparseData, 0, 4096, (byte) 'a');
    java.util.Arrays.fill(sparseData, 4096, 8192, (byte) 'b');
    return new LayerTar()
        .dir("etc")
        .add(TarEntry.builder(Type.REGULAR, "etc/shadow").mode(0640).uid(0).gid(42).size(6)
            .mtime(LayerTar.TIME).build(), "secret".getBytes())
        .add(TarEntry.builder(Type.REGULAR, "etc/ping").mode(04755).size(4).mtime(LayerTar.TIME)
            .xattr("security.capability", CAPABILITY).xattr("user.comment", new byte[] {0, 1, 2, (byte) 0xff})
            .build(), "ELF!".getBytes())
        .hardlink("etc/ping-again", "etc/ping")
        .symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
        .dir("home", 0755)
        .add(TarEntry.builder(Type.DIRECTORY, "home/alice").mode(0700).uid(1234).gid(5678).mtime(LayerTar.TIME)
            .build(), new byte[0])
        .add(TarEntry.builder(Type.REGULAR, "home/alice/notes").mode(0600).uid(1234).gid(5678).size(2)
            .mtime(LayerTar.TIME).build(), "hi".getBytes())
        .dir("tmp", 01777)
        .dir("dev")
        .charDevice("dev/null", 1, 3)
        .fifo("dev/initctl")
        .file(concat(Names.bytes("home/"), NOT_UTF8), "latin".getBytes(), 0644)
        .add(TarEntry.builder(Type.REGULAR, "disk.img").mode(0644).size(8 << 20).mtime(LayerTar.TIME)
            .sparseMap(new SparseMap(List.of(new SparseMap.Region(0, 4096),
                new SparseMap.Region(5 << 20, 4096))))
            .build(), sparseData)
        .dir("ro", 0555)
        .file("ro/inside", "written into a read-only directory");
  }

  @Test
  void makesTheTreeGnuTarMakes() throws IOException {
    byte[] tar = everyFileType().bytes();
    Path ours = temp.resolve("ours");
    ApplyResult result = LayerApply.builder().build().apply(new ByteArrayInputStream(tar), ours);
    Files.write(temp.resolve("layer.tar"), tar);
    Files.createDirectory(temp.resolve("gnu"));
    Tool.run(temp, "tar", "-x", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-owner", "-p",
        "-f", "layer.tar", "-C", "gnu");

    TreeListing expected = TreeListing.of(temp.resolve("gnu")).without(Set.of("/"));
    TreeListing actual = TreeListing.of(ours).without(Set.of("/"));
    assertEquals(expected, actual, expected.diff(actual, "gnu tar", "layerfs"));
    assertEquals(Digest.sha256(tar), result.diffId());
    assertEquals(tar.length, result.tarSize());
    Stat disk = Posix.lstatat(Posix.AT_FDCWD, Names.bytes(ours.resolve("disk.img").toString()));
    assertTrue(disk.blocks() * 512 < 1 << 20, "holes kept: " + disk.blocks() + " blocks");
  }

  @Test
  void whiteoutsBecomeZeroDevicesAndOpaqueMarkersAnXattrWhereverTheyAre() throws IOException {
    Path layer = apply(new LayerTar()
        .whiteout("gone")
        .dir("d").file("d/kept", "new")
        .opaque("d")
        .whiteout("sub/deeper/also-gone"));

    Stat gone = stat(layer.resolve("gone"));
    assertTrue(gone.isCharDevice() && gone.rdev() == 0, "gone is a whiteout");
    assertEquals("y", xattr(layer.resolve("d"), "trusted.overlay.opaque"));
    assertEquals("new", Files.readString(layer.resolve("d/kept")));
    assertTrue(stat(layer.resolve("sub/deeper/also-gone")).isCharDevice());
    try (Stream<Path> all = Files.walk(layer)) {
      assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith(".wh.")), "no .wh. names are left");
    }
  }

  @Test
  void aWhiteoutAndADirectoryOfOneLayerMakeAnOpaqueDirectory() throws IOException {
    Path layer = apply(new LayerTar()
        .whiteout("x").dir("x").file("x/new", "1")
        .dir("y").file("y/new", "2").whiteout("y")
        .whiteout("z").file("z", "file replaces the whiteout")
        .whiteout("w").file("w/child", "a child makes the whited-out name an opaque directory"));

    assertEquals("y", xattr(layer.resolve("x"), "trusted.overlay.opaque"));
    assertEquals("y", xattr(layer.resolve("y"), "trusted.overlay.opaque"));
    assertEquals("y", xattr(layer.resolve("w"), "trusted.overlay.opaque"));
    assertEquals("file replaces the whiteout", Files.readString(layer.resolve("z")));
    assertEquals("2", Files.readString(layer.resolve("y/new")));
  }

  @Test
  void userxattrLayersUseTheUserNamespace() throws IOException {
    Path layer = temp.resolve("layer");
    LayerApply.builder().namespace(OverlayNamespace.USER).build()
        .apply(new ByteArrayInputStream(new LayerTar().dir("d").opaque("d").bytes()), layer);

    assertEquals("y", xattr(layer.resolve("d"), "user.overlay.opaque"));
    assertNull(Xattrs.get(Posix.AT_FDCWD, Names.bytes(layer.resolve("d").toString()), "trusted.overlay.opaque"));
  }

  @Test
  void overlayXattrsCarriedByTheTarAreEscapedAsTheKernelDoes() throws IOException {
    Path layer = apply(new LayerTar().add(TarEntry.builder(Type.DIRECTORY, "d").mode(0755).mtime(LayerTar.TIME)
        .xattr("trusted.overlay.opaque", "y".getBytes()).xattr("trusted.overlay.redirect", "/etc".getBytes())
        .build(), new byte[0]));

    assertNull(Xattrs.get(Posix.AT_FDCWD, Names.bytes(layer.resolve("d").toString()), "trusted.overlay.opaque"));
    assertEquals("y", xattr(layer.resolve("d"), "trusted.overlay.overlay.opaque"));
    assertEquals("/etc", xattr(layer.resolve("d"), "trusted.overlay.overlay.redirect"));
  }

  @Test
  void readsGzipAndZstdLayersAndDigestsTheUncompressedTar() throws IOException {
    LayerTar tar = new LayerTar().dir("a").file("a/b", "content");
    for (Compression compression : Compression.values()) {
      Path layer = temp.resolve("layer-" + compression);
      ApplyResult result = LayerApply.builder().build()
          .apply(new ByteArrayInputStream(tar.compressed(compression)), layer);
      assertEquals(Digest.sha256(tar.bytes()), result.diffId(), compression.name());
      assertEquals("content", Files.readString(layer.resolve("a/b")));
    }
  }

  @Test
  void skipsTheAufsMetadataDirectories() throws IOException {
    Path layer = apply(new LayerTar().dir(".wh..wh.plnk").file(".wh..wh.plnk/123.456", "x").file("f", "y"));
    try (Stream<Path> list = Files.list(layer)) {
      assertEquals(List.of(layer.resolve("f")), list.toList());
    }
  }

  @Test
  void refusesAnExistingTargetAndLeavesNothingBehindOnFailure() throws IOException {
    Path existing = Files.createDirectory(temp.resolve("existing"));
    LayerApply apply = LayerApply.builder().build();
    assertThrows(FileAlreadyExistsException.class,
        () -> apply.apply(new ByteArrayInputStream(new LayerTar().bytes()), existing));

    byte[] bad = new LayerTar().file("a", "1").file("a", "2").bytes();
    assertThrows(InvalidLayerException.class, () -> apply.apply(new ByteArrayInputStream(bad), temp.resolve("t")));
    try (Stream<Path> list = Files.list(temp)) {
      assertEquals(List.of(existing), list.toList(), "no staging directory is left");
    }
  }

  @Test
  void withoutPrivilegesDeviceNodesFailNamingTheEntry() {
    byte[] tar = new LayerTar().dir("dev").charDevice("dev/null", 1, 3).bytes();
    InvalidLayerException e = assertThrows(InvalidLayerException.class,
        () -> LayerApply.builder().privileged(false).build().apply(new ByteArrayInputStream(tar),
            temp.resolve("t")));
    assertEquals("dev/null", e.entry());
    assertTrue(e.getMessage().contains("needs root"), e.getMessage());
    assertFalse(Files.exists(temp.resolve("t")));
  }

  static Path applyTo(Path target, LayerTar tar) throws IOException {
    LayerApply.builder().build().apply(new ByteArrayInputStream(tar.bytes()), target);
    return target;
  }

  private Path apply(LayerTar tar) throws IOException {
    return applyTo(temp.resolve("layer"), tar);
  }

  static Stat stat(Path path) throws IOException {
    return Posix.lstatat(Posix.AT_FDCWD, Names.bytes(path.toString()));
  }

  static String xattr(Path path, String name) throws IOException {
    byte[] value = Xattrs.get(Posix.AT_FDCWD, Names.bytes(path.toString()), name);
    return value == null ? null : new String(value);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
