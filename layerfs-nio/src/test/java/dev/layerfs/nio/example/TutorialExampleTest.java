package dev.layerfs.nio.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tutorial program prints what the shell tutorial shows, and leaves the layers the kernel would leave. */
class TutorialExampleTest {
  @TempDir Path playground;

  @Test
  void replaysTheTutorial() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TutorialExample.run(playground, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("""
        $ ls merged
        file1.txt
        $ cat merged/file1.txt
        hello from lower
        """), out);
    assertTrue(out.contains("""
        $ ls upper
        file2.txt
        $ ls merged
        file1.txt
        file2.txt
        """), out);
    assertTrue(out.contains("""
        $ cat lower/file1.txt
        hello from lower
        $ cat upper/file1.txt
        changed in merged
        """), out);
    assertTrue(out.contains("""
        $ rm merged/file1.txt
        $ ls merged
        file2.txt
        $ ls lower
        file1.txt
        $ ls upper
        file1.txt  (c--------- 0,0: a whiteout hiding the lower file)
        file2.txt
        """), out);

    assertEquals("hello from lower\n", Files.readString(playground.resolve("lower/file1.txt")));
    assertEquals("hello from upper\n", Files.readString(playground.resolve("upper/file2.txt")));
    Map<String, Object> whiteout = Files.readAttributes(playground.resolve("upper/file1.txt"), "unix:mode,rdev",
        LinkOption.NOFOLLOW_LINKS);
    assertEquals(0020000, whiteout.get("mode"), "a character device with mode 0000");
    assertEquals(0L, whiteout.get("rdev"), "device 0/0");
  }
}
