package dev.layerfs.posix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of {@code /proc/self/mountinfo}: the mounts this process sees, in mount order.
 *
 * <p>The kernel escapes space, tab, newline and backslash in paths and options as {@code \ooo}; the file is read
 * byte for byte and the unescaped bytes decoded as UTF-8, so non-ASCII mount points come back as they were made.
 *
 * @param mountPoint where the mount is attached
 * @param device the device number of the mounted filesystem ({@code major:minor}; a FUSE connection's name)
 * @param type the filesystem type, such as {@code overlay} or {@code fuse.layerfs}
 * @param source the mount source ({@code fsname} for FUSE), empty when there is none
 * @param superOptions the filesystem's own options, such as an overlay's {@code lowerdir=…,upperdir=…}
 */
public record MountInfo(Path mountPoint, long device, String type, String source, String superOptions) {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /** The mounts this process sees now. */
  public static List<MountInfo> read() throws IOException {
    List<MountInfo> mounts = new ArrayList<>();
    String text = new String(Files.readAllBytes(MOUNTINFO), StandardCharsets.ISO_8859_1);
    for (String line : text.split("\n")) {
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      if (f.length < 5 || dash < 0) {
        continue;
      }
      String[] tail = line.substring(dash + 3).split(" ");
      String[] majorMinor = f[2].split(":");
      long device = Posix.makedev(Integer.parseInt(majorMinor[0]), Integer.parseInt(majorMinor[1]));
      mounts.add(new MountInfo(Path.of(unescape(f[4])), device, tail[0], tail.length > 1 ? unescape(tail[1]) : "",
          tail.length > 2 ? unescape(tail[2]) : ""));
    }
    return mounts;
  }

  /** Undoes the {@code \ooo} escapes of a field read as ISO-8859-1; the bytes are UTF-8. */
  private static String unescape(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && isOctal(s, i + 1)) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(String s, int at) {
    for (int i = at; i < at + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
