package dev.layerfs.cli;

import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * Where layerfs daemons keep what they know about their mounts, one state file and one log per mount point:
 * {@code /run/layerfs} for root, {@code $XDG_RUNTIME_DIR/layerfs} for others (else {@code /tmp/layerfs-UID}). Never
 * inside a layer, so the layers stay exactly what the kernel's overlay would leave.
 */
final class RuntimeDir {
  private RuntimeDir() {}

  /** What one mount's daemon wrote when its mount became live. */
  record MountState(Path mountPoint, long pid, List<String> lowerDirs, String upperDir, String workDir,
      String options, long started) {
    boolean daemonAlive() {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  static Path path() {
    if (Posix.geteuid() == 0) {
      return Path.of("/run/layerfs");
    }
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    return xdg != null && !xdg.isEmpty() ? Path.of(xdg, "layerfs") : Path.of("/tmp", "layerfs-" + Posix.geteuid());
  }

  static Path create() throws IOException {
    Path dir = path();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return dir;
  }

  /** The longest key that leaves room in a file name for the longest suffix, {@code .state.tmp}. */
  private static final int MAX_KEY = 240;

  /**
   * The file name stem for a mount point: its absolute path escaped as {@code systemd-escape --path} does
   * ({@code /mnt/my-app} is {@code mnt-my\x2dapp}), so that the directory reads as the mounts it holds and any byte
   * will do; a path too long for a file name is named by its SHA-256 digest instead. Not a digest every time: the
   * JDK's security providers it sets up took 15-25 ms of the mount daemon's start.
   */
  static String key(Path mountPoint) {
    byte[] path = Names.bytes(mountPoint.toString());
    StringBuilder key = new StringBuilder();
    for (byte b : path) {
      char c = (char) (b & 0xff);
      if (c == '/') {
        if (!key.isEmpty() && key.charAt(key.length() - 1) != '-') {
          key.append('-');
        }
      } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':' || c == '_'
          || c == '.' && !key.isEmpty()) {
        key.append(c);
      } else {
        key.append("\\x").append(HexFormat.of().toHexDigits(b));
      }
    }
    if (key.isEmpty()) {
      return "-";
    }
    if (key.charAt(key.length() - 1) == '-') {
      key.setLength(key.length() - 1);
    }
    return key.length() <= MAX_KEY ? key.toString() : digest(path);
  }

  private static String digest(byte[] path) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(path), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The state file of a mount: the one its key names, else one that names the mount point inside (layerfs before
   * stop 11 named them by a digest, and a daemon started then still writes and removes that one).
   */
  static Path stateFile(Path mountPoint) throws IOException {
    Path named = path().resolve(key(mountPoint) + ".state");
    if (Files.isRegularFile(named) || !Files.isDirectory(path())) {
      return named;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(path(), "*.state")) {
      for (Path file : files) {
        MountState state = read(file);
        if (state != null && state.mountPoint().equals(mountPoint)) {
          return file;
        }
      }
    }
    return named;
  }

  static Path logFile(Path mountPoint) throws IOException {
    return create().resolve(key(mountPoint) + ".log");
  }

  static void write(Path mountPoint, OverlayOptions overlay, String options) throws IOException {
    StringBuilder text = new StringBuilder("# layerfs mount\n");
    property(text, "mountpoint", mountPoint.toString());
    property(text, "pid", Long.toString(ProcessHandle.current().pid()));
    for (int i = 0; i < overlay.lowerDirs().size(); i++) {
      property(text, "lowerdir." + i, overlay.lowerDirs().get(i).toString());
    }
    if (overlay.upperDir() != null) {
      property(text, "upperdir", overlay.upperDir().toString());
      property(text, "workdir", overlay.workDir().toString());
    }
    property(text, "options", options);
    property(text, "started", Long.toString(System.currentTimeMillis()));
    Path file = create().resolve(key(mountPoint) + ".state");
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temporary, text.toString());
    Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * One line of the state file in the format {@link Properties#load} reads. Not {@link Properties#store}: its date
   * comment sets up time zones and locale data, 40-200 ms of the mount daemon's start-up before it could report.
   */
  private static void property(StringBuilder text, String key, String value) {
    escape(text, key, true);
    text.append('=');
    escape(text, value, false);
    text.append('\n');
  }

  private static void escape(StringBuilder text, String s, boolean key) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\', '=', ':', '#', '!' -> text.append('\\').append(c);
        case ' ' -> text.append(key || i == 0 ? "\\ " : " ");
        case '\t' -> text.append("\\t");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        case '\f' -> text.append("\\f");
        default -> text.append(c);
      }
    }
  }

  /**
   * Removes a mount's state, if it is this daemon's (a later mount on the same point may have replaced it), and its
   * log if nothing was logged: a log that says something is kept for whoever looks into the mount's end.
   */
  static void remove(Path mountPoint, long pid) {
    try {
      Path file = stateFile(mountPoint);
      MountState state = read(file);
      if (state != null && (pid < 0 || state.pid() == pid)) {
        Files.deleteIfExists(file);
        String stem = file.getFileName().toString();
        Path log = file.resolveSibling(stem.substring(0, stem.length() - ".state".length()) + ".log");
        if (Files.isRegularFile(log) && Files.size(log) == 0) {
          Files.deleteIfExists(log);
        }
      }
    } catch (IOException e) {
      // nothing left to clean
    }
  }

  /** The mount recorded in {@code file}, or null when there is none (also when it goes away as it is read). */
  static MountState read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return null; // its daemon removed it as it ended, between the look and the read
    }
    Properties p = new Properties();
    p.load(new StringReader(text));
    List<String> lowers = new ArrayList<>();
    for (int i = 0; p.getProperty("lowerdir." + i) != null; i++) {
      lowers.add(p.getProperty("lowerdir." + i));
    }
    return new MountState(Path.of(p.getProperty("mountpoint", "")), Long.parseLong(p.getProperty("pid", "-1")),
        lowers, p.getProperty("upperdir"), p.getProperty("workdir"), p.getProperty("options", ""),
        Long.parseLong(p.getProperty("started", "0")));
  }

  /** Every recorded mount, live or not. */
  static List<MountState> all() throws IOException {
    List<MountState> states = new ArrayList<>();
    if (!Files.isDirectory(path())) {
      return states;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(path(), "*.state")) {
      for (Path f : files) {
        MountState s = read(f);
        if (s != null) {
          states.add(s);
        }
      }
    }
    return states;
  }
}
