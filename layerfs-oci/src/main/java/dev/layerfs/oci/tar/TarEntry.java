package dev.layerfs.oci.tar;

import dev.layerfs.posix.Xattrs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The metadata of one archive member, held as bytes so that no Linux name, link target or xattr value is ever
 * re-encoded on its way between a file system and a layer.
 *
 * <p>Instances are immutable: every byte array goes in and comes out as a copy. A directory's name is stored
 * without its trailing slash (the writer adds it back). {@link #size()} is the logical file size; for a sparse
 * file the archive stores only {@link #storedSize()} bytes, laid out by {@link #sparseMap()}.
 */
public final class TarEntry {

  /** The kinds of file a tar archive can carry. */
  public enum Type { REGULAR, HARD_LINK, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO, DIRECTORY }

  /** Orders entries by name, comparing bytes as unsigned like {@code memcmp}, for reproducible layers. */
  public static final Comparator<TarEntry> NAME_ORDER = (a, b) -> Arrays.compareUnsigned(a.name, b.name);

  private final byte[] name;
  private final Type type;
  private final int mode;
  private final long uid;
  private final long gid;
  private final byte[] uname;
  private final byte[] gname;
  private final long size;
  private final Instant mtime;
  private final Instant atime;
  private final Instant ctime;
  private final int devMajor;
  private final int devMinor;
  private final byte[] linkTarget;
  private final Map<String, byte[]> xattrs;
  private final SparseMap sparseMap;

  private TarEntry(Builder b) {
    name = b.type == Type.DIRECTORY ? withoutTrailingSlashes(b.name) : b.name.clone();
    type = b.type;
    mode = b.mode;
    uid = b.uid;
    gid = b.gid;
    uname = b.uname.clone();
    gname = b.gname.clone();
    size = b.size;
    mtime = b.mtime;
    atime = b.atime;
    ctime = b.ctime;
    devMajor = b.devMajor;
    devMinor = b.devMinor;
    linkTarget = b.linkTarget.clone();
    xattrs = copy(b.xattrs);
    sparseMap = b.sparseMap;
  }

  /** Starts an entry of the given type and name. */
  public static Builder builder(Type type, byte[] name) {
    return new Builder().type(type).name(name);
  }

  /** Starts an entry of the given type whose name is the UTF-8 encoding of {@code name}. */
  public static Builder builder(Type type, String name) {
    return builder(type, name.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns a builder holding every field of this entry, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = builder(type, name).mode(mode).uid(uid).gid(gid).uname(uname).gname(gname).size(size)
        .mtime(mtime).atime(atime).ctime(ctime).device(devMajor, devMinor).linkTarget(linkTarget)
        .sparseMap(sparseMap);
    xattrs.forEach((name, value) -> b.xattr(Xattrs.bytes(name), value));
    return b;
  }

  public byte[] name() {
    return name.clone();
  }

  public Type type() {
    return type;
  }

  /** Returns the permission bits, including set-user-ID, set-group-ID and sticky ({@code 07777}). */
  public int mode() {
    return mode;
  }

  public long uid() {
    return uid;
  }

  public long gid() {
    return gid;
  }

  public byte[] uname() {
    return uname.clone();
  }

  public byte[] gname() {
    return gname.clone();
  }

  /** Returns the logical size of a regular file (holes included), and 0 for every other type. */
  public long size() {
    return size;
  }

  /** Returns how many data bytes the archive holds for this entry: the size, or a sparse file's data size. */
  public long storedSize() {
    return sparseMap == null ? size : sparseMap.dataSize();
  }

  public Instant mtime() {
    return mtime;
  }

  public Optional<Instant> atime() {
    return Optional.ofNullable(atime);
  }

  public Optional<Instant> ctime() {
    return Optional.ofNullable(ctime);
  }

  public int devMajor() {
    return devMajor;
  }

  public int devMinor() {
    return devMinor;
  }

  /** Returns the target of a symlink or hard link, and an empty array for every other type. */
  public byte[] linkTarget() {
    return linkTarget.clone();
  }

  /**
   * Returns the extended attributes in archive order. A name is bytes, as Linux names are, held as a string with one
   * char per byte ({@link Xattrs#name}), so that a name that is not UTF-8 survives; an ASCII name reads as itself.
   * Values are arbitrary bytes.
   */
  public Map<String, byte[]> xattrs() {
    return copy(xattrs);
  }

  public Optional<SparseMap> sparseMap() {
    return Optional.ofNullable(sparseMap);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TarEntry e
        && Arrays.equals(name, e.name) && type == e.type && mode == e.mode && uid == e.uid && gid == e.gid
        && Arrays.equals(uname, e.uname) && Arrays.equals(gname, e.gname) && size == e.size
        && mtime.equals(e.mtime) && Objects.equals(atime, e.atime) && Objects.equals(ctime, e.ctime)
        && devMajor == e.devMajor && devMinor == e.devMinor && Arrays.equals(linkTarget, e.linkTarget)
        && xattrsEqual(e.xattrs) && Objects.equals(sparseMap, e.sparseMap);
  }

  private boolean xattrsEqual(Map<String, byte[]> other) {
    return xattrs.keySet().equals(other.keySet())
        && xattrs.entrySet().stream().allMatch(x -> Arrays.equals(x.getValue(), other.get(x.getKey())));
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(name), type, mode, uid, gid, size, mtime, Arrays.hashCode(linkTarget));
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("TarEntry{").append(type).append(" '").append(Names.display(name))
        .append("' mode=").append(Integer.toOctalString(mode)).append(' ').append(uid).append(':').append(gid)
        .append(" size=").append(size).append(" mtime=").append(mtime);
    if (linkTarget.length > 0) {
      s.append(" -> '").append(Names.display(linkTarget)).append('\'');
    }
    if (type == Type.CHAR_DEVICE || type == Type.BLOCK_DEVICE) {
      s.append(" dev=").append(devMajor).append(',').append(devMinor);
    }
    xattrs.forEach((k, v) -> s.append(" xattr ").append(Names.display(Xattrs.bytes(k))).append('=')
        .append(Names.display(v)));
    if (sparseMap != null) {
      s.append(' ').append(sparseMap);
    }
    return s.append('}').toString();
  }

  private static Map<String, byte[]> copy(Map<String, byte[]> xattrs) {
    Map<String, byte[]> copy = new LinkedHashMap<>();
    xattrs.forEach((k, v) -> copy.put(k, v.clone()));
    return Collections.unmodifiableMap(copy);
  }

  private static byte[] withoutTrailingSlashes(byte[] name) {
    int end = name.length;
    while (end > 1 && name[end - 1] == '/') {
      end--;
    }
    return Arrays.copyOf(name, end);
  }

  /** Collects and checks the fields of an entry; {@link #build()} rejects combinations no file system has. */
  public static final class Builder {
    private static final byte[] NONE = {};

    private byte[] name = NONE;
    private Type type;
    private int mode;
    private long uid;
    private long gid;
    private byte[] uname = NONE;
    private byte[] gname = NONE;
    private long size;
    private Instant mtime = Instant.EPOCH;
    private Instant atime;
    private Instant ctime;
    private int devMajor;
    private int devMinor;
    private byte[] linkTarget = NONE;
    private final Map<String, byte[]> xattrs = new LinkedHashMap<>();
    private SparseMap sparseMap;

    private Builder() {}

    public Builder type(Type type) {
      this.type = Objects.requireNonNull(type, "type");
      return this;
    }

    public Builder name(byte[] name) {
      this.name = name.clone();
      return this;
    }

    public Builder mode(int mode) {
      this.mode = mode;
      return this;
    }

    public Builder uid(long uid) {
      this.uid = uid;
      return this;
    }

    public Builder gid(long gid) {
      this.gid = gid;
      return this;
    }

    public Builder uname(byte[] uname) {
      this.uname = uname.clone();
      return this;
    }

    public Builder gname(byte[] gname) {
      this.gname = gname.clone();
      return this;
    }

    public Builder size(long size) {
      this.size = size;
      return this;
    }

    public Builder mtime(Instant mtime) {
      this.mtime = Objects.requireNonNull(mtime, "mtime");
      return this;
    }

    /** Sets the access time, or clears it when {@code null}. */
    public Builder atime(Instant atime) {
      this.atime = atime;
      return this;
    }

    /** Sets the status-change time, or clears it when {@code null}. */
    public Builder ctime(Instant ctime) {
      this.ctime = ctime;
      return this;
    }

    public Builder device(int major, int minor) {
      this.devMajor = major;
      this.devMinor = minor;
      return this;
    }

    public Builder linkTarget(byte[] target) {
      this.linkTarget = target.clone();
      return this;
    }

    public Builder linkTarget(String target) {
      return linkTarget(target.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds or replaces an extended attribute named by its bytes, keeping the order in which names were first added. */
    public Builder xattr(byte[] name, byte[] value) {
      xattrs.put(Xattrs.name(name), value.clone());
      return this;
    }

    /**
     * Adds or replaces an extended attribute with an ASCII name such as {@code user.x}. Other names are bytes, which
     * only {@link #xattr(byte[], byte[])} can say without doubt (text or one char per byte?).
     */
    public Builder xattr(String name, byte[] value) {
      Objects.requireNonNull(name, "xattr name");
      if (name.chars().anyMatch(c -> c > 0x7f)) {
        throw new IllegalArgumentException("xattr name '" + name + "' is not ASCII: give its bytes");
      }
      return xattr(Names.ascii(name), value);
    }

    /** Marks a regular file as sparse, or clears the mark when {@code null}. */
    public Builder sparseMap(SparseMap sparseMap) {
      this.sparseMap = sparseMap;
      return this;
    }

    /** Checks the fields and returns the entry; the message of a rejection names the entry and the field. */
    public TarEntry build() {
      String problem = problem();
      if (problem != null) {
        throw new IllegalArgumentException("entry '" + Names.display(name) + "': " + problem);
      }
      return new TarEntry(this);
    }

    String problem() {
      if (type == null) {
        return "no type";
      }
      if (name.length == 0 || Names.indexOf(name, (byte) 0) >= 0) {
        return "name must be non-empty and free of NUL bytes";
      }
      if (type != Type.DIRECTORY && name[name.length - 1] == '/') {
        return "only a directory name may end with '/'";
      }
      if ((mode & ~07777) != 0) {
        return "mode " + Integer.toOctalString(mode) + " has bits outside 07777";
      }
      if (uid < 0 || gid < 0) {
        return "negative uid or gid";
      }
      if (Names.indexOf(uname, (byte) 0) >= 0 || Names.indexOf(gname, (byte) 0) >= 0) {
        return "uname and gname must be free of NUL bytes";
      }
      return typeProblem();
    }

    private String typeProblem() {
      boolean link = type == Type.HARD_LINK || type == Type.SYMLINK;
      boolean device = type == Type.CHAR_DEVICE || type == Type.BLOCK_DEVICE;
      if (link != (linkTarget.length > 0) || Names.indexOf(linkTarget, (byte) 0) >= 0) {
        return "a link target, free of NUL bytes, is required for links and forbidden otherwise";
      }
      if (size < 0 || (size > 0 && type != Type.REGULAR)) {
        return "size " + size + " is not allowed for a " + type;
      }
      if (devMajor < 0 || devMinor < 0 || (!device && (devMajor | devMinor) != 0)) {
        return "device numbers " + devMajor + "," + devMinor + " are not allowed for a " + type;
      }
      if (xattrs.keySet().stream().anyMatch(k -> k.isEmpty() || k.indexOf('\0') >= 0)) {
        return "xattr names must be non-empty and free of NUL";
      }
      if (sparseMap != null && (type != Type.REGULAR || sparseMap.end() > size)) {
        return "a sparse map must belong to a regular file and end within its size " + size;
      }
      return null;
    }
  }
}
