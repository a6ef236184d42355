package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layerfs mount}, {@code umount} and {@code status} as a user meets them: the drop-in forms, signals, a daemon
 * that dies, and bad input, which must give one clear message, a non-zero exit and leave nothing mounted or running.
 */
class MountCommandTest {
  @TempDir Path tmp;
  private Launcher launcher;

  @BeforeEach
  void layers() throws Exception {
    launcher = new Launcher(tmp);
    launcher.shOk(tmp, "mkdir -p lower upper work merged && echo hello > lower/a && mkdir lower/d");
  }

  @AfterEach
  void nothingLeft() throws Exception {
    assertEquals(List.of(), Launcher.cleanUp(tmp), "left behind");
  }

  private static final String OPTIONS = "-o lowerdir=lower,upperdir=upper,workdir=work";

  private String daemonPid() throws Exception {
    List<Long> pids = Launcher.daemonsUnder(tmp);
    assertEquals(1, pids.size(), pids.toString());
    return Long.toString(pids.get(0));
  }

  @Test
  void statusListsTheMountWithItsLayersAndUmountWaitsForTheDaemon() throws Exception {
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged");
    String status = launcher.shOk(tmp, "layerfs status");
    assertTrue(status.contains(tmp.resolve("merged") + "  running"), status);
    assertTrue(status.contains("upperdir " + tmp.resolve("upper")), status);
    String json = launcher.shOk(tmp, "layerfs status --json");
    assertTrue(json.contains("\"lowerdir\": [\"" + tmp.resolve("lower") + "\"]"), json);
    launcher.shOk(tmp, "layerfs umount merged");
    assertEquals(List.of(), Launcher.daemonsUnder(tmp), "umount returned before the daemon exited");
    assertFalse(launcher.shOk(tmp, "layerfs status").contains(tmp.toString()), "other layerfs mounts may be listed");
  }

  @Test
  void theFuseOverlayfsDropInAndFusermountUnmount() throws Exception {
    launcher.shOk(tmp, "layerfs " + OPTIONS + ",nodev,fsync=0 merged && cat merged/a && fusermount3 -u merged");
    MountTutorialTest.awaitDaemonsGone(tmp);
    assertEquals(List.of(), Launcher.mountsUnder(tmp));
  }

  @Test
  void theMountHelperServesMountAndFstabStyleCalls() throws Exception {
    launcher.shOk(tmp, "layerfs install-mount-helper --prefix " + tmp.resolve("helper"));
    String helper = tmp.resolve("helper/sbin/mount.fuse.layerfs").toString();
    // mount(8) calls it as: mount.fuse.layerfs SOURCE DIR -o OPTIONS (with -n and friends at times).
    launcher.shOk(tmp, helper + " layerfs " + tmp.resolve("merged") + " -n -o rw,noatime,lowerdir=" + tmp.resolve("lower")
        + ",upperdir=" + tmp.resolve("upper") + ",workdir=" + tmp.resolve("work"));
    assertEquals("hello\n", launcher.shOk(tmp, "cat merged/a"));
    assertTrue(launcher.shOk(tmp, "grep ' " + tmp.resolve("merged") + " ' /proc/mounts").startsWith("layerfs "));
    launcher.shOk(tmp, "umount merged");
    MountTutorialTest.awaitDaemonsGone(tmp);
  }

  @Test
  void sigtermUnmountsCleanly() throws Exception {
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged");
    launcher.shOk(tmp, "kill -TERM " + daemonPid());
    MountTutorialTest.awaitDaemonsGone(tmp);
    assertEquals(List.of(), Launcher.mountsUnder(tmp));
    assertTrue(RuntimeDir.all().stream().noneMatch(s -> s.mountPoint().startsWith(tmp)), "state left behind");
    assertFalse(Files.exists(RuntimeDir.logFile(tmp.resolve("merged").toRealPath())), "empty log left behind");
  }

  @Test
  void aBusyMountNeedsLazyAndSigintStillUnmounts() throws Exception {
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged");
    Process holder = new ProcessBuilder("sleep", "60").directory(tmp.resolve("merged").toFile()).start();
    try {
      Launcher.Result busy = launcher.sh(tmp, "layerfs umount merged");
      assertEquals(1, busy.status(), busy.all());
      assertTrue(busy.err().contains("merged: target is busy"), busy.err());
      launcher.shOk(tmp, "kill -INT " + daemonPid());
      MountTutorialTest.awaitDaemonsGone(tmp);
      assertEquals(List.of(), Launcher.mountsUnder(tmp));
    } finally {
      holder.destroyForcibly().waitFor();
    }
  }

