package dev.layerfs.cli;

import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mounts this process sees ({@code /proc/self/mountinfo}), for finding layerfs mounts and what is where. */
public final class MountTable {
  /** One mount: where, what type, which device (the FUSE connection's name), from what source. */
  record Mount(Path mountPoint, String type, long device, String source) {
    boolean isLayerfs() {
      return type.equals("fuse.layerfs");
    }
  }

  private MountTable() {}

  static List<Mount> read() throws IOException {
    List<Mount> mounts = new ArrayList<>();
    String text = new String(Files.readAllBytes(Path.of("/proc/self/mountinfo")), StandardCharsets.ISO_8859_1);
    for (String line : text.split("\n")) {
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      if (f.length < 5 || dash < 0) {
        continue;
      }
      String[] tail = line.substring(dash + 3).split(" ");
      String[] majorMinor = f[2].split(":");
      long device = Posix.makedev(Integer.parseInt(majorMinor[0]), Integer.parseInt(majorMinor[1]));
      mounts.add(new Mount(Path.of(unescape(f[4])), tail[0], device, tail.length > 1 ? unescape(tail[1]) : ""));
    }
    return mounts;
  }

  /** Whether {@code dir} (symlinks resolved) is the mount point of a mount this process sees. */
  public static boolean isMountPoint(Path dir) throws IOException {
    Path real;
    try {
      real = dir.toRealPath();
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    } catch (java.nio.file.FileSystemException e) {
      real = dir.toAbsolutePath().normalize();  // a dead FUSE mount (ENOTCONN) cannot be resolved, but is mounted
    }
    return at(real) != null;
  }

  /** The topmost mount on exactly {@code mountPoint}, or null. */
  static Mount at(Path mountPoint) throws IOException {
    Mount found = null;
    for (Mount m : read()) {
      if (m.mountPoint().equals(mountPoint)) {
        found = m;
      }
    }
    return found;
  }

  /**
   * mountinfo escapes space, tab, newline and backslash as {@code \ooo}; the line was read byte for byte
   * (ISO-8859-1), and the unescaped bytes are a UTF-8 name.
   */
  private static String unescape(String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 4 <= s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
