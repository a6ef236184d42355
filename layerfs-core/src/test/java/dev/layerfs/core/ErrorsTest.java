package dev.layerfs.core;

import static dev.layerfs.posix.Names.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.testing.EngineFsOps;
import dev.layerfs.core.testing.PosixFsOps;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad call fails with the errno the kernel gives, naming the path, and changes nothing. */
class ErrorsTest {
  @TempDir Path tmp;
  private OverlayFixture layers;
  private Overlay overlay;
  private EngineFsOps fs;

  @BeforeEach
  void open() throws Exception {
    layers = new OverlayFixture(tmp, "");
    Files.createDirectories(layers.lower.resolve("dir/sub"));
    Files.writeString(layers.lower.resolve("dir/file"), "lower data");
    Files.writeString(layers.lower.resolve("file"), "lower data");
    overlay = layers.open();
    fs = layers.fs();
  }

  @AfterEach
  void close() throws Exception {
    layers.close();
  }

  private static int errno(ThrowingCall call) {
    PosixException e = assertThrows(PosixException.class, call::run);
    return e.errno();
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void namesOf255BytesWorkAnd256AreTooLong() throws Exception {
    byte[] longest = new byte[255];
    Arrays.fill(longest, (byte) 'n');
    fs.write(longest, bytes("x"), true);
    assertArrayEquals(bytes("x"), fs.read(longest));
    byte[] tooLong = Arrays.copyOf(longest, 256);
    tooLong[255] = 'n';
    assertEquals(Errno.ENAMETOOLONG, errno(() -> fs.write(tooLong, bytes("x"), true)));
    assertEquals(Errno.ENAMETOOLONG, errno(() -> overlay.lookup(overlay.root(), tooLong)));
  }

  @Test
  void nonUtf8NamesRoundTrip() throws Exception {
    byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
    byte[] junk = {(byte) 0xff, (byte) 0xfe, 'x'};
    fs.mkdir(latin1, 0755);
    fs.write(Names.join(latin1, junk), bytes("bytes"), true);
    assertTrue(fs.list(new byte[0]).stream().anyMatch(n -> Arrays.equals(n, latin1)));
    assertArrayEquals(junk, fs.list(latin1).get(0));
    assertArrayEquals(bytes("bytes"), new PosixFsOps(layers.upper).read(Names.join(latin1, junk)));
  }

  @Test
  void slashDotAndDotDotAreNotNames() {
    assertEquals(Errno.EINVAL, errno(() -> overlay.mkdir(overlay.root(), bytes("a/b"), 0755, Caller.process())));
    assertEquals(Errno.EINVAL, errno(() -> overlay.mkdir(overlay.root(), bytes(".."), 0755, Caller.process())));
    assertEquals(Errno.EINVAL, errno(() -> overlay.lookup(overlay.root(), bytes("."))));
    assertEquals(Errno.ENOENT, errno(() -> overlay.lookup(overlay.root(), new byte[0])));
  }

  @Test
  void theUsualErrnos() throws Exception {
    assertEquals(Errno.ENOENT, errno(() -> fs.read(bytes("missing"))));
    assertEquals(Errno.ENOENT, errno(() -> fs.unlink(bytes("missing"))));
    assertEquals(Errno.EEXIST, errno(() -> fs.mkdir(bytes("dir"), 0755)));
    assertEquals(Errno.ENOTDIR, errno(() -> fs.write(bytes("file/x"), bytes("x"), true)));
    assertEquals(Errno.ENOTDIR, errno(() -> fs.rmdir(bytes("file"))));
    assertEquals(Errno.EISDIR, errno(() -> fs.unlink(bytes("dir"))));
    assertEquals(Errno.EISDIR, errno(() -> fs.write(bytes("dir"), bytes("x"), true)));
    assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rmdir(bytes("dir"))));
    assertEquals(Errno.EINVAL, errno(() -> fs.rename(bytes("dir"), bytes("dir/sub/inside"), 0)));
    assertEquals(Errno.EEXIST, errno(() -> fs.rename(bytes("file"), bytes("dir/file"), Posix.RENAME_NOREPLACE)));
    assertEquals(Errno.EINVAL, errno(() -> fs.rename(bytes("file"), bytes("x"), Posix.RENAME_WHITEOUT)));
    assertEquals(Errno.EPERM, errno(() -> fs.link(bytes("dir"), bytes("dirlink"))));
    assertEquals(Errno.EPERM, errno(() -> overlay.mknod(overlay.root(), bytes("wh"), Posix.S_IFCHR, 0,
        Caller.process())));
    assertEquals(Errno.ENODATA, errno(() -> fs.removexattr(bytes("file"), "user.none")));
    assertEquals(List.of(), upperEntries());
  }

  @Test
  void renamingALowerDirectoryIsExdevWithoutRedirects() throws Exception {
    layers.close();
    Overlay off = Overlay.open(OverlayOptions.parse(layers.options() + ",redirect_dir=off"));
    try {
      EngineFsOps f = new EngineFsOps(off);
      assertEquals(Errno.EXDEV, errno(() -> f.rename(bytes("dir"), bytes("moved"), 0)));
      f.mkdir(bytes("new"), 0755);
      f.rename(bytes("new"), bytes("renamed"), 0);
    } finally {
      off.close();
    }
  }

  @Test
  void aReadOnlyViewIsErofsEverywhere() throws Exception {
    layers.close();
    Overlay ro = Overlay.open(OverlayOptions.parse("lowerdir=" + layers.lower + ":" + layers.lower2));
    try {
      EngineFsOps f = new EngineFsOps(ro);
      assertArrayEquals(bytes("lower data"), f.read(bytes("file")));
      assertEquals(Errno.EROFS, errno(() -> f.write(bytes("file"), bytes("x"), true)));
      assertEquals(Errno.EROFS, errno(() -> f.mkdir(bytes("new"), 0755)));
      assertEquals(Errno.EROFS, errno(() -> f.unlink(bytes("file"))));
      assertEquals(Errno.EROFS, errno(() -> f.chmod(bytes("file"), 0600)));
      assertEquals(Errno.EROFS, errno(() -> f.setxattr(bytes("file"), "user.x", bytes("y"))));
      assertEquals(Errno.EROFS, errno(() -> f.rename(bytes("file"), bytes("other"), 0)));
    } finally {
      ro.close();
    }
  }

  @Test
  void privateXattrsAreHiddenAndEscaped() throws Exception {
    fs.setxattr(bytes("file"), "trusted.overlay.mine", bytes("v"));
    assertTrue(fs.xattrs(bytes("file")).containsKey("trusted.overlay.mine"));
    byte[] stored = dev.layerfs.posix.Xattrs.get(Posix.AT_FDCWD, bytes(layers.upper.resolve("file").toString()),
        "trusted.overlay.overlay.mine");
    assertArrayEquals(bytes("v"), stored);
    fs.unlink(bytes("file"));
    fs.mkdir(bytes("file"), 0755);
    assertTrue(dev.layerfs.posix.Xattrs.list(Posix.AT_FDCWD, bytes(layers.upper.resolve("file").toString()))
        .contains("trusted.overlay.opaque"));
    assertEquals(List.of(), List.copyOf(fs.xattrs(bytes("file")).keySet()));
    assertEquals(Errno.ENODATA, errno(() -> overlay.getxattr(overlay.lookup(overlay.root(), bytes("file")),
        "trusted.overlay.origin")));
  }

  private List<String> upperEntries() throws Exception {
    try (var s = Files.list(layers.upper)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