  @Test
  void aDeadDaemonLeavesEnotconnAndUmountCleansUp() throws Exception {
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged");
    launcher.shOk(tmp, "kill -KILL " + daemonPid());
    MountTutorialTest.awaitDaemonsGone(tmp);
    Launcher.Result stat = launcher.sh(tmp, "ls merged");
    assertNotEquals(0, stat.status());
    assertTrue(stat.err().contains("Transport endpoint is not connected"), stat.err());
    assertTrue(launcher.shOk(tmp, "layerfs status").contains("daemon gone"));
    launcher.shOk(tmp, "layerfs umount merged");
    assertEquals(List.of(), Launcher.mountsUnder(tmp));
    // The layers are free again: a new mount of them works.
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged && cat merged/a && layerfs umount merged");
  }

  @Test
  void twoMountsAtOnceShareNothing() throws Exception {
    launcher.shOk(tmp, "mkdir -p upper2 work2 merged2 && layerfs mount " + OPTIONS + " merged"
        + " && layerfs mount -o lowerdir=lower,upperdir=upper2,workdir=work2 merged2"
        + " && echo one > merged/x && echo two > merged2/x && layerfs umount merged");
    assertEquals("two\n", launcher.shOk(tmp, "cat merged2/x"));
    launcher.shOk(tmp, "layerfs umount merged2");
    assertEquals("one\n", Files.readString(tmp.resolve("upper/x")));
  }

  @Test
  void daemonFilesStayOutOfTheLayers() throws Exception {
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged && layerfs umount merged");
    assertEquals("", launcher.shOk(tmp, "ls -A upper"));
    assertEquals("work\n", launcher.shOk(tmp, "ls -A work"));
    assertEquals("a\nd\n", launcher.shOk(tmp, "ls -A lower"));
  }

  /** Runs a command that must fail: a non-zero exit status, and a message that names what is wrong. */
  private void fails(String command, String message) throws Exception {
    Launcher.Result r = launcher.sh(tmp, command);
    assertNotEquals(0, r.status(), command + ": " + r.all());
    assertTrue(r.err().contains(message), command + " said: " + r.err());
    assertEquals(List.of(), Launcher.mountsUnder(tmp), command + " left a mount");
    MountTutorialTest.awaitDaemonsGone(tmp);
  }

  @Test
  void badOptionsAreNamed() throws Exception {
    fails("layerfs mount -o lowerdir=lower,upperdir=upper,workdir=work,bogus merged", "bogus: unknown option");
    fails("layerfs mount -o lowerdir=lower,upperdir=upper merged", "workdir");
    fails("layerfs mount -o upperdir=upper,workdir=work merged", "lowerdir");
    fails("layerfs mount -o lowerdir=lower,redirect_dir=sometimes merged", "redirect_dir=sometimes");
    fails("layerfs " + OPTIONS + ",uidmapping=0:1000:1 merged", "uidmapping=0:1000:1: ID shifting is not supported");
    fails("layerfs " + OPTIONS + ",squash_to_root merged", "squash_to_root");
    fails("layerfs mount merged", "-o");
  }

  @Test
  void plainMountsStartTheDaemonFromTheLauncherWithoutACommandJvm() throws Exception {
    Path log = tmp.resolve("java.log");
    Map<String, String> env = Map.of("LAYERFS_TEST_JAVA_HOME", Launcher.tracingJavaHome(tmp.resolve("jdk"), log)
        .toString());
    Launcher.Result ok = launcher.run(tmp, env, "sh", "-c", "mkdir m2 m3 && layerfs mount " + OPTIONS + " src merged"
        + " && layerfs -olowerdir=lower -o upperdir=upper2,workdir=work2 m2 2>&1 | grep . ; mkdir upper2 work2"
        + " && layerfs -olowerdir=lower -o upperdir=upper2,workdir=work2 m2 && cat m2/a");
    assertEquals(0, ok.status(), ok.all());
    assertTrue(ok.out().startsWith("layerfs mount: upperdir=" + tmp.resolve("upper2") + ": "), ok.out());
    assertTrue(ok.out().endsWith("hello\n"), ok.out());
    assertTrue(launcher.shOk(tmp, "grep ' " + tmp.resolve("merged") + " ' /proc/mounts").startsWith("src "),
        "SOURCE becomes fsname");
    Launcher.Result bad = launcher.run(tmp, env, "sh", "-c", "layerfs mount -o lowerdir=lower,bogus merged");
    assertEquals(2, bad.status(), bad.all());
    assertEquals("layerfs mount: bogus: unknown option\n", bad.err());
    List<String> jvms = Files.readAllLines(log);
    assertEquals(4, jvms.size(), jvms.toString());
    for (String jvm : jvms) {
      assertTrue(jvm.contains(" dev.layerfs.cli.MountDaemon 3 -o"), jvm);
      assertTrue(jvm.contains(" -Xmx"), "the daemon's flags: " + jvm);
    }
    launcher.shOk(tmp, "layerfs umount merged && layerfs umount m2");
  }

