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
}
