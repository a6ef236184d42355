package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.oci.store.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress as a terminal and a log see it: a bar per running task, a line per finished one. */
class ConsoleProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  @Test
  void onATerminalEachRunningTaskHasItsOwnBarBelowTheFinishedOnes() {
    ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    Progress.Task first = progress.start("layer a: downloading", 1000);
    Progress.Task second = progress.start("layer b: downloading", 2000);
    first.advance(500);
    String bars = written();
    assertTrue(bars.contains("layer a: downloading " + bar(12) + " 500B/1.00kB ")
        && bars.contains("\nlayer b: downloading " + bar(0) + " 0B/2.00kB "), bars);

    first.close();
    String after = written().substring(bars.length());
    assertTrue(after.startsWith("\033[2F\033[Jlayer a: downloading: 500B in "), "both bars erased, the finished"
        + " line in their place: " + after);
    assertTrue(after.endsWith("\nlayer b: downloading " + bar(0) + " 0B/2.00kB 0B/s\n"),
        "the running bar drawn again below it: " + after);
    second.close();
    progress.note("done");
    String end = written().substring(bars.length() + after.length());
    assertTrue(end.startsWith("\033[1F\033[Jlayer b: downloading: 0B in ") && end.endsWith(" s (0B/s)\ndone\n"),
        end);
  }

  @Test
  void elsewhereOnlyFinishedTasksAndNotesArePrinted() {
    ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    Progress.Task task = progress.start("layer a: downloading", 1000);
    task.advance(1000);
    progress.note("layer b: already stored");
    task.close();
    String lines = written();
    assertFalse(lines.contains("\033"), lines);
    assertEquals("layer b: already stored", lines.lines().toList().getFirst());
    assertTrue(lines.lines().toList().get(1).startsWith("layer a: downloading: 1.00kB in "), lines);
  }

  private static String bar(int filled) {
    return "[" + "=".repeat(filled) + ">" + " ".repeat(23 - filled) + "]";
  }

  private String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
