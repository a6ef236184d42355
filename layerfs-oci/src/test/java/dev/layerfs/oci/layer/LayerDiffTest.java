package dev.layerfs.oci.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarReader;
import dev.layerfs.oci.tar.TarWriter;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.Tool;
import dev.layerfs.oci.testing.TreeListing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A diff is the kernel's upper directory as a layer: changes made through {@code mount -t overlay}, diffed, applied
 * and mounted again as a lower layer show the very tree the changes made.
 */
class LayerDiffTest {
  @TempDir Path temp;

  static LayerTar base() {
    return new LayerTar()
        .dir("etc").file("etc/motd", "hello\n").file("etc/removed", "bye\n").file("etc/hosts", "127.0.0.1\n")
        .dir("dirgone").file("dirgone/a", "a")
        .dir("replaced").file("replaced/old", "old").dir("replaced/sub").file("replaced/sub/x", "x")
        .dir("dir2file").file("dir2file/f", "f")
        .file("file2dir", "was a file")
        .dir("moved-dir").file("moved-dir/one", "1").dir("moved-dir/sub").file("moved-dir/sub/one", "s1")
        .file("moved-dir/sub/two", "s2").hardlink("moved-dir/sub/two-link", "moved-dir/sub/two")
        .symlink("moved-dir/link", "one")
        .dir("a").dir("a/deep").file("a/deep/file", "deep").dir("b")
        .dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\n");
  }

  @Test
  void aDiffOfTheKernelsUpperAppliedOnTheLowerShowsTheSameTree() throws IOException {
    Path lower = LayerApplyTest.applyTo(temp.resolve("lower"), base());
    Path upper = Files.createDirectory(temp.resolve("upper"));
    Path work = Files.createDirectory(temp.resolve("work"));
    Path merged = temp.resolve("merged");
    TreeListing expected;
    String options = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + ",redirect_dir=on";
    try (KernelOverlay mount = KernelOverlay.mount(options, merged)) {
      Tool.bash(merged, String.join("\n",
          "echo new > added",
          "ln added added-link",
          "echo more >> etc/motd",
          "rm etc/removed",
          "rm -r dirgone",
          "rm -r replaced && mkdir replaced && echo fresh > replaced/new",
          "rm -r dir2file && echo now-a-file > dir2file",
          "rm file2dir && mkdir file2dir && touch file2dir/inside",
          "mv moved-dir renamed-dir && echo extra > renamed-dir/extra && rm renamed-dir/sub/one",
          "mv a/deep b/deep2",
          "mknod dev5 c 1 5 && mkfifo fifo2",
          "setfattr -n security.capability -v 0x0100000200040000000000000000000000000000 usr/bin/tool",
          "setfattr -n user.note -v 0x00ff00 etc/hosts",
          "setfattr -n user.$'\\xff' -v 0x01 etc/hosts",
          "chmod 4711 usr/bin/tool && chown 12:34 etc/hosts",
          "truncate -s 10M sparse && echo tail >> sparse",
          "touch $'\\xff\\xfe-not-utf8'"));
      expected = TreeListing.of(merged);
    }
    assertTrue(Files.exists(upper.resolve("renamed-dir")), "the kernel renamed the directory in place");

    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    DiffResult result = LayerDiff.builder().lowers(List.of(lower)).build().write(upper, tar);
    assertEquals(2, result.redirectedDirectories(), "renamed-dir and b/deep2 were renamed");

    Path layer = temp.resolve("layer");
    LayerApply.builder().lowers(List.of(lower)).build().apply(new ByteArrayInputStream(tar.toByteArray()), layer);
    TreeListing actual;
    try (KernelOverlay mount = KernelOverlay.mount("lowerdir=" + layer + ":" + lower, temp.resolve("again"))) {
      actual = TreeListing.of(mount.path());
    }
    expected = expected.without(Set.of("/"));
    actual = actual.without(Set.of("/"));
    assertEquals(expected, actual, expected.diff(actual, "changed through the kernel", "diff applied"));

    List<String> names = entryNames(tar.toByteArray());
    assertTrue(names.contains(".wh.dirgone") && names.contains("etc/.wh.removed") && names.contains(".wh.moved-dir"),
        names.toString());
    assertTrue(names.contains("replaced/.wh..wh..opq") && !names.contains("renamed-dir/.wh..wh..opq"),
        "a renamed directory needs no marker where nothing was: " + names);
    assertTrue(names.contains("renamed-dir/sub/two") && names.contains("renamed-dir/link"),
        "the renamed directory carries its lower contents: " + names);
    assertFalse(names.contains("renamed-dir/sub/one"), "deleted inside the renamed directory: " + names);
  }

