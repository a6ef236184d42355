package dev.layerfs.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mount options of one overlay, spelled as the kernel spells them, so that a command line, an fstab entry or
 * an NIO environment map written for {@code mount -t overlay} means the same thing here.
 *
 * <p>Parsing checks only the syntax; {@link Overlay#open} checks the directories.
 */
public final class OverlayOptions {
  /** What to do with renamed directories that exist in a lower layer. */
  public enum RedirectDir {
    /** Rename them, writing {@code overlay.redirect} (the kernel's {@code redirect_dir=on}). */
    ON,
    /** Follow redirects written earlier but refuse new ones with EXDEV. */
    FOLLOW,
    /** Refuse to look up directories with a redirect (EPERM) and refuse new ones with EXDEV. */
    NOFOLLOW,
    /**
     * Refuse new redirects with EXDEV; existing ones are followed, as the kernel does with its default module
     * parameter {@code redirect_always_follow=Y}.
     */
    OFF;

    boolean follows() {
      return this != NOFOLLOW;
    }
  }

  /** Whether inode numbers from several filesystems are made unique by high bits (the kernel's {@code xino}). */
  public enum Xino {
    ON,
    OFF,
    AUTO
  }

  /**
   * Which uuid the overlay records (the kernel's {@code uuid=}): in the upper root's {@code overlay.uuid}, made on
   * a first mount, and in the origin handles copy-up writes.
   */
  public enum Uuid {
    /** Makes {@code overlay.uuid} when the upper layer has none. */
    ON,
    /** Never makes {@code overlay.uuid}; origins record a null uuid when all layers share one filesystem. */
    OFF,
    /** Never makes {@code overlay.uuid}. */
    NULL,
    /** Makes {@code overlay.uuid} for a new upper layer only (neither it nor {@code overlay.impure} present). */
    AUTO
  }

  private final List<Path> lowerDirs;
  private final Path upperDir;
  private final Path workDir;
  private final boolean readOnly;
  private final boolean userXattr;
  private final RedirectDir redirectDir;
  private final Xino xino;
  private final boolean volatileWrites;
  private final Uuid uuid;
  private final boolean metacopy;

  private OverlayOptions(Builder b) {
    this.lowerDirs = List.copyOf(b.lowerDirs);
    this.upperDir = b.upperDir;
    this.workDir = b.workDir;
    this.readOnly = b.readOnly;
    this.userXattr = b.userXattr;
    this.redirectDir = b.redirectDir != null ? b.redirectDir
        : b.userXattr ? RedirectDir.NOFOLLOW : RedirectDir.ON;
    this.xino = b.xino;
    this.volatileWrites = b.volatileWrites;
    this.uuid = b.uuid;
    this.metacopy = b.metacopy;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses a kernel option string such as {@code lowerdir=l1:l2,upperdir=u,workdir=w,userxattr}. Relative paths
   * are taken from the current directory.
   */
  public static OverlayOptions parse(String options) throws OverlayOptionException {
    return fromMap(split(options));
  }

  /** Builds options from key/value pairs, as given to {@code FileSystems.newFileSystem}; flags map to "". */
  public static OverlayOptions fromMap(Map<String, String> options) throws OverlayOptionException {
    Builder b = builder();
    for (Map.Entry<String, String> e : options.entrySet()) {
      b.option(e.getKey(), e.getValue());
    }
    return b.build();
  }

  /**
   * Splits an option string at the commas not escaped with a backslash; a flag without {@code =} maps to null.
   * The order is kept.
   */
  public static Map<String, String> split(String options) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : splitEscaped(options, ',')) {
      if (item.isEmpty()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq < 0) {
        out.put(item, null);
      } else {
        out.put(item.substring(0, eq), item.substring(eq + 1));
      }
    }
    return out;
  }

  /** True for the keys {@link Builder#option} understands, so frontends can pick out their own options. */
  public static boolean isOverlayOption(String key) {
    return switch (key) {
      case "lowerdir", "upperdir", "workdir", "ro", "rw", "userxattr", "redirect_dir", "xino", "volatile", "fsync",
          "index", "metacopy", "nfs_export", "uuid" -> true;
      default -> false;
    };
  }

  /** Splits at unescaped separators, keeping backslash escapes for the next level. */
  private static List<String> splitEscaped(String s, char separator) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        current.append(c).append(s.charAt(++i));
      } else if (c == separator) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        c = s.charAt(++i);
      }
      out.append(c);
    }
    return out.toString();
  }

  private static String escape(Path p, boolean colons) {
    String s = p.toString().replace("\\", "\\\\").replace(",", "\\,");
    return colons ? s.replace(":", "\\:") : s;
  }

  /** Lower layers, the top one first. */
  public List<Path> lowerDirs() {
    return lowerDirs;
  }

  /** The writable layer, or null for a read-only overlay. */
  public Path upperDir() {
    return upperDir;
  }

  public Path workDir() {
    return workDir;
  }

  /** True when writes fail with EROFS: there is no upper layer or {@code ro} was asked for. */
  public boolean readOnly() {
    return readOnly || upperDir == null;
  }

  /** True when overlay xattrs live in {@code user.overlay.*} rather than {@code trusted.overlay.*}. */
  public boolean userXattr() {
    return userXattr;
  }

  public RedirectDir redirectDir() {
    return redirectDir;
  }

  public Xino xino() {
    return xino;
  }

  /** True when fsync is skipped, as the kernel's {@code volatile} option does. */
  public boolean volatileWrites() {
    return volatileWrites;
  }

  public Uuid uuid() {
    return uuid;
  }

  /**
   * True when a change to a lower regular file's metadata copies up only the metadata (the kernel's
   * {@code metacopy=on}): the upper file is sparse, marked {@code overlay.metacopy}, and reads go to the lower data
   * until the first open for writing or truncation.
   */
  public boolean metacopy() {
    return metacopy;
  }

  /** The kernel option string for these options, with paths escaped; usable with {@code mount -t overlay}. */
  public String toOptionString() {
    StringBuilder s = new StringBuilder("lowerdir=");
    for (int i = 0; i < lowerDirs.size(); i++) {
      s.append(i == 0 ? "" : ":").append(escape(lowerDirs.get(i), true));
    }
    if (upperDir != null) {
      s.append(",upperdir=").append(escape(upperDir, false)).append(",workdir=").append(escape(workDir, false));
    }
    if (readOnly && upperDir != null) {
      s.append(",ro");
    }
    if (userXattr) {
      s.append(",userxattr");
    }
    s.append(",redirect_dir=").append(redirectDir.name().toLowerCase(java.util.Locale.ROOT));
    if (volatileWrites) {
      s.append(",volatile");
    }
    if (uuid != Uuid.AUTO) {
      s.append(",uuid=").append(uuid.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (metacopy) {
      s.append(",metacopy=on");
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return toOptionString();
  }

  /** Collects options one by one, checking each as it comes. */
  public static final class Builder {
    private final List<Path> lowerDirs = new ArrayList<>();
    private Path upperDir;
    private Path workDir;
    private boolean readOnly;
    private boolean userXattr;
    private RedirectDir redirectDir;
    private Xino xino = Xino.AUTO;
    private boolean volatileWrites;
    private Uuid uuid = Uuid.AUTO;
    private boolean metacopy;

    private Builder() {}

    /** Adds lower layers below those already given (the first one is the top). */
    public Builder lower(Path... dirs) {
      for (Path d : dirs) {
        lowerDirs.add(absolute(d));
      }
      return this;
    }

    public Builder upper(Path dir) {
      this.upperDir = absolute(dir);
      return this;
    }

    public Builder work(Path dir) {
      this.workDir = absolute(dir);
      return this;
    }

    public Builder readOnly(boolean value) {
      this.readOnly = value;
      return this;
    }

    public Builder userXattr(boolean value) {
      this.userXattr = value;
      return this;
    }

    public Builder redirectDir(RedirectDir value) {
      this.redirectDir = Objects.requireNonNull(value);
      return this;
    }

    public Builder uuid(Uuid value) {
      this.uuid = Objects.requireNonNull(value);
      return this;
    }

    public Builder xino(Xino value) {
      this.xino = Objects.requireNonNull(value);
      return this;
    }

    public Builder volatileWrites(boolean value) {
      this.volatileWrites = value;
      return this;
    }

    public Builder metacopy(boolean value) {
      this.metacopy = value;
      return this;
    }

    /** Applies one kernel option; a flag's value is null or "". Unknown options are an error naming them. */
    public Builder option(String key, String value) throws OverlayOptionException {
      switch (key) {
        case "lowerdir" -> {
          String list = required(key, value);
          for (String part : splitEscaped(list, ':')) {
            if (part.isEmpty()) {
              throw new OverlayOptionException(key, list, "empty layer in the list (data-only layers '::' "
                  + "are not supported)");
            }
            lower(Path.of(unescape(part)));
          }
        }
        case "upperdir" -> upper(Path.of(unescape(required(key, value))));
        case "workdir" -> work(Path.of(unescape(required(key, value))));
        case "ro" -> readOnly(flag(key, value));
        case "rw" -> readOnly(!flag(key, value));
        case "userxattr" -> userXattr(flag(key, value));
        case "volatile" -> volatileWrites(flag(key, value));
        case "fsync" -> fsync(key, value);
        case "redirect_dir" -> redirectDir(choice(key, value, RedirectDir.class));
        case "xino" -> xino(choice(key, value, Xino.class));
        case "metacopy" -> metacopy(choice(key, value, OnOff.class) == OnOff.ON);
        case "index", "nfs_export" -> onlyOff(key, value);
        case "uuid" -> uuid(choice(key, value, Uuid.class));
        default -> throw new OverlayOptionException(key, value, "unknown option");
      }
      return this;
    }

    public OverlayOptions build() throws OverlayOptionException {
      if (lowerDirs.isEmpty()) {
        throw new OverlayOptionException("lowerdir", null, "at least one lower layer is required");
      }
      if (upperDir != null && workDir == null) {
        throw new OverlayOptionException("workdir", null, "upperdir needs a workdir");
      }
      if (upperDir == null && workDir != null) {
        throw new OverlayOptionException("upperdir", null, "workdir was given without an upperdir");
      }
      checkMetacopy();
      if (userXattr && (redirectDir == RedirectDir.ON || redirectDir == RedirectDir.FOLLOW)) {
        throw new OverlayOptionException("userxattr", null, "conflicting options: userxattr,redirect_dir="
            + redirectDir.name().toLowerCase(java.util.Locale.ROOT) + " (userxattr implies redirect_dir=nofollow)");
      }
      if (volatileWrites && upperDir == null) {
        throw new OverlayOptionException("volatile", null, "volatile needs an upperdir");
      }
      return new OverlayOptions(this);
    }

    /**
     * The kernel's rules for {@code metacopy=on} ({@code ovl_fs_params_verify}): it needs redirects to be written,
     * since a renamed or linked metacopy file finds its data through {@code overlay.redirect}, so it turns
     * {@code redirect_dir=on} unless another {@code redirect_dir} was asked for (a conflict; without an upper layer
     * any redirect_dir that follows redirects will do), and it cannot go with {@code userxattr}. The kernel's
     * default is off (its {@code metacopy} module parameter; off here).
     */
    private void checkMetacopy() throws OverlayOptionException {
      if (!metacopy) {
        return;
      }
      boolean enough = redirectDir == null || redirectDir == RedirectDir.ON
          || (upperDir == null && redirectDir.follows());
      if (!enough) {
        throw new OverlayOptionException("metacopy", "on", "conflicting options: metacopy=on,redirect_dir="
            + redirectDir.name().toLowerCase(java.util.Locale.ROOT) + " (metacopy needs redirect_dir=on)");
      }
      if (userXattr) {
        throw new OverlayOptionException("metacopy", "on", "conflicting options: userxattr,metacopy=on");
      }
      redirectDir = RedirectDir.ON;
    }

    private static Path absolute(Path p) {
      return p.toAbsolutePath().normalize();
    }

    private static String required(String key, String value) throws OverlayOptionException {
      if (value == null || value.isEmpty()) {
        throw new OverlayOptionException(key, value, "needs a value");
      }
      return value;
    }

    private static boolean flag(String key, String value) throws OverlayOptionException {
      if (value == null || value.isEmpty() || value.equals("on") || value.equals("true")) {
        return true;
      }
      if (value.equals("off") || value.equals("false")) {
        return false;
      }
      throw new OverlayOptionException(key, value, "is a flag and takes no value");
    }

    private static <E extends Enum<E>> E choice(String key, String value, Class<E> type)
        throws OverlayOptionException {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(value == null ? "" : value)) {
          return e;
        }
      }
      List<String> allowed = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        allowed.add(e.name().toLowerCase(java.util.Locale.ROOT));
      }
      throw new OverlayOptionException(key, value, "must be one of " + String.join(", ", allowed));
    }

    /** The kernel's {@code fsync=auto|volatile} ({@code strict}, which also syncs metadata, is not supported). */
    private void fsync(String key, String value) throws OverlayOptionException {
      switch (value == null ? "" : value) {
        case "auto" -> volatileWrites(false);
        case "volatile" -> volatileWrites(true);
        default -> throw new OverlayOptionException(key, value, "must be auto or volatile");
      }
    }

    /** The kernel's spelling of a boolean option. */
    private enum OnOff {
      ON,
      OFF
    }

    private static void onlyOff(String key, String value) throws OverlayOptionException {
      if (!"off".equals(value)) {
        throw new OverlayOptionException(key, value, "only '" + key + "=off' is supported");
      }
    }
  }
}
