package dev.layerfs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Stat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who owns a created file, and that the attributes {@link OpenFile#createdAttributes} hands back are what a getattr
 * then answers: in a plain directory, under a setgid directory (of another group and of the daemon's own, where
 * the parent must be asked), over a whiteout, for callers of the daemon's group and of another.
 */
class CreateOwnershipTest {
  private static final int OTHER_UID = 1234;
  private static final int OTHER_GID = 5678;
  private static final int DIR_GID = 4321;

  @TempDir Path tmp;

  @Test
  void ownerGroupAndModeOfCreatedFiles() throws Exception {
    assertEquals(0, Posix.geteuid(), "runs as root, as scripts/test does: it creates files for other users");
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.createDirectories(lower.resolve("sgid"));
    Files.writeString(lower.resolve("sgid/gone"), "lower\n");
    Files.writeString(lower.resolve("gone"), "lower\n");
    for (String d : new String[] {"plain", "sgid", "sgidown"}) {
      Files.createDirectories(upper.resolve(d));
    }
    byte[] sgid = Names.bytes(upper.resolve("sgid").toString());
    Posix.fchownat(Posix.AT_FDCWD, sgid, 0, DIR_GID, 0);
    Posix.fchmodat(Posix.AT_FDCWD, sgid, 02775);
    byte[] sgidOwn = Names.bytes(upper.resolve("sgidown").toString());
    Posix.fchownat(Posix.AT_FDCWD, sgidOwn, 0, Posix.getegid(), 0);
    Posix.fchmodat(Posix.AT_FDCWD, sgidOwn, 02775);
    int egid = Posix.getegid();
    Caller root = new Caller(0, egid, 022);
    Caller other = new Caller(OTHER_UID, OTHER_GID, 022);
    Caller otherNoUmask = new Caller(OTHER_UID, OTHER_GID, 0);
    try (Overlay o = Overlay.open(
        OverlayOptions.parse("lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work))) {
      o.unlink(o.root(), Names.bytes("gone"));
      Node sgidDir = o.lookup(o.root(), Names.bytes("sgid"));
      o.unlink(sgidDir, Names.bytes("gone"));
      check(o, "plain", "a", root, 0644, 0, egid);
      check(o, "plain", "b", other, 0644, OTHER_UID, OTHER_GID);
      check(o, "plain", "c", otherNoUmask, 0666, OTHER_UID, OTHER_GID);
      check(o, "sgid", "a", root, 0644, 0, DIR_GID);
      check(o, "sgid", "b", other, 0644, OTHER_UID, DIR_GID);
      check(o, "sgidown", "a", other, 0644, OTHER_UID, egid);
      check(o, "sgidown", "b", root, 0644, 0, egid);
      check(o, "", "gone", other, 0644, OTHER_UID, OTHER_GID);
      check(o, "sgid", "gone", other, 0644, OTHER_UID, DIR_GID);
    }
  }

  private static void check(Overlay o, String dir, String name, Caller caller, int perms, int uid, int gid)
      throws Exception {
    Node d = dir.isEmpty() ? o.root() : o.lookup(o.root(), Names.bytes(dir));
    try (OpenFile f = o.create(d, Names.bytes(name), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL, 0666, caller)) {
      assertTrue(f.created(), dir + "/" + name);
      Stat made = f.createdAttributes();
      Stat now = o.getattr(f.node());
      assertEquals(now, made, dir + "/" + name + ": the attributes handed back are a getattr's");
      assertEquals(Posix.S_IFREG | perms, made.mode(), dir + "/" + name);
      assertEquals(uid, made.uid(), dir + "/" + name);
      assertEquals(gid, made.gid(), dir + "/" + name);
    }
  }
}
