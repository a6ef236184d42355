package dev.layerfs.fuse.raw;

import static dev.layerfs.fuse.raw.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ordinary user mounts through {@code fusermount3}: the test creates a user, lets it open {@code /dev/fuse} (mode
 * 0600 on these machines, 0666 on most distributions) through an ACL entry for that user alone, so that the device's
 * mode, shared with every other suite on the machine, is never touched, runs {@link RootlessMain} as that user, and
 * undoes all of it.
 */
class RootlessMountTest {
  @TempDir Path tmp;

  @Test
  void anOrdinaryUserMountsThroughFusermount3() throws Exception {
    String user = "layerfs-test-" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
    sh(tmp, "useradd -M -N -s /usr/sbin/nologin " + user);
    try {
      String uid = sh(tmp, "id -u " + user).strip();
      String gid = sh(tmp, "id -g " + user).strip();
      Path mnt = Files.createDirectory(tmp.resolve("mnt"));
      String classPath = copyClassPath(tmp.resolve("classes"));
      sh(tmp, "chown -R " + uid + ":" + gid + " " + tmp);
      String deviceMode = sh(tmp, "stat -c %a /dev/fuse").strip();
      sh(tmp, "setfacl -m u:" + user + ":rw /dev/fuse");
      try {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Shell.Result result = Shell.run(tmp, "HOME=" + tmp + " setpriv --reuid=" + uid + " --regid=" + gid
            + " --clear-groups -- " + java + " -XX:-UsePerfData --enable-native-access=ALL-UNNAMED -cp "
            + classPath + " " + RootlessMain.class.getName() + " " + mnt + " 2>&1");
        System.out.println(result.out());
        assertEquals(0, result.status(), result.out());
        assertTrue(result.out().contains("rootless mount ok"), result.out());
      } finally {
        try {
          if (!sh(tmp, "grep -c ' " + mnt + " ' /proc/self/mountinfo || true").strip().equals("0")) {
            sh(tmp, "umount -l " + mnt);
          }
        } finally {
          sh(tmp, "setfacl -x u:" + user + " /dev/fuse");
        }
      }
      assertEquals(deviceMode, sh(tmp, "stat -c %a /dev/fuse").strip());
      assertFalse(sh(tmp, "getfacl -cp /dev/fuse").contains(user), "ACL entry left on /dev/fuse");
    } finally {
      Shell.run(tmp, "pkill -KILL -u " + user);  // a test process of the user's left running would keep the user
      sh(tmp, "userdel " + user);
    }
  }

  /** Copies the code this module's tests run to where the new user can read it. */
  private static String copyClassPath(Path target) throws IOException, URISyntaxException {
    List<String> entries = new ArrayList<>();
    Class<?>[] anchors = {RootlessMain.class, FuseServer.class, Posix.class};
    for (int i = 0; i < anchors.length; i++) {
      Path source = Path.of(anchors[i].getProtectionDomain().getCodeSource().getLocation().toURI());
      Path copy = target.resolve(i + "-" + source.getFileName());
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Path to = copy.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.createDirectories(to.getParent());
            Files.copy(file, to);
          }
        }
      }
      entries.add(copy.toString());
    }
    return String.join(":", entries);
  }
}
