package dev.layerfs.nio;

import dev.layerfs.core.Overlay;
import dev.layerfs.core.Node;
import dev.layerfs.core.SetAttr;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The attribute views of an overlay view, typed and by name: {@code basic}, {@code posix}, {@code unix} (the
 * names of the JDK's own Unix view: {@code unix:ino}, {@code unix:mode}, {@code unix:ctime}, …), {@code owner},
 * and {@code user}, which maps to {@code user.*} extended attributes through the engine, so they are copied up
 * like the kernel copies them.
 *
 * <p>Reading a set of attributes by name costs one {@code statx}, whatever the number of names.
 */
final class AttributeViews {
  private static final List<String> BASIC = List.of("lastModifiedTime", "lastAccessTime", "creationTime", "size",
      "isRegularFile", "isDirectory", "isSymbolicLink", "isOther", "fileKey");
  private static final List<String> POSIX = List.of("permissions", "owner", "group");
  private static final List<String> UNIX = List.of("mode", "ino", "dev", "rdev", "nlink", "uid", "gid", "ctime");
  private static final String USER_PREFIX = "user.";

  private AttributeViews() {}

  static OverlayFileAttributes attributes(FileRef ref) throws IOException {
    return ref.apply(f -> new OverlayFileAttributes(ref.stat(f)));
  }

  @SuppressWarnings("unchecked")
  static <V extends FileAttributeView> V view(FileRef ref, Class<V> type) {
    if (type == BasicFileAttributeView.class) {
      return (V) new PosixView(ref, "basic");
    }
    if (type == PosixFileAttributeView.class) {
      return (V) new PosixView(ref, "posix");
    }
    if (type == FileOwnerAttributeView.class) {
      return (V) new PosixView(ref, "owner");
    }
    if (type == UserDefinedFileAttributeView.class) {
      return (V) new UserView(ref);
    }
    return null;
  }

  // ---------------------------------------------------------------- by name

  /** {@code Files.readAttributes(path, "view:a,b")}. */
  static Map<String, Object> read(FileRef ref, String attributes) throws IOException {
    int colon = attributes.indexOf(':');
    String view = colon < 0 ? "basic" : attributes.substring(0, colon);
    String[] names = (colon < 0 ? attributes : attributes.substring(colon + 1)).split(",");
    if (view.equals("user")) {
      return readUser(ref, names);
    }
    List<String> known = known(view);
    for (String name : names) {
      if (!name.equals("*") && !known.contains(name)) {
        throw new IllegalArgumentException("'" + name + "' is not an attribute of the " + view + " view");
      }
    }
    Stat st = ref.apply(ref::stat);
    OverlayFileAttributes attrs = new OverlayFileAttributes(st);
    Map<String, Object> out = new HashMap<>();
    for (String name : names) {
      if (name.equals("*")) {
        for (String each : known) {
          out.put(each, value(each, attrs));
        }
      } else {
        out.put(name, value(name, attrs));
      }
    }
    return out;
  }

  private static List<String> known(String view) {
    return switch (view) {
      case "basic" -> BASIC;
      case "posix" -> concat(BASIC, POSIX);
      case "unix" -> concat(concat(BASIC, POSIX), UNIX);
      case "owner" -> List.of("owner");
      default -> throw new UnsupportedOperationException("no attribute view '" + view + "'");
    };
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static Object value(String name, OverlayFileAttributes a) {
    Stat st = a.stat();
    return switch (name) {
      case "lastModifiedTime" -> a.lastModifiedTime();
      case "lastAccessTime" -> a.lastAccessTime();
      case "creationTime" -> a.creationTime();
      case "size" -> a.size();
      case "isRegularFile" -> a.isRegularFile();
      case "isDirectory" -> a.isDirectory();
      case "isSymbolicLink" -> a.isSymbolicLink();
      case "isOther" -> a.isOther();
      case "fileKey" -> a.fileKey();
      case "permissions" -> a.permissions();
      case "owner" -> a.owner();
      case "group" -> a.group();
      case "mode" -> st.mode();
      case "ino" -> st.ino();
      case "dev" -> st.dev();
      case "rdev" -> st.rdev();
      case "nlink" -> st.nlink();
      case "uid" -> st.uid();
      case "gid" -> st.gid();
      case "ctime" -> OverlayFileAttributes.time(st.ctime());
      default -> throw new IllegalArgumentException("unknown attribute " + name);
    };
  }

  private static Map<String, Object> readUser(FileRef ref, String[] names) throws IOException {
    return ref.apply(f -> {
      Overlay o = ref.overlay();
      Map<String, Object> out = new HashMap<>();
      for (String name : names) {
        if (name.equals("*")) {
          for (String real : userXattrs(o, f.node)) {
            out.put(viewName(real), o.getxattr(f.node, real));
          }
        } else {
          out.put(name, o.getxattr(f.node, realName(name)));
        }
      }
      return out;
    });
  }

  /** The names of {@code node}'s {@code user.} attributes, as the engine carries them (bytes). */
  private static List<String> userXattrs(Overlay o, Node node) throws IOException {
    List<String> out = new ArrayList<>();
    for (String real : o.listxattr(node)) {
      if (real.startsWith(USER_PREFIX)) {
        out.add(real);
      }
    }
    return out;
  }

  /**
   * The user view's name of a {@code user.} attribute: its bytes after the prefix read as UTF-8, as the JDK's own
   * view reads them (a name that is not UTF-8 cannot be given back).
   */
  private static String viewName(String real) {
    return Xattrs.text(real).substring(USER_PREFIX.length());
  }

  /** The attribute the user view's {@code name} stands for: {@code user.} and the name's UTF-8 bytes. */
  private static String realName(String name) {
    return Xattrs.ofText(USER_PREFIX + name);
  }

  /** {@code Files.setAttribute(path, "view:name", value)}. */
  static void set(FileRef ref, String attribute, Object value) throws IOException {
    int colon = attribute.indexOf(':');
    String view = colon < 0 ? "basic" : attribute.substring(0, colon);
    String name = colon < 0 ? attribute : attribute.substring(colon + 1);
    if (view.equals("user")) {
      byte[] bytes = value instanceof ByteBuffer b ? remaining(b) : (byte[]) value;
      new UserView(ref).write(name, bytes);
      return;
    }
    if (!known(view).contains(name)) {
      throw new IllegalArgumentException("'" + name + "' is not an attribute of the " + view + " view");
    }
    PosixView v = new PosixView(ref, view);
    switch (name) {
      case "lastModifiedTime" -> v.setTimes((FileTime) value, null, null);
      case "lastAccessTime" -> v.setTimes(null, (FileTime) value, null);
      case "creationTime" -> v.setTimes(null, null, (FileTime) value);
      case "permissions" -> v.change(SetAttr.mode(OverlayFileAttributes.mode((Set<?>) value)));
      case "owner" -> v.setOwner((UserPrincipal) value);
      case "group" -> v.setGroup((GroupPrincipal) value);
      case "mode" -> v.change(SetAttr.mode((Integer) value & 07777));
      case "uid" -> v.change(SetAttr.owner((Integer) value, SetAttr.KEEP));
      case "gid" -> v.change(SetAttr.owner(SetAttr.KEEP, (Integer) value));
      default -> throw new IllegalArgumentException("'" + name + "' of the " + view + " view cannot be set");
    }
  }

  private static byte[] remaining(ByteBuffer b) {
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return bytes;
  }

  // ---------------------------------------------------------------- typed views

  /** The basic, posix and owner views in one: they differ only in name and in what they may be asked. */
  private static final class PosixView implements PosixFileAttributeView {
    private final FileRef ref;
    private final String name;

    PosixView(FileRef ref, String name) {
      this.ref = ref;
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public PosixFileAttributes readAttributes() throws IOException {
      return attributes(ref);
    }

    /** Sets the times; the creation time is ignored, as Linux cannot set a birth time. */
    @Override
    public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime)
        throws IOException {
      if (lastModifiedTime == null && lastAccessTime == null) {
        return;
      }
      change(SetAttr.times(
          lastAccessTime == null ? Timespec.OMIT : OverlayFileAttributes.timespec(lastAccessTime),
          lastModifiedTime == null ? Timespec.OMIT : OverlayFileAttributes.timespec(lastModifiedTime)));
    }

    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
      change(SetAttr.mode(OverlayFileAttributes.mode(perms)));
    }

    @Override
    public void setOwner(UserPrincipal owner) throws IOException {
      change(SetAttr.owner(Principals.uid(owner), SetAttr.KEEP));
    }

    @Override
    public void setGroup(GroupPrincipal group) throws IOException {
      change(SetAttr.owner(SetAttr.KEEP, Principals.gid(group)));
    }

    @Override
    public UserPrincipal getOwner() throws IOException {
      return readAttributes().owner();
    }

    void change(SetAttr change) throws IOException {
      ref.checkWritable();
      ref.apply(f -> {
        ref.overlay().setattr(f.node, change);
        ref.modified(f);
        return null;
      });
    }
  }

  /** {@code user.*} extended attributes, by the name after the prefix, with binary values. */
  private static final class UserView implements UserDefinedFileAttributeView {
    private final FileRef ref;

    UserView(FileRef ref) {
      this.ref = ref;
    }

    @Override
    public String name() {
      return "user";
    }

    @Override
    public List<String> list() throws IOException {
      return ref.apply(f -> {
        List<String> out = new ArrayList<>();
        for (String real : userXattrs(ref.overlay(), f.node)) {
          out.add(viewName(real));
        }
        return out;
      });
    }

    @Override
    public int size(String name) throws IOException {
      return value(name).length;
    }

    private byte[] value(String name) throws IOException {
      return ref.apply(f -> ref.overlay().getxattr(f.node, realName(name)));
    }

    @Override
    public int read(String name, ByteBuffer dst) throws IOException {
      byte[] value = value(name);
      if (dst.remaining() < value.length) {
        throw Errors.of(Errno.ERANGE, "getxattr user." + name, ref.path());
      }
      dst.put(value);
      return value.length;
    }

    @Override
    public int write(String name, ByteBuffer src) throws IOException {
      byte[] bytes = remaining(src.duplicate());
      write(name, bytes);
      src.position(src.position() + bytes.length);
      return bytes.length;
    }

    void write(String name, byte[] value) throws IOException {
      ref.checkWritable();
      ref.apply(f -> {
        ref.overlay().setxattr(f.node, realName(name), value, 0);
        ref.modified(f);
        return null;
      });
    }

    @Override
    public void delete(String name) throws IOException {
      ref.checkWritable();
      ref.apply(f -> {
        ref.overlay().removexattr(f.node, realName(name));
        ref.modified(f);
        return null;
      });
    }
  }
}
