package dev.layerfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path tmp;

  @Test
  void tutorial() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(lower.resolve("file1.txt"), "hello from lower\n");
    try (Overlay o = Overlay.open(OverlayOptions.parse("lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work))) {
      Caller me = Caller.process();
      try (OpenFile f = o.create(o.root(), Names.bytes("file2.txt"), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC, 0666, me);
          Arena a = Arena.ofConfined()) {
        f.write(a.allocateFrom(ValueLayout.JAVA_BYTE, "hello from upper\n".getBytes()), 0);
      }
      Node f1 = o.lookup(o.root(), Names.bytes("file1.txt"));
      long ino = o.getattr(f1).ino();
      try (OpenFile f = o.open(f1, Posix.O_WRONLY | Posix.O_TRUNC); Arena a = Arena.ofConfined()) {
        f.write(a.allocateFrom(ValueLayout.JAVA_BYTE, "changed in merged\n".getBytes()), 0);
      }
      assertEquals(ino, o.getattr(f1).ino());
      assertEquals("changed in merged\n", Files.readString(upper.resolve("file1.txt")));
      o.unlink(o.root(), Names.bytes("file1.txt"));
      var listing = o.readDirectory(o.root());
      assertEquals(3, listing.entries().size());
      assertEquals("file2.txt", new String(listing.entries().get(2).name()));
    }
    var st = Posix.lstatat(Posix.AT_FDCWD, Names.bytes(upper.resolve("file1.txt").toString()));
    assertEquals(Posix.S_IFCHR, st.type());
    assertEquals(0, st.rdev());
    assertEquals("hello from lower\n", Files.readString(lower.resolve("file1.txt")));
  }
}