  @Test
  void metacopyFilesCarryTheDataTheyShowFromTheLowerLayers() throws IOException {
    Path bottom = Files.createDirectory(temp.resolve("bottom"));
    Tool.bash(bottom, String.join("\n",
        "mkdir d e",
        "for f in chained renamed moved linked plain; do echo \"$f data\" > d/$f; done",
        "truncate -s 10M d/sparse && echo tail >> d/sparse"));
    Path middle = Files.createDirectory(temp.resolve("middle"));
    try (KernelOverlay mount = KernelOverlay.mount("lowerdir=" + bottom + ",upperdir=" + middle + ",workdir="
        + Files.createDirectory(temp.resolve("work1")) + ",metacopy=on", temp.resolve("merged1"))) {
      Tool.bash(mount.path(), "chmod 600 d/chained && mv d/moved d/moved-once");
    }
    Path upper = Files.createDirectory(temp.resolve("upper"));
    String lowers = "lowerdir=" + middle + ":" + bottom;
    TreeListing expected;
    try (KernelOverlay mount = KernelOverlay.mount(lowers + ",upperdir=" + upper + ",workdir="
        + Files.createDirectory(temp.resolve("work2")) + ",metacopy=on", temp.resolve("merged2"))) {
      Tool.bash(mount.path(), String.join("\n",
          "chmod 640 d/chained",
          "mv d/renamed d/renamed-again",
          "mv d/moved-once e/moved",
          "ln d/linked e/linked-too",
          "chown 5:6 d/sparse",
          "setfattr -n user.note -v 0x00ff d/plain"));
      expected = TreeListing.of(mount.path());
    }
    for (String file : List.of("d/chained", "d/renamed-again", "e/moved", "d/linked", "d/sparse", "d/plain")) {
      assertTrue(dev.layerfs.posix.Xattrs.list(dev.layerfs.posix.Posix.AT_FDCWD,
          dev.layerfs.posix.Names.bytes(upper.resolve(file).toString())).contains("trusted.overlay.metacopy"),
          file + ": the kernel copied up its metadata only");
    }

    IOException withoutLowers = assertThrows(IOException.class, () -> diff(upper, null, TarWriter.TimePolicy.keep()));
    assertTrue(withoutLowers.getMessage().contains("--lower") && withoutLowers.getMessage().contains("metacopy"),
        withoutLowers.getMessage());

    byte[] tar = diff(upper, List.of(middle, bottom), TarWriter.TimePolicy.keep());
    Path layer = temp.resolve("layer");
    LayerApply.builder().lowers(List.of(middle, bottom)).build().apply(new ByteArrayInputStream(tar), layer);
    TreeListing actual;
    try (KernelOverlay mount = KernelOverlay.mount("lowerdir=" + layer + ":" + middle + ":" + bottom
        + ",metacopy=on", temp.resolve("again"))) {
      actual = TreeListing.of(mount.path());
    }
    assertEquals(expected, actual, expected.diff(actual, "changed through the kernel", "diff applied"));
    TarEntry sparse = entries(tar).stream().filter(e -> new String(e.name(), StandardCharsets.UTF_8)
        .equals("d/sparse")).findFirst().orElseThrow();
    assertTrue(sparse.sparseMap().isPresent() && sparse.storedSize() < 1 << 20,
        "the lower file's hole stays a hole: " + sparse);
  }

