package dev.layerfs.fuse.raw;

import dev.layerfs.posix.Posix;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mounts an in-memory filesystem as the ordinary user it runs as, through {@code fusermount3}, uses it and unmounts
 * it; {@link RootlessMountTest} runs it under a user it creates. Prints "rootless mount ok" and exits 0 on success.
 */
public final class RootlessMain {
  private RootlessMain() {}

  public static void main(String[] args) throws Exception {
    Path mnt = Path.of(args[0]);
    int uid = Posix.geteuid();
    check(uid != 0, "must run as an ordinary user");
    FuseServer server = FuseServer.builder(mnt, new MemoryFs()).mount();
    try {
      Connection connection = server.awaitReady();
      System.out.println("mounted: " + connection);
      check(!connection.passthrough(), "passthrough was negotiated without CAP_SYS_ADMIN");
      String mountInfo = mountInfo(mnt);
      check(mountInfo.contains(" - fuse.layerfs layerfs ") && mountInfo.contains("user_id=" + uid),
          "unexpected mount: " + mountInfo);
      Files.writeString(mnt.resolve("hello"), "rootless\n");
      check(Files.readString(mnt.resolve("hello")).equals("rootless\n"), "the file did not read back");
      check((int) Files.getAttribute(mnt.resolve("hello"), "unix:uid") == uid, "the file is not owned by the user");
    } finally {
      server.close();
    }
    check(mountInfo(mnt).isEmpty(), "still mounted after close");
    System.out.println("rootless mount ok");
  }

  private static String mountInfo(Path mnt) throws Exception {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(line -> line.split(" ")[4].equals(mnt.toString())).findFirst().orElse("");
  }

  private static void check(boolean condition, String failure) {
    if (!condition) {
      System.out.println("FAILED: " + failure);
      System.exit(1);
    }
  }
}
