package dev.layerfs.fuse.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path tmp;

  @Test
  void mountsAndServes() throws Exception {
    MemoryFs fs = new MemoryFs();
    FuseServer server = FuseServer.builder(tmp, fs).mount();
    try {
      System.out.println(server.awaitReady());
      Files.writeString(tmp.resolve("hello"), "world\n");
      assertEquals("world\n", Shell.sh(tmp, "cat hello"));
      System.out.println(Shell.sh(tmp, "ls -la; stat hello; mkdir d; ln -s hello l; ls -la"));
    } finally {
      server.close();
    }
  }
}
