package dev.layerfs.cli;

import dev.layerfs.posix.MountInfo;
import java.io.IOException;
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
    for (MountInfo m : MountInfo.read()) {
      mounts.add(new Mount(m.mountPoint(), m.type(), m.device(), m.source()));
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
}