  @Test
  void entriesAreSortedWithEachDirectorysContentsTogetherAndCarryNoOverlayXattrs() throws IOException {
    Path lower = LayerApplyTest.applyTo(temp.resolve("lower"), base());
    Path upper = LayerApplyTest.applyTo(temp.resolve("upper"), new LayerTar()
        .dir("a").file("a.txt", "1").file("a/z", "2").file("a/b", "3").dir("a-b").file("a-b/c", "4")
        .whiteout("etc").dir("replaced").opaque("replaced"));
    List<TarEntry> entries = entries(diff(upper, List.of(lower), TarWriter.TimePolicy.keep()));

    assertEquals(List.of(".wh.etc", "a", "a/b", "a/z", "a-b", "a-b/c", "a.txt", "replaced",
        "replaced/.wh..wh..opq"), entries.stream().map(e -> new String(e.name(), StandardCharsets.UTF_8)).toList());
    assertTrue(entries.stream().allMatch(e -> e.xattrs().keySet().stream().noneMatch(k -> k.contains("overlay."))),
        "no overlay xattrs: " + entries);
    assertTrue(entries.stream().allMatch(e -> e.uname().length == 0 && e.gname().length == 0), "numeric ids only");
  }

  @Test
  void withoutTheLowerLayersEveryOpaqueDirectoryGetsItsMarkerAndARedirectIsAnError() throws IOException {
    Path upper = LayerApplyTest.applyTo(temp.resolve("upper"), new LayerTar().dir("fresh").opaque("fresh"));
    List<String> names = entryNames(diff(upper, null, TarWriter.TimePolicy.keep()));
    assertEquals(List.of("fresh", "fresh/.wh..wh..opq"), names);
    Path lower = LayerApplyTest.applyTo(temp.resolve("lower"), new LayerTar().dir("other"));
    assertEquals(List.of("fresh"), entryNames(diff(upper, List.of(lower), TarWriter.TimePolicy.keep())),
        "no marker where no lower directory is hidden");

    dev.layerfs.posix.Xattrs.set(dev.layerfs.posix.Posix.AT_FDCWD,
        dev.layerfs.posix.Names.bytes(upper.resolve("fresh").toString()), "trusted.overlay.opaque", "n".getBytes(), 0);
    dev.layerfs.posix.Xattrs.set(dev.layerfs.posix.Posix.AT_FDCWD,
        dev.layerfs.posix.Names.bytes(upper.resolve("fresh").toString()), "trusted.overlay.redirect", "other".getBytes(),
        0);
    IOException e = assertThrows(IOException.class, () -> diff(upper, null, TarWriter.TimePolicy.keep()));
    assertTrue(e.getMessage().contains("--lower") && e.getMessage().contains("fresh"), e.getMessage());
  }

  @Test
  void theSameChangesGiveTheSameBytesAndFixedTimesIgnoreWhenTheyWereMade() throws IOException {
    LayerTar changes = new LayerTar().dir("d").file("d/f", "x").whiteout("gone");
    Path one = LayerApplyTest.applyTo(temp.resolve("one"), changes);
    Path two = LayerApplyTest.applyTo(temp.resolve("two"), changes);
    assertArrayEquals(diff(one, null, TarWriter.TimePolicy.keep()), diff(two, null, TarWriter.TimePolicy.keep()));

    Tool.run(two, "touch", "d/f", "d", "gone");
    Instant epoch = Instant.ofEpochSecond(1_234_567_890);
    byte[] fixedOne = diff(one, null, TarWriter.TimePolicy.fixedAt(epoch));
    assertArrayEquals(fixedOne, diff(two, null, TarWriter.TimePolicy.fixedAt(epoch)));
    assertTrue(entries(fixedOne).stream().allMatch(e -> e.mtime().equals(epoch)));
  }

  static byte[] diff(Path upper, List<Path> lowers, TarWriter.TimePolicy times) throws IOException {
    LayerDiff.Builder builder = LayerDiff.builder().times(times);
    if (lowers != null) {
      builder.lowers(lowers);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    builder.build().write(upper, out);
    return out.toByteArray();
  }

  static List<TarEntry> entries(byte[] tar) throws IOException {
    List<TarEntry> entries = new ArrayList<>();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    for (TarEntry e = reader.next(); e != null; e = reader.next()) {
      entries.add(e);
    }
    return entries;
  }

  static List<String> entryNames(byte[] tar) throws IOException {
    return entries(tar).stream().map(e -> new String(e.name(), StandardCharsets.ISO_8859_1)).toList();
  }
}
