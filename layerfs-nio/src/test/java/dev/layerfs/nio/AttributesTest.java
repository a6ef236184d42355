package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The basic, posix, unix, owner and user attribute views, typed and by name. */
class AttributesTest extends OverlayTestCase {
  private static final FileTime TIME = FileTime.fromMillis(1_234_567_890_123L);

  @Override
  void fixture(Path lower) throws IOException {
    Path file = write(lower, "file", "12345");
    Files.setLastModifiedTime(file, TIME);
    Files.setAttribute(file, "user:color", "blue".getBytes(StandardCharsets.UTF_8));
    Files.createSymbolicLink(lower.resolve("link"), Path.of("file"));
  }

  @Test
  void readsBasicAttributes() throws IOException {
    BasicFileAttributes a = Files.readAttributes(root.resolve("file"), BasicFileAttributes.class);
    assertEquals(5, a.size());
    assertTrue(a.isRegularFile());
    assertFalse(a.isDirectory() || a.isSymbolicLink() || a.isOther());
    assertEquals(TIME, a.lastModifiedTime());
    assertEquals(a.fileKey(), Files.readAttributes(root.resolve("link"), BasicFileAttributes.class).fileKey());
    BasicFileAttributes link = Files.readAttributes(root.resolve("link"), BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS);
    assertTrue(link.isSymbolicLink());
    assertNotEquals(a.fileKey(), link.fileKey());
    assertEquals(5L, Files.getAttribute(root.resolve("file"), "size"));
    assertEquals(TIME, Files.getAttribute(root.resolve("file"), "basic:lastModifiedTime"));
    Map<String, Object> some = Files.readAttributes(root.resolve("file"), "size,isDirectory");
    assertEquals(Map.of("size", 5L, "isDirectory", false), some);
    assertEquals(9, Files.readAttributes(root.resolve("file"), "basic:*").size());
  }

  @Test
  void readsPosixAndUnixAttributes() throws IOException {
    PosixFileAttributes a = Files.readAttributes(root.resolve("file"), PosixFileAttributes.class);
    assertEquals("rw-r--r--", PosixFilePermissions.toString(a.permissions()));
    assertEquals("root", a.owner().getName());
    assertEquals("root", a.group().getName());
    Map<String, Object> unix = Files.readAttributes(root.resolve("file"), "unix:*");
    assertEquals(0100644, unix.get("mode"));
    assertEquals(1, unix.get("nlink"));
    assertEquals(0, unix.get("uid"));
    assertEquals(0, unix.get("gid"));
    assertEquals(0L, unix.get("rdev"));
    assertInstanceOf(Long.class, unix.get("ino"));
    assertInstanceOf(Long.class, unix.get("dev"));
    assertInstanceOf(FileTime.class, unix.get("ctime"));
    assertEquals(Set.of("lastModifiedTime", "lastAccessTime", "creationTime", "size", "isRegularFile",
        "isDirectory", "isSymbolicLink", "isOther", "fileKey", "permissions", "owner", "group", "mode", "ino", "dev",
        "rdev", "nlink", "uid", "gid", "ctime"), unix.keySet());
    long lowerIno = (Long) Files.getAttribute(lower.resolve("file"), "unix:ino");
    assertEquals(lowerIno, Files.getAttribute(root.resolve("file"), "unix:ino"),
        "on one filesystem the view reports the lower inode number, like the kernel");
    assertThrows(IllegalArgumentException.class, () -> Files.getAttribute(root.resolve("file"), "unix:nope"));
    assertThrows(UnsupportedOperationException.class, () -> Files.getAttribute(root.resolve("file"), "acl:acl"));
  }