  @Test
  void aDaemonHoldsNeitherTheCallersOutputNorItsPipe() throws Exception {
    // Launcher.run reads stdout and stderr to their end: a daemon that kept either would make it fail.
    String out = launcher.shOk(tmp, "x=$(layerfs mount " + OPTIONS + " merged 2>&1) && echo \"[$x]\" && cat merged/a");
    assertEquals("[]\nhello\n", out);
    String pid = daemonPid();
    Path log = RuntimeDir.logFile(tmp.resolve("merged").toRealPath());
    for (int fd = 0; fd <= 2; fd++) {
      Path link = Path.of("/proc", pid, "fd", Integer.toString(fd));
      assertEquals(fd == 0 ? "/dev/null" : log.toString(), Files.readSymbolicLink(link).toString(), "descriptor " + fd);
    }
    // The report pipe was descriptor 3; the number may since serve a file the kernel has not RELEASEd yet.
    try (var fds = Files.list(Path.of("/proc", pid, "fd"))) {
      for (Path link : (Iterable<Path>) fds::iterator) {
        String to;
        try {
          to = Files.readSymbolicLink(link).toString();
        } catch (java.nio.file.NoSuchFileException closedMeanwhile) {
          continue;
        }
        assertFalse(to.startsWith("pipe:"), "descriptor " + link.getFileName() + " is a pipe: " + to);
      }
    }
    launcher.shOk(tmp, "layerfs umount merged");
  }

  @Test
  void theCommandJvmChecksAndReportsAsTheLauncherDoes() throws Exception {
    fails("layerfs-java mount " + OPTIONS + ",bogus merged", "layerfs mount: bogus: unknown option");
    fails("layerfs-java " + OPTIONS + " nowhere", "layerfs mount: mount point nowhere: no such directory");
    launcher.shOk(tmp, "mkdir m2 && layerfs mount " + OPTIONS + " merged");
    try {
      Launcher.Result busy = launcher.sh(tmp, "layerfs-java mount " + OPTIONS + " m2");
      assertEquals(1, busy.status(), busy.all());
      assertTrue(busy.err().startsWith("layerfs mount: upperdir=" + tmp.resolve("upper") + ": "), busy.err());
      String out = launcher.shOk(tmp, "x=$(layerfs-java mount -o lowerdir=lower src m2 2>&1) && echo \"[$x]\""
          + " && cat m2/a && grep ' " + tmp.resolve("m2") + " ' /proc/mounts");
      assertTrue(out.startsWith("[]\nhello\nsrc "), out);
    } finally {
      launcher.shOk(tmp, "layerfs umount merged; layerfs umount m2");
    }
  }

  @Test
  void badPlacesAreNamed() throws Exception {
    fails("layerfs mount " + OPTIONS + " nowhere", "mount point nowhere: no such directory");
    fails("layerfs mount " + OPTIONS + " lower/a", "mount point lower/a: not a directory");
    fails("layerfs mount -o lowerdir=missing,upperdir=upper,workdir=work merged", "missing");
    launcher.shOk(tmp, "touch upper/not-a-dir");
    fails("layerfs mount -o lowerdir=lower,upperdir=upper/not-a-dir,workdir=work merged", "not-a-dir");
    fails("layerfs umount merged", "merged: not mounted");
  }

  @Test
  void aBusyMountPointOrUpperIsRefused() throws Exception {
    launcher.shOk(tmp, "layerfs mount " + OPTIONS + " merged");
    try {
      Launcher.Result again = launcher.sh(tmp, "mkdir -p m2 && layerfs mount " + OPTIONS + " m2");
      assertEquals(1, again.status(), again.all());
      assertTrue(again.err().contains("upper"), again.err());
      assertEquals(1, Launcher.mountsUnder(tmp).size());
      assertFalse(Files.exists(RuntimeDir.logFile(tmp.resolve("m2").toRealPath())), "a failed start left a log");
    } finally {
      launcher.shOk(tmp, "layerfs umount merged");
    }
  }

  @Test
  void somethingNotOursIsLeftAlone() throws Exception {
    launcher.shOk(tmp, "mkdir t && mount -t tmpfs tmpfs t");
    try {
      Launcher.Result r = launcher.sh(tmp, "layerfs umount t");
      assertEquals(2, r.status(), r.all());
      assertTrue(r.err().contains("t: not a layerfs mount (it is tmpfs"), r.err());
      assertEquals(List.of(tmp.resolve("t")), Launcher.mountsUnder(tmp));
    } finally {
      launcher.shOk(tmp, "umount t");
    }
  }

  @Test
  void vanishedLayersGiveErrorsAndStillUnmount() throws Exception {
    launcher.shOk(tmp, "cp -a lower lower2 && layerfs mount -o lowerdir=lower2,upperdir=upper,workdir=work merged"
        + " && ls merged >/dev/null && rm -rf lower2");
    Launcher.Result r = launcher.sh(tmp, "cat merged/d/nothing");
    assertNotEquals(0, r.status());
    launcher.shOk(tmp, "layerfs umount merged");
  }
}
