package dev.layerfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfs.core.testing.KernelOverlay;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the differential scenarios cannot say about {@code metacopy=on}: handles open across a data copy-up. A
 * metacopy file opened for reading reads its lower data; a writer copies the data up and the reader reads the
 * upper file from then on, through the name it opened or another hard link of the file, as with the kernel.
 */
class MetacopyTest {
  @TempDir Path tmp;

  @Test
  void readersOpenBeforeADataCopyUpReadTheNewData() throws Exception {
    List<String> kernel = new ArrayList<>();
    try (OverlayFixture f = fixture("kernel");
        KernelOverlay k = KernelOverlay.mount(f.options(), Files.createDirectories(tmp.resolve("merged")))) {
      Path m = k.path();
      List<Integer> open = new ArrayList<>();
      try {
        Posix.fchmodat(Posix.AT_FDCWD, bytes(m.resolve("f")), 0600);
        int reader = opened(open, Posix.openat(Posix.AT_FDCWD, bytes(m.resolve("f")), Posix.O_RDONLY, 0));
        kernel.add(read(reader) + " mode " + Integer.toOctalString(Posix.fstat(reader).permissions()));
        int writer = opened(open, Posix.openat(Posix.AT_FDCWD, bytes(m.resolve("f")), Posix.O_WRONLY, 0));
        write(writer, "NEW");
        kernel.add(read(reader) + " mode " + Integer.toOctalString(Posix.fstat(reader).permissions()));
        Posix.fchmodat(Posix.AT_FDCWD, bytes(m.resolve("g")), 0640);
        Posix.linkat(Posix.AT_FDCWD, bytes(m.resolve("g")), Posix.AT_FDCWD, bytes(m.resolve("g2")), 0);
        int linkReader = opened(open, Posix.openat(Posix.AT_FDCWD, bytes(m.resolve("g")), Posix.O_RDONLY, 0));
        kernel.add(read(linkReader));
        int linkWriter = opened(open, Posix.openat(Posix.AT_FDCWD, bytes(m.resolve("g2")), Posix.O_WRONLY, 0));
        write(linkWriter, "XY");
        kernel.add(read(linkReader));
      } finally {
        open.forEach(Posix::closeQuietly); // before the unmount, which open files would make busy
      }
    }
    List<String> engine = new ArrayList<>();
    try (OverlayFixture f = fixture("engine")) {
      Overlay o = f.open();
      Node file = o.lookup(o.root(), Names.bytes("f"));
      o.setattr(file, SetAttr.mode(0600));
      try (OpenFile reader = o.open(file, Posix.O_RDONLY)) {
        engine.add(readThrough(reader) + " mode " + Integer.toOctalString(reader.stat().permissions()));
        try (OpenFile writer = o.open(file, Posix.O_WRONLY)) {
          write(writer.fd(), "NEW");
        }
        engine.add(readThrough(reader) + " mode " + Integer.toOctalString(reader.stat().permissions()));
      }
      Node g = o.lookup(o.root(), Names.bytes("g"));
      o.setattr(g, SetAttr.mode(0640));
      Node g2 = o.link(g, o.root(), Names.bytes("g2"));
      try (OpenFile linkReader = o.open(g, Posix.O_RDONLY)) {
        engine.add(readThrough(linkReader));
        try (OpenFile linkWriter = o.open(g2, Posix.O_WRONLY)) {
          write(linkWriter.fd(), "XY");
        }
        engine.add(readThrough(linkReader));
      }
    }
    assertEquals(kernel, engine);
  }

  private OverlayFixture fixture(String name) throws Exception {
    OverlayFixture f = new OverlayFixture(Files.createDirectories(tmp.resolve(name)), "metacopy=on");
    Files.writeString(f.lower.resolve("f"), "lower data\n");
    Files.writeString(f.lower.resolve("g"), "lower g\n");
    return f;
  }

  private static byte[] bytes(Path p) {
    return Names.bytes(p.toString());
  }

  private static String readThrough(OpenFile file) throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(100);
      long n = file.read(buf, 0);
      return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
  }

  private static String read(int fd) throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(100);
      long n = Posix.pread(fd, buf, 0);
      return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
  }

  private static void write(int fd, String data) throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      Posix.pwrite(fd, arena.allocateFrom(data, StandardCharsets.UTF_8).asSlice(0, data.length()), 0);
    }
  }

  private static int opened(List<Integer> open, int fd) {
    open.add(fd);
    return fd;
  }
}
