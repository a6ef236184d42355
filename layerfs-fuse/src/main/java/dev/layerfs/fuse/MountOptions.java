package dev.layerfs.fuse;

import dev.layerfs.core.OverlayOptionException;
import dev.layerfs.core.OverlayOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options of one FUSE overlay mount, from one {@code -o} string as {@code mount -t overlay}, fuse-overlayfs and
 * {@code /etc/fstab} spell them: the kernel's overlay options go to the engine, FUSE and mount options to the mount,
 * fuse-overlayfs's own options are taken where they mean something here and refused by name where they do not.
 *
 * @param overlay the engine's options
 * @param allowOther let users other than the mounter use the mount ({@code allow_other})
 * @param defaultPermissions let the kernel check permissions from the modes; on unless
 *     {@code default_permissions=off}
 * @param fsName the source shown in {@code /proc/mounts}
 * @param subtype the type shown as {@code fuse.SUBTYPE}
 * @param settings how the bridge serves the overlay
 * @param threads how many threads serve requests; 0 for the server's default (one per CPU, at least 2)
 */
public record MountOptions(OverlayOptions overlay, boolean allowOther, boolean defaultPermissions, String fsName,
    String subtype, OverlayFileSystem.Settings settings, int threads) {

  /**
   * Parses {@code lowerdir=…,upperdir=…,workdir=…,allow_other,…}.
   *
   * @throws OverlayOptionException for a bad kernel overlay option
   * @throws IllegalArgumentException for an unknown or unsupported option, naming it
   */
  public static MountOptions parse(String options) throws OverlayOptionException {
    Map<String, String> engine = new LinkedHashMap<>();
    boolean allowOther = false;
    boolean defaultPermissions = true;
    String fsName = "layerfs";
    String subtype = "layerfs";
    OverlayFileSystem.Settings settings = OverlayFileSystem.Settings.DEFAULT;
    int threads = 0;
    for (Map.Entry<String, String> option : OverlayOptions.split(options).entrySet()) {
      String key = option.getKey();
      String value = option.getValue();
      if (OverlayOptions.isOverlayOption(key) && !isFuseOverlayfsFsync(key, value)) {
        engine.put(key, value);
        continue;
      }
      switch (key) {
        case "allow_other" -> allowOther = flag(key, value);
        case "default_permissions" -> defaultPermissions = flag(key, value);
        case "fsname" -> fsName = word(key, value);
        case "subtype" -> subtype = word(key, value);
        // Already how every FUSE mount is made, or without effect on an overlay (atime is the upper layer's).
        case "nodev", "nosuid", "noatime", "relatime", "strictatime", "nodiratime", "lazytime", "atime", "diratime",
            "auto", "noauto", "nofail", "user", "users", "_netdev", "defaults", "async" -> flag(key, value);
        case "timeout" -> settings = settings.withTimeout(seconds(key, value));
        case "passthrough" -> settings = switch (value == null ? "" : value) {
          case "upper" -> settings.withPassthroughLowerReads(false);
          case "all" -> settings.withPassthroughLowerReads(true);
          default -> throw bad(key, value, "must be 'upper' (lower files opened for reading"
              + " go through the page cache, so copy-ups reach open readers) or 'all'");
        };
        // fuse-overlayfs spells it fsync=0|1; the kernel's fsync=auto|volatile went to the engine above.
        case "fsync" -> settings = settings.withSyncWrites(value.equals("1"));
        // fuse-overlayfs options that need no work here: ACLs pass through as xattrs, and the kernel's writeback
        // cache is never used next to passthrough.
        case "threads" -> threads = count(key, value);
        case "threaded" -> threads = flag(key, value) ? 0 : 1;
        case "noacl", "writeback", "fast_ino", "static_nlink" -> { }
        case "uidmapping", "gidmapping" -> throw bad(key, value, "ID shifting is not"
            + " supported: give the container an idmapped mount, or store its layers with the IDs it sees");
        case "squash_to_root", "squash_to_uid", "squash_to_gid" -> throw bad(key, value,
            "squashing owners is not supported: layerfs shows every file with the owner it has in its layer");
        case "xattr_permissions", "plugins" -> throw bad(key, value,
            "is a fuse-overlayfs option layerfs does not support");
        case "context", "fscontext", "defcontext", "rootcontext" -> throw bad(key, value,
            "SELinux labels are not supported on a layerfs mount");
        case "dev", "suid", "exec", "noexec", "sync", "dirsync", "mand" -> throw bad(key, value,
            "is not supported: a layerfs mount is always nodev,nosuid,exec,async");
        default -> throw bad(key, value, "unknown option");
      }
    }
    return new MountOptions(OverlayOptions.fromMap(engine), allowOther, defaultPermissions, fsName, subtype,
        settings, threads);
  }

  private static boolean isFuseOverlayfsFsync(String key, String value) {
    return key.equals("fsync") && ("0".equals(value) || "1".equals(value));
  }

  /** An option this mount cannot take; the message names it, as the engine's option errors do. */
  private static IllegalArgumentException bad(String key, String value, String problem) {
    return new IllegalArgumentException((value == null ? key : key + "=" + value) + ": " + problem);
  }

  private static boolean flag(String key, String value) {
    if (value == null || value.isEmpty() || value.equals("on") || value.equals("1")) {
      return true;
    }
    if (value.equals("off") || value.equals("0")) {
      return false;
    }
    throw bad(key, value, "is a flag and takes no value");
  }

  private static String word(String key, String value) {
    if (value == null || value.isEmpty() || value.chars().anyMatch(c -> c == ',' || c == '\\'
        || Character.isWhitespace(c))) {
      throw bad(key, value, "needs a value without commas, backslashes or spaces");
    }
    return value;
  }

  private static int count(String key, String value) {
    try {
      int n = Integer.parseInt(value == null ? "" : value);
      if (n >= 1 && n <= 64) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(key, value, "must be a number of threads from 1 to 64");
  }

  private static Duration seconds(String key, String value) {
    try {
      double s = Double.parseDouble(value == null ? "" : value);
      if (s >= 0 && s <= 1e9) {
        return Duration.ofNanos((long) (s * 1e9));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(key, value, "must be a number of seconds");
  }
}
