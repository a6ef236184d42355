package dev.layerfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.posix.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad options fail up front with the errno the kernel's mount gives and a message naming option and path. */
class OverlayOptionsTest {
  @TempDir Path tmp;

  private Path dir(String name) throws IOException {
    return Files.createDirectories(tmp.resolve(name));
  }

  private OverlayOptionException refused(String options) {
    return assertThrows(OverlayOptionException.class, () -> {
      try (Overlay o = Overlay.open(OverlayOptions.parse(options))) {
        o.root();
      }
    });
  }

  private static void assertNames(OverlayOptionException e, int errno, String option, String fragment) {
    assertEquals(errno, e.errno(), e.getMessage());
    assertEquals(option, e.option(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void parsesTheKernelsSpelling() throws Exception {
    OverlayOptions o = OverlayOptions.parse(
        "lowerdir=/a/l\\:1:/b,upperdir=/u,workdir=/w,userxattr,xino=off,volatile,index=off,metacopy=off");
    assertEquals(List.of(Path.of("/a/l:1"), Path.of("/b")), o.lowerDirs());
    assertEquals(Path.of("/u"), o.upperDir());
    assertTrue(o.userXattr());
    assertTrue(o.volatileWrites());
    assertEquals(OverlayOptions.RedirectDir.NOFOLLOW, o.redirectDir());
    assertEquals(OverlayOptions.Xino.OFF, o.xino());
    assertEquals(o.toOptionString(), OverlayOptions.parse(o.toOptionString()).toOptionString());
  }

  @Test
  void unknownAndMalformedOptionsNameTheOption() {
    assertNames(refused("lowerdir=/x,colour=blue"), Errno.EINVAL, "colour", "unknown option");
    assertNames(refused("lowerdir=/x,redirect_dir=maybe"), Errno.EINVAL, "redirect_dir", "must be one of");
    assertNames(refused("lowerdir=/x,index=on"), Errno.EINVAL, "index", "only 'index=off'");
    assertNames(refused("upperdir=/u,workdir=/w"), Errno.EINVAL, "lowerdir", "at least one lower layer");
    assertNames(refused("lowerdir=/x,upperdir=/u"), Errno.EINVAL, "workdir", "needs a workdir");
    assertNames(refused("lowerdir=/a::/b"), Errno.EINVAL, "lowerdir", "empty layer");
    assertNames(refused("lowerdir=/x,userxattr,redirect_dir=on"), Errno.EINVAL, "userxattr", "conflicting");
    assertNames(refused("lowerdir=/x,ro=yes"), Errno.EINVAL, "ro", "flag");
  }

  /**
   * {@code metacopy=on} as the kernel's {@code ovl_fs_params_verify} takes it: it turns redirect_dir on, conflicts
   * with a redirect_dir that writes no redirects (without an upper layer, one that follows them will do) and with
   * userxattr; the kernel's mount agrees on each case.
   */
  @Test
  void metacopyOnNeedsRedirectsAndNoUserxattr() throws Exception {
    String layers = "lowerdir=" + dir("lower") + ",upperdir=" + dir("upper") + ",workdir=" + dir("work");
    String lowersOnly = "lowerdir=" + dir("lower") + ":" + dir("lower2");
    Path merged = dir("merged");
    for (String accepted : List.of(layers + ",metacopy=on", layers + ",metacopy=on,redirect_dir=on",
        layers + ",metacopy=off,redirect_dir=nofollow", layers + ",userxattr,metacopy=off",
        lowersOnly + ",metacopy=on,redirect_dir=follow")) {
      OverlayOptions o = OverlayOptions.parse(accepted);
      assertEquals(accepted.contains("metacopy=on"), o.metacopy(), accepted);
      try (KernelOverlay kernel = KernelOverlay.mount(accepted, merged)) {
        kernel.path();
      }
    }
    OverlayOptions on = OverlayOptions.parse(layers + ",metacopy=on");
    assertEquals(OverlayOptions.RedirectDir.ON, on.redirectDir());
    assertTrue(on.toOptionString().endsWith(",metacopy=on"), on.toOptionString());
    assertEquals(on.toOptionString(), OverlayOptions.parse(on.toOptionString()).toOptionString());
    for (String redirect : List.of("follow", "nofollow", "off")) {
      String options = layers + ",metacopy=on,redirect_dir=" + redirect;
      assertNames(refused(options), Errno.EINVAL, "metacopy", "conflicting options: metacopy=on,redirect_dir="
          + redirect);
      assertThrows(IOException.class, () -> KernelOverlay.mount(options, merged).close(), options);
    }
    assertNames(refused(lowersOnly + ",metacopy=on,redirect_dir=nofollow"), Errno.EINVAL, "metacopy",
        "conflicting options");
    assertNames(refused(layers + ",userxattr,metacopy=on"), Errno.EINVAL, "metacopy",
        "conflicting options: userxattr,metacopy=on");
    assertThrows(IOException.class, () -> KernelOverlay.mount(layers + ",userxattr,metacopy=on", merged).close());
    assertNames(refused(layers + ",metacopy=yes"), Errno.EINVAL, "metacopy", "must be one of on, off");
  }

  @Test
  void missingAndNonDirectoryLayers() throws Exception {
    Path lower = dir("lower");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertNames(refused("lowerdir=" + tmp.resolve("nope")), Errno.ENOENT, "lowerdir", "no such directory");
    assertNames(refused("lowerdir=" + file), Errno.EINVAL, "lowerdir", "is not a directory");
    assertNames(refused("lowerdir=" + lower + ",upperdir=" + tmp.resolve("gone") + ",workdir=" + dir("w")),
        Errno.ENOENT, "upperdir", tmp.resolve("gone").toString());
  }

  @Test
  void workAndUpperMustBeSeparateSubtreesOnOneMount() throws Exception {
    Path lower = dir("lower");
    Path upper = dir("upper");
    assertNames(refused("lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + dir("upper/work")),
        Errno.EINVAL, "workdir", "separate subtrees");
    assertNames(refused("lowerdir=" + lower + ",upperdir=" + dir("work/upper") + ",workdir=" + tmp.resolve("work")),
        Errno.EINVAL, "workdir", "separate subtrees");
    Path other = dir("tmpfs");
    try (TmpfsMount m = TmpfsMount.at(other)) {
      assertNames(refused("lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + dir("tmpfs/w")),
          Errno.EINVAL, "workdir", "same mount");
    }
  }

  @Test
  void layersMustNotOverlap() throws Exception {
    Path lower = dir("lower");
    Path upper = dir("upper");
    Path work = dir("work");
    assertNames(refused("lowerdir=" + lower + ":" + lower), Errno.ELOOP, "lowerdir", "conflicting");
    assertNames(refused("lowerdir=" + dir("upper/inside") + ",upperdir=" + upper + ",workdir=" + work),
        Errno.ELOOP, "lowerdir", "overlapping");
    assertNames(refused("lowerdir=" + lower + ":" + dir("lower/sub")), Errno.ELOOP, "lowerdir", "overlapping");
    assertNames(refused("lowerdir=" + tmp + ",upperdir=" + upper + ",workdir=" + work), Errno.ELOOP, "lowerdir",
        "overlapping");
  }

  @Test
  void anUpperInUseByAnotherOverlayIsBusy() throws Exception {
    String options = "lowerdir=" + dir("lower") + ",upperdir=" + dir("upper") + ",workdir=" + dir("work");
    try (Overlay first = Overlay.open(OverlayOptions.parse(options))) {
      assertNames(refused(options), Errno.EBUSY, "upperdir", "in use by another layerfs");
    }
    try (Overlay again = Overlay.open(OverlayOptions.parse(options))) {
      again.root();
    }
    try (KernelOverlay kernel = KernelOverlay.mount(options, dir("merged"))) {
      assertNames(refused(options), Errno.EBUSY, "upperdir", "kernel overlay mounted at");
    }
  }

  @Test
  void aVolatileWorkDirLeftBehindIsRefusedUntilCleaned() throws Exception {
    Path work = dir("work");
    String options = "lowerdir=" + dir("lower") + ",upperdir=" + dir("upper") + ",workdir=" + work;
    try (Overlay o = Overlay.open(OverlayOptions.parse(options + ",volatile"))) {
      o.root();
    }
    assertTrue(Files.exists(work.resolve("work/incompat/volatile/dirty")));
    assertNames(refused(options), Errno.EINVAL, "workdir", "volatile");
    dev.layerfs.core.testing.Differential.removeTree(work.resolve("work/incompat"));
    try (Overlay o = Overlay.open(OverlayOptions.parse(options))) {
      o.root();
    }
  }

  @Test
  void aStaleWorkDirIsCleanedAtStart() throws Exception {
    Path work = dir("work");
    Files.createDirectories(work.resolve("work/#1f/deep/er"));
    Files.writeString(work.resolve("work/#20"), "half a copy-up");
    Files.writeString(work.resolve("keep-me"), "not ours");
    String options = "lowerdir=" + dir("lower") + ",upperdir=" + dir("upper") + ",workdir=" + work;
    try (Overlay o = Overlay.open(OverlayOptions.parse(options))) {
      o.root();
    }
    try (var entries = Files.list(work.resolve("work"))) {
      assertEquals(List.of(), entries.toList());
    }
    assertTrue(Files.exists(work.resolve("keep-me")));
  }

  @Test
  void mapsFromNioEnvironments() throws Exception {
    OverlayOptions o = OverlayOptions.fromMap(Map.of("lowerdir", "/a:/b", "ro", ""));
    assertTrue(o.readOnly());
    assertEquals(2, o.lowerDirs().size());
  }

  /** A tmpfs mounted for a test, so layers can be put on another filesystem. */
  record TmpfsMount(Path at) implements AutoCloseable {
    static TmpfsMount at(Path dir) throws IOException {
      run("mount", "-t", "tmpfs", "-o", "size=16m", "layerfs-test", dir.toString());
      return new TmpfsMount(dir);
    }

    @Override
    public void close() throws IOException {
      run("umount", at.toString());
    }

    private static void run(String... command) throws IOException {
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
          throw new IOException(String.join(" ", command) + ": " + out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }
}
