package dev.layerfs.core.testing;

import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** One file operation of a differential scenario, printable as the shell-like line a failure report shows. */
public sealed interface Op {
  /** Applies the operation and describes what happened: "ok", a value, or the errno name. */
  default String applyTo(FsOps fs) {
    try {
      return run(fs);
    } catch (PosixException e) {
      return e.errnoName();
    }
  }

  String run(FsOps fs) throws PosixException;

  static byte[] b(String s) {
    return Names.bytes(s);
  }

  record Write(String path, String data, boolean truncate) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.write(b(path), b(data), truncate);
      return "ok";
    }

    public String toString() {
      return "echo -n '" + data + "' " + (truncate ? ">" : "1<>") + " " + path;
    }
  }

  record Append(String path, String data) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.append(b(path), b(data));
      return "ok";
    }

    public String toString() {
      return "echo -n '" + data + "' >> " + path;
    }
  }

  record Read(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      return "content " + new String(fs.read(b(path)));
    }

    public String toString() {
      return "cat " + path;
    }
  }

  record Mkdir(String path, int mode) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.mkdir(b(path), mode);
      return "ok";
    }

    public String toString() {
      return "mkdir -m " + Integer.toOctalString(mode) + " " + path;
    }
  }

  record Rmdir(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.rmdir(b(path));
      return "ok";
    }

    public String toString() {
      return "rmdir " + path;
    }
  }

  record Unlink(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.unlink(b(path));
      return "ok";
    }

    public String toString() {
      return "unlink " + path;
    }
  }

  record Rename(String from, String to, int flags) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.rename(b(from), b(to), flags);
      return "ok";
    }

    public String toString() {
      String f = switch (flags) {
        case 1 -> " (NOREPLACE)";
        case 2 -> " (EXCHANGE)";
        default -> "";
      };
      return "mv " + from + " " + to + f;
    }
  }

  record Symlink(String target, String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.symlink(b(target), b(path));
      return "ok";
    }

    public String toString() {
      return "ln -s " + target + " " + path;
    }
  }

  record Link(String existing, String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.link(b(existing), b(path));
      return "ok";
    }

    public String toString() {
      return "ln " + existing + " " + path;
    }
  }

  record Mkfifo(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.mkfifo(b(path), 0640);
      return "ok";
    }

    public String toString() {
      return "mkfifo " + path;
    }
  }

  record Chmod(String path, int mode) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.chmod(b(path), mode);
      return "ok";
    }

    public String toString() {
      return "chmod " + Integer.toOctalString(mode) + " " + path;
    }
  }

  record Chown(String path, int uid, int gid) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.chown(b(path), uid, gid);
      return "ok";
    }

    public String toString() {
      return "chown " + uid + ":" + gid + " " + path;
    }
  }

  record Utimes(String path, long seconds) implements Op {
    public String run(FsOps fs) throws PosixException {
      Timespec t = new Timespec(seconds, 123_456_789);
      fs.utimes(b(path), t, t);
      return "ok";
    }

    public String toString() {
      return "touch -h -d @" + seconds + ".123456789 " + path;
    }
  }

  record Truncate(String path, long size) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.truncate(b(path), size);
      return "ok";
    }

    public String toString() {
      return "truncate -s " + size + " " + path;
    }
  }

  record SetXattr(String path, String name, String value) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.setxattr(b(path), name, b(value));
      return "ok";
    }

    public String toString() {
      return "setfattr -h -n " + name + " -v " + value + " " + path;
    }
  }

  record RemoveXattr(String path, String name) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.removexattr(b(path), name);
      return "ok";
    }

    public String toString() {
      return "setfattr -h -x " + name + " " + path;
    }
  }

  /** {@code touch -h}: both times now, the one time change the VFS lets an append-only object have. */
  record Touch(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      fs.utimes(b(path), Timespec.NOW, Timespec.NOW);
      return "ok";
    }

    public String toString() {
      return "touch -h " + path;
    }
  }

  /** {@code lsattr -d}: the inode flags in hex. */
  record Lsattr(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      return "flags " + Integer.toHexString(fs.getFlags(b(path)));
    }

    public String toString() {
      return "lsattr -d " + path;
    }
  }

  /**
   * {@code chattr}: reads the flags, adds ({@code +}) or removes ({@code -}) the ones named by letter, sets them;
   * letters as chattr's: i immutable, a append-only, d no dump, A no atime, S sync.
   */
  record Chattr(String path, String change) implements Op {
    public String run(FsOps fs) throws PosixException {
      int bits = 0;
      for (char c : change.substring(1).toCharArray()) {
        bits |= switch (c) {
          case 'i' -> InodeFlags.FS_IMMUTABLE_FL;
          case 'a' -> InodeFlags.FS_APPEND_FL;
          case 'd' -> InodeFlags.FS_NODUMP_FL;
          case 'A' -> InodeFlags.FS_NOATIME_FL;
          case 'S' -> InodeFlags.FS_SYNC_FL;
          default -> throw new IllegalArgumentException("chattr letter " + c);
        };
      }
      int flags = fs.getFlags(b(path));
      fs.setFlags(b(path), change.charAt(0) == '+' ? flags | bits : flags & ~bits);
      return "ok";
    }

    public String toString() {
      return "chattr " + change + " " + path;
    }
  }

  /** lstat, reporting what must agree between two views (not inode numbers, which differ between copies). */
  record Lstat(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      Stat st = fs.lstat(b(path));
      return String.format("mode %o uid %d gid %d size %d nlink %d", st.mode(), st.uid(), st.gid(),
          st.isDirectory() ? 0 : st.size(), st.nlink());
    }

    public String toString() {
      return "stat " + path;
    }
  }

  record List(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      java.util.List<String> names = new ArrayList<>();
      for (byte[] n : fs.list(b(path))) {
        names.add(Names.printable(n));
      }
      names.sort(null);
      return "names " + names;
    }

    public String toString() {
      return "ls " + path;
    }
  }

  record Readlink(String path) implements Op {
    public String run(FsOps fs) throws PosixException {
      return "target " + Names.printable(fs.readlink(b(path)));
    }

    public String toString() {
      return "readlink " + path;
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The lines of a scenario, numbered, for a failure report. */
  static String describe(java.util.List<Op> ops) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < ops.size(); i++) {
      s.append(String.format("  %2d. %s%n", i + 1, ops.get(i)));
    }
    return s.toString();
  }
}
