package dev.layerfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Stat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TutorialCommandTest {
  @TempDir Path tmp;

  private String run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run(args));
    } finally {
      System.setOut(saved);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsEveryStepAsTheTutorialShowsIt() {
    String out = run("tutorial");
    assertTrue(out.contains("$ cat merged/file1.txt\nhello from lower\n"), out);
    assertTrue(out.contains("$ ls upper\nfile2.txt\n$ ls merged\nfile1.txt\nfile2.txt\n"), out);
    assertTrue(out.contains("$ cat upper/file1.txt\nchanged in merged\n"), out);
    assertTrue(out.contains("$ ls upper\nfile1.txt   (whiteout: character device 0/0)\nfile2.txt\n"
        + "$ ls merged\nfile2.txt\n"), out);
  }

  @Test
  void keepsThePlaygroundWhenAsked() throws Exception {
    Path dir = tmp.resolve("play");
    String out = run("tutorial", "--dir", dir.toString());
    assertTrue(out.contains("mount -t overlay overlay -o lowerdir=" + dir.resolve("lower")), out);
    Stat whiteout = Posix.lstatat(Posix.AT_FDCWD, Names.bytes(dir.resolve("upper/file1.txt").toString()));
    assertTrue(whiteout.isCharDevice());
    assertEquals(0, whiteout.rdev());
    assertEquals("hello from upper\n", Files.readString(dir.resolve("upper/file2.txt")));
    assertEquals("hello from lower\n", Files.readString(dir.resolve("lower/file1.txt")));
  }

  @Test
  void refusesAnExistingDirectory() {
    assertEquals(1, Main.run("tutorial", "--dir", tmp.toString()));
  }
}
