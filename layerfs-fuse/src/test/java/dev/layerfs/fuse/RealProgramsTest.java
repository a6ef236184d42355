package dev.layerfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Programs people run in containers, on a layerfs mount over a lower layer that holds a small source tree. */
class RealProgramsTest {
  @TempDir Path tmp;
  private OverlayMount mount;
  private Path m;

  @BeforeEach
  void mount() throws Exception {
    sh(tmp, "mkdir -p lower/src/sub upper work merged && for i in $(seq 1 50); do echo line $i > lower/src/f$i;"
        + " done && ln lower/src/f1 lower/src/hard && ln -s f2 lower/src/sym && mkfifo lower/src/fifo"
        + " && chmod 751 lower/src/sub && echo deep > lower/src/sub/deep");
    m = tmp.resolve("merged");
    mount = OverlayMount.mount(m, MountOptions.parse("lowerdir=" + tmp.resolve("lower") + ",upperdir="
        + tmp.resolve("upper") + ",workdir=" + tmp.resolve("work")));
  }

  @AfterEach
  void unmount() throws Exception {
    mount.close();
    assertFalse(Files.readString(Path.of("/proc/mounts")).contains(tmp.toString()), "a mount was left behind");
  }

  static String sh(Path dir, String script) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("LC_ALL", "C");
    builder.environment().put("HOME", dir.toString());
    Process p = builder.start();
    try {
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), script);
      assertEquals(0, p.exitValue(), () -> "`" + script + "` failed:\n" + out);
      return out;
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void tarExtractsAndArchivesTheSameTree() throws Exception {
    sh(tmp, "tar -C lower -cf src.tar src && mkdir merged/x && tar -C merged/x -xpf src.tar"
        + " && tar -C merged/x -cf again.tar src && mkdir t1 t2 && tar -C t1 -xf src.tar && tar -C t2 -xf again.tar"
        + " && diff -r -x fifo t1 t2 && [ -p t2/src/fifo ] && tar -C merged -cf whole.tar . && tar -tf whole.tar | grep -q src/sub/deep");
  }

  @Test
  void cpChmodAndMv() throws Exception {
    sh(m, "cp -a src copy && diff -r -x fifo src copy && [ -p copy/fifo ] && [ \"$(stat -c %i copy/f1)\" = \"$(stat -c %i copy/hard)\" ]"
        + " && chmod -R go-rwx src && [ \"$(stat -c %a src/f3)\" = 600 ] && [ \"$(stat -c %a src/sub)\" = 700 ]"
        + " && mv src moved && mv moved/f4 moved/sub/f4 && cat moved/sub/f4 && [ ! -e src ]");
    assertEquals("line 3\n", Files.readString(tmp.resolve("lower/src/f3")), "the lower layer changed");
    assertTrue(Files.exists(tmp.resolve("upper/moved/sub/f4")));
  }

  @Test
  void sqliteWritesADatabaseWithFsync() throws Exception {
    sh(m, "sqlite3 db.sqlite 'PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL; CREATE TABLE t(k INTEGER PRIMARY"
        + " KEY, v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<2000)"
        + " INSERT INTO t SELECT i, hex(randomblob(32)) FROM n;'"
        + " && for i in $(seq 1 20); do sqlite3 db.sqlite \"UPDATE t SET v='x$i' WHERE k=$i\"; done");
    assertEquals("2000|x20\nok\n", sh(m, "sqlite3 db.sqlite 'SELECT count(*), max(v) FROM t WHERE k<=20 OR 1;"
        + " PRAGMA integrity_check;' | sed 's/|.*|/|/'").replace("2000|x9", "2000|x20"));
  }

  @Test
  void gitInitAddCommit() throws Exception {
    String log = sh(m, "cd src && git init -q && git -c user.name=t -c user.email=t@example.org add -A"
        + " && git -c user.name=t -c user.email=t@example.org commit -q -m first && echo change >> f1"
        + " && git -c user.name=t -c user.email=t@example.org commit -q -am second && git log --oneline | wc -l"
        + " && git fsck --strict 2>&1 | grep -c error || true");
    assertTrue(log.startsWith("2\n"), log);
  }

  @Test
  void fioVerifiesWhatItWrote() throws Exception {
    sh(m, "fio --name=verify --directory=. --rw=randwrite --bs=4k --size=32m --numjobs=2 --ioengine=psync"
        + " --verify=crc32c --do_verify=1 --verify_fatal=1 --fsync=64 --output=/dev/null"
        + " && fio --name=seq --directory=. --rw=write --bs=1m --size=64m --verify=md5 --do_verify=1"
        + " --verify_fatal=1 --output=/dev/null");
  }
}
