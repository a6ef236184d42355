package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.core.OverlayOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirTest {
  @TempDir Path tmp;

  @Test
  void stateKeepsPathsWithEveryCharacterThePropertiesFormatEscapes() throws Exception {
    Path mountPoint = tmp.resolve(" m=1:#!\\ \t\r\f\né");
    Path lower = tmp.resolve("#lower ");
    Path upper = tmp.resolve("!upper=");
    Path work = tmp.resolve(":work\\");
    OverlayOptions overlay = OverlayOptions.builder().lower(lower).upper(upper).work(work).build();
    String options = "lowerdir=" + lower + ", x = y";
    long before = System.currentTimeMillis();
    RuntimeDir.write(mountPoint, overlay, options);
    long after = System.currentTimeMillis();
    try {
      RuntimeDir.MountState state = RuntimeDir.read(RuntimeDir.stateFile(mountPoint));
      assertEquals(mountPoint, state.mountPoint());
      assertEquals(ProcessHandle.current().pid(), state.pid());
      assertEquals(List.of(lower.toString()), state.lowerDirs());
      assertEquals(upper.toString(), state.upperDir());
      assertEquals(work.toString(), state.workDir());
      assertEquals(options, state.options());
      assertTrue(state.started() >= before && state.started() <= after, "started " + state.started());
    } finally {
      RuntimeDir.remove(mountPoint, -1);
    }
    assertNull(RuntimeDir.read(RuntimeDir.stateFile(mountPoint)));
    assertFalse(Files.exists(RuntimeDir.stateFile(mountPoint)));
  }

  @Test
  void keysAreMountPointsEscapedAsSystemdEscapesPaths() {
    // each expected value is what systemd-escape --path printed for the path
    assertEquals("tmp-my\\x2dapp-a\\x20b-.hidden-\\xc3\\xa9", RuntimeDir.key(Path.of("/tmp/my-app/a b/.hidden/é")));
    assertEquals("x:y_z.w", RuntimeDir.key(Path.of("/x:y_z.w")));
    assertEquals("\\x2emnt-merged", RuntimeDir.key(Path.of("/.mnt/merged")));
    assertEquals("-", RuntimeDir.key(Path.of("/")));
  }

  @Test
  void aMountPointTooLongForAFileNameIsKeyedByItsDigest() {
    Path deep = Path.of("/" + "d".repeat(200), "e".repeat(200));
    String key = RuntimeDir.key(deep);
    assertTrue(key.matches("[0-9a-f]{24}"), key);
    assertFalse(key.equals(RuntimeDir.key(deep.resolveSibling("f".repeat(200)))));
  }

  @Test
  void removingAMountsStateRemovesItsLogOnlyWhenNothingWasLogged() throws Exception {
    OverlayOptions overlay = OverlayOptions.builder().lower(tmp.resolve("lower")).build();
    Path quiet = tmp.resolve("quiet");
    Path talkative = tmp.resolve("talkative");
    for (Path mountPoint : List.of(quiet, talkative)) {
      Files.deleteIfExists(RuntimeDir.logFile(mountPoint));
      Files.createFile(RuntimeDir.logFile(mountPoint));
      RuntimeDir.write(mountPoint, overlay, "lowerdir=" + tmp.resolve("lower"));
    }
    Files.writeString(RuntimeDir.logFile(talkative), "layerfs: something to read\n");
    try {
      RuntimeDir.remove(quiet, ProcessHandle.current().pid());
      RuntimeDir.remove(talkative, ProcessHandle.current().pid());
      assertFalse(Files.exists(RuntimeDir.logFile(quiet)));
      assertEquals("layerfs: something to read\n", Files.readString(RuntimeDir.logFile(talkative)));
    } finally {
      for (Path mountPoint : List.of(quiet, talkative)) {
        RuntimeDir.remove(mountPoint, -1);
        Files.deleteIfExists(RuntimeDir.logFile(mountPoint));
      }
    }
  }

  @Test
  void theStateOfAMountStartedByAnOlderLayerfsIsFoundByItsMountPoint() throws Exception {
    Path mountPoint = tmp.resolve("older");
    String digest = String.format("%024x", mountPoint.toString().hashCode() & 0xffffffffL);
    Path legacy = RuntimeDir.create().resolve(digest + ".state");
    Path legacyLog = RuntimeDir.create().resolve(digest + ".log");
    Files.writeString(legacy, "mountpoint=" + mountPoint + "\npid=1\noptions=lowerdir\\=/l\nstarted=0\n");
    Files.createFile(legacyLog);
    try {
      assertEquals(legacy, RuntimeDir.stateFile(mountPoint));
      assertEquals(1, RuntimeDir.read(RuntimeDir.stateFile(mountPoint)).pid());
      RuntimeDir.remove(mountPoint, -1);
      assertFalse(Files.exists(legacy));
      assertFalse(Files.exists(legacyLog), "its empty log goes with it");
    } finally {
      Files.deleteIfExists(legacy);
      Files.deleteIfExists(legacyLog);
    }
  }
}