  @Test
  void setsTimesPermissionsAndOwnersInTheUpperLayer() throws IOException {
    Path file = root.resolve("file");
    FileTime later = FileTime.fromMillis(1_700_000_000_000L);
    Files.setLastModifiedTime(file, later);
    assertEquals(later, Files.getLastModifiedTime(file));
    assertEquals(later, Files.getLastModifiedTime(upper.resolve("file")));
    assertEquals(TIME, Files.getLastModifiedTime(lower.resolve("file")));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
    assertEquals("r-x------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Files.setAttribute(file, "unix:mode", 0640);
    assertEquals(0100640, Files.getAttribute(file, "unix:mode"));
    Files.setAttribute(file, "unix:uid", 1234);
    Files.setAttribute(file, "unix:gid", 5678);
    assertEquals(1234, Files.getAttribute(file, "unix:uid"));
    assertEquals("1234", Files.getOwner(file).getName(), "a number without a name is its own name");
    UserPrincipal rootUser = fs.getUserPrincipalLookupService().lookupPrincipalByName("root");
    Files.setOwner(file, rootUser);
    assertEquals(rootUser, Files.getOwner(file));
    GroupPrincipal group = fs.getUserPrincipalLookupService().lookupPrincipalByGroupName("root");
    Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(group);
    assertEquals(0, Files.getAttribute(file, "unix:gid"));
    assertEquals(fs.getUserPrincipalLookupService().lookupPrincipalByName("42"),
        fs.getUserPrincipalLookupService().lookupPrincipalByName("42"));
    assertThrows(UserPrincipalNotFoundException.class,
        () -> fs.getUserPrincipalLookupService().lookupPrincipalByName("no-such-user-here"));
    FileOwnerAttributeView owner = Files.getFileAttributeView(file, FileOwnerAttributeView.class);
    assertEquals("owner", owner.name());
    assertEquals(rootUser, owner.getOwner());
  }

  @Test
  void setsTimesThroughViewsWithoutFollowingLinks() throws IOException {
    BasicFileAttributeView view = Files.getFileAttributeView(root.resolve("link"), BasicFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS);
    FileTime t = FileTime.fromMillis(1_500_000_000_000L);
    view.setTimes(t, t, null);
    assertEquals(t, view.readAttributes().lastModifiedTime());
    assertEquals(TIME, Files.getLastModifiedTime(root.resolve("file")), "the target is untouched");
    view.setTimes(null, null, null);
    assertEquals("basic", view.name());
  }

  @Test
  void userAttributesAreExtendedAttributes() throws IOException {
    Path file = root.resolve("file");
    UserDefinedFileAttributeView user = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    assertEquals(List.of("color"), user.list());
    assertEquals(4, user.size("color"));
    ByteBuffer buffer = ByteBuffer.allocate(16);
    user.read("color", buffer);
    assertEquals("blue", new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
    byte[] binary = {0, 1, (byte) 0xff, 0};
    user.write("binary", ByteBuffer.wrap(binary));
    assertArrayEquals(binary, (byte[]) Files.getAttribute(file, "user:binary"));
    Files.setAttribute(file, "user:other", ByteBuffer.wrap(new byte[] {7}));
    assertEquals(Set.of("color", "binary", "other"), Files.readAttributes(file, "user:*").keySet());
    user.delete("color");
    assertEquals(Set.of("binary", "other"), Set.copyOf(user.list()));
    assertThrows(FileSystemException.class, () -> user.size("color"));
    assertThrows(FileSystemException.class, () -> user.read("binary", ByteBuffer.allocate(1)));
    assertEquals("blue", new String((byte[]) Files.getAttribute(lower.resolve("file"), "user:color"),
        StandardCharsets.UTF_8), "the lower file keeps its attribute");
  }

  /** The view's names are text; the layer's are their UTF-8 bytes, as the JDK's own view writes them. */
  @Test
  void userAttributeNamesAreUtf8InTheLayer() throws IOException {
    Path file = root.resolve("file");
    Files.setAttribute(file, "user:caf\u00e9", new byte[] {1});
    byte[] stored = {'u', 's', 'e', 'r', '.', 'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9};
    assertTrue(Xattrs.list(Posix.AT_FDCWD, Names.bytes(upper.resolve("file").toString()))
        .contains(Xattrs.name(stored)));
    assertArrayEquals(new byte[] {1}, (byte[]) Files.getAttribute(file, "user:caf\u00e9"));
    assertEquals(Set.of("color", "caf\u00e9"), Files.readAttributes(file, "user:*").keySet());
  }

  @Test
  void privateOverlayAttributesStayHiddenUnderUserxattr() throws IOException {
    Path l = Files.createDirectory(tmp.resolve("ul"));
    write(l, "d/x", "x");
    Path u = Files.createDirectory(tmp.resolve("uu"));
    try (FileSystem userxattr = OverlayFs.builder().lower(l).upper(u).work(Files.createDirectory(tmp.resolve("uw")))
        .option("userxattr", null).build()) {
      Path d = userxattr.getPath("/d");
      Files.delete(d.resolve("x"));
      Files.delete(d);
      Files.createDirectory(d);
      Files.setAttribute(d, "user:mine", new byte[] {1});
      assertNotNull(Files.getAttribute(u.resolve("d"), "user:overlay.opaque"), "the engine marked it opaque");
      assertEquals(List.of("mine"), Files.getFileAttributeView(d, UserDefinedFileAttributeView.class).list());
      assertThrows(FileSystemException.class, () -> Files.getAttribute(d, "user:overlay.opaque"));
    }
  }

  @Test
  void offersTheSupportedViewsOnly() {
    assertNull(Files.getFileAttributeView(root.resolve("file"), AclFileAttributeView.class));
    assertEquals(Set.of("basic", "posix", "unix", "owner", "user"), fs.supportedFileAttributeViews());
  }
}
