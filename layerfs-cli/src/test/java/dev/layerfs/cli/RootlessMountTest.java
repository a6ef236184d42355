package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layerfs mount} as an ordinary user, through fusermount3: a user this test creates mounts, uses and unmounts
 * an overlay of layers it owns ({@code userxattr}, as the kernel requires without privilege). {@code /dev/fuse} is
 * root-only on these machines, so the test lets that one user open it for the duration with an ACL entry: its mode,
 * shared by every other test and suite on the machine, is never touched.
 */
class RootlessMountTest {
  private static final String USER = "layerfs-rootless";
  @TempDir Path tmp;
  private Launcher launcher;
  private boolean createdUser;

  @BeforeEach
  void userAndDevice() throws Exception {
    launcher = new Launcher(tmp, true);
    if (launcher.sh(tmp, "id " + USER).status() != 0) {
      launcher.shOk(tmp, "useradd -M -s /bin/sh " + USER);
      createdUser = true;
    }
    launcher.shOk(tmp, "setfacl -m u:" + USER + ":rw /dev/fuse");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    launcher.shOk(tmp, "mkdir -p o/lower o/upper o/work o/merged && echo hello from lower > o/lower/file1.txt"
        + " && chown -R " + USER + ": o");
  }

  @AfterEach
  void restore() throws Exception {
    try {
      assertEquals(List.of(), Launcher.cleanUp(tmp), "left behind");
    } finally {
      Launcher.Result acl = launcher.sh(tmp, "setfacl -x u:" + USER + " /dev/fuse");
      if (createdUser) {
        launcher.sh(tmp, "pkill -KILL -u " + USER + "; userdel " + USER);
      }
      assertEquals(0, acl.status(), "removing the ACL entry on /dev/fuse: " + acl.all());
    }
  }

  private String asUser(String script) {
    return launcher.shOk(tmp.resolve("o"), "setpriv --reuid=" + USER + " --regid=" + USER + " --init-groups"
        + " env HOME=" + tmp + " XDG_RUNTIME_DIR=" + tmp.resolve("o") + " PATH=" + launcher.bin + ":/usr/bin:/bin"
        + " sh -c '" + script + "'");
  }

  @Test
  void anOrdinaryUserMountsUsesAndUnmounts() throws Exception {
    String out = asUser("set -e; layerfs mount -o lowerdir=lower,upperdir=upper,workdir=work,userxattr merged;"
        + " grep \" $PWD/merged \" /proc/mounts; echo hello from upper > merged/file2.txt;"
        + " echo changed > merged/file1.txt; rm merged/file1.txt; ls merged; layerfs status; layerfs umount merged;"
        + " ls -l upper | awk \"NR>1{print \\$1, \\$NF}\"");
    assertTrue(out.contains("fuse.layerfs"), out);
    assertTrue(out.contains("user_id=" + launcher.shOk(tmp, "id -u " + USER).strip()), out);
    assertTrue(out.contains("file2.txt\n"), out);
    assertTrue(out.contains("running"), out);
    assertTrue(out.contains("c--------- file1.txt"), out);
    assertEquals("hello from lower\n", Files.readString(tmp.resolve("o/lower/file1.txt")));
  }
}
