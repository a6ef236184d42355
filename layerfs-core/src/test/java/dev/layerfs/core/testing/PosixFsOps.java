package dev.layerfs.core.testing;

import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.InodeFlags;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link FsOps} by real system calls on a directory: a kernel overlay mount, a FUSE mount or a plain tree. */
public final class PosixFsOps implements FsOps {
  private final byte[] root;

  public PosixFsOps(Path root) {
    this.root = Names.bytes(root.toString());
  }

  private byte[] abs(byte[] path) {
    return path.length == 0 ? root : Names.join(root, path);
  }

  @Override
  public void write(byte[] path, byte[] data, boolean truncate) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, abs(path),
        Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CREAT | (truncate ? Posix.O_TRUNC : 0), 0644);
    try {
      writeAll(fd, data, 0);
    } finally {
      Posix.close(fd);
    }
  }

  @Override
  public void append(byte[] path, byte[] data) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, abs(path), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_APPEND);
    try {
      writeAll(fd, data, 0);
    } finally {
      Posix.close(fd);
    }
  }

  static void writeAll(int fd, byte[] data, long offset) throws PosixException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(Math.max(1, data.length));
      MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
      long done = 0;
      while (done < data.length) {
        done += Posix.pwrite(fd, buf.asSlice(done, data.length - done), offset + done);
      }
    }
  }

  @Override
  public byte[] read(byte[] path) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, abs(path), Posix.O_RDONLY | Posix.O_NONBLOCK);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(64 * 1024);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long pos = 0;
      while (true) {
        long n = Posix.pread(fd, buf, pos);
        if (n == 0) {
          return out.toByteArray();
        }
        out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
        pos += n;
      }
    } finally {
      Posix.close(fd);
    }
  }

  @Override
  public void mkdir(byte[] path, int mode) throws PosixException {
    Posix.mkdirat(Posix.AT_FDCWD, abs(path), mode);
  }

  @Override
  public void rmdir(byte[] path) throws PosixException {
    Posix.unlinkat(Posix.AT_FDCWD, abs(path), Posix.AT_REMOVEDIR);
  }

  @Override
  public void unlink(byte[] path) throws PosixException {
    Posix.unlinkat(Posix.AT_FDCWD, abs(path), 0);
  }

  @Override
  public void rename(byte[] from, byte[] to, int flags) throws PosixException {
    Posix.renameat2(Posix.AT_FDCWD, abs(from), Posix.AT_FDCWD, abs(to), flags);
  }

  @Override
  public void symlink(byte[] target, byte[] path) throws PosixException {
    Posix.symlinkat(target, Posix.AT_FDCWD, abs(path));
  }

  @Override
  public void link(byte[] existing, byte[] path) throws PosixException {
    Posix.linkat(Posix.AT_FDCWD, abs(existing), Posix.AT_FDCWD, abs(path), 0);
  }

  @Override
  public void mkfifo(byte[] path, int mode) throws PosixException {
    Posix.mknodat(Posix.AT_FDCWD, abs(path), Posix.S_IFIFO | mode, 0);
  }

  @Override
  public void chmod(byte[] path, int mode) throws PosixException {
    Posix.fchmodat(Posix.AT_FDCWD, abs(path), mode);
  }

  @Override
  public void chown(byte[] path, int uid, int gid) throws PosixException {
    Posix.fchownat(Posix.AT_FDCWD, abs(path), uid, gid, 0);
  }

  @Override
  public int getFlags(byte[] path) throws PosixException {
    int fd = openForFlags(abs(path));
    try {
      return InodeFlags.get(fd, Names.printable(path));
    } finally {
      Posix.close(fd);
    }
  }

  @Override
  public void setFlags(byte[] path, int flags) throws PosixException {
    int fd = openForFlags(abs(path));
    try {
      InodeFlags.set(fd, flags, Names.printable(path));
    } finally {
      Posix.close(fd);
    }
  }

  /** Opens a regular file or directory as e2fsprogs' {@code fgetflags} does; EOPNOTSUPP for other types. */
  static int openForFlags(byte[] abs) throws PosixException {
    Stat st = Posix.lstatat(Posix.AT_FDCWD, abs);
    if (!st.isRegularFile() && !st.isDirectory()) {
      throw new PosixException(Errno.EOPNOTSUPP, "lsattr", Names.printable(abs));
    }
    return Posix.openat(Posix.AT_FDCWD, abs, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW);
  }

  @Override
  public void utimes(byte[] path, Timespec atime, Timespec mtime) throws PosixException {
    Posix.utimensat(Posix.AT_FDCWD, abs(path), atime, mtime, Posix.AT_SYMLINK_NOFOLLOW);
  }

  @Override
  public void truncate(byte[] path, long size) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, abs(path), Posix.O_WRONLY | Posix.O_NONBLOCK);
    try {
      Posix.ftruncate(fd, size);
    } finally {
      Posix.close(fd);
    }
  }

  @Override
  public void setxattr(byte[] path, String name, byte[] value) throws PosixException {
    try (Parent p = Parent.of(abs(path))) {
      Xattrs.set(p.fd, p.name, name, value, 0);
    }
  }

  @Override
  public void removexattr(byte[] path, String name) throws PosixException {
    try (Parent p = Parent.of(abs(path))) {
      Xattrs.remove(p.fd, p.name, name);
    }
  }

  @Override
  public Stat lstat(byte[] path) throws PosixException {
    return Posix.lstatat(Posix.AT_FDCWD, abs(path));
  }

  @Override
  public List<byte[]> list(byte[] dir) throws PosixException {
    List<byte[]> names = new ArrayList<>();
    for (DirEntry e : Posix.readDirectory(Posix.AT_FDCWD, abs(dir))) {
      names.add(e.name());
    }
    return names;
  }

  @Override
  public byte[] readlink(byte[] path) throws PosixException {
    return Posix.readlinkat(Posix.AT_FDCWD, abs(path));
  }

  @Override
  public Map<String, byte[]> xattrs(byte[] path) throws PosixException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (Parent p = Parent.of(abs(path))) {
      for (String name : Xattrs.list(p.fd, p.name)) {
        byte[] value = Xattrs.get(p.fd, p.name, name);
        if (value != null) {
          out.put(name, value);
        }
      }
    }
    return out;
  }

  /** A descriptor of the parent directory and the last name, for the xattr calls. */
  private static final class Parent implements AutoCloseable {
    final int fd;
    final byte[] name;

    private Parent(int fd, byte[] name) {
      this.fd = fd;
      this.name = name;
    }

    static Parent of(byte[] abs) throws PosixException {
      int slash = abs.length - 1;
      while (slash > 0 && abs[slash] != '/') {
        slash--;
      }
      byte[] dir = slash <= 0 ? new byte[] {'/'} : java.util.Arrays.copyOf(abs, slash);
      byte[] name = java.util.Arrays.copyOfRange(abs, slash + 1, abs.length);
      int fd = Posix.openat(Posix.AT_FDCWD, dir, Posix.O_PATH | Posix.O_DIRECTORY);
      return new Parent(fd, name);
    }

    @Override
    public void close() {
      Posix.closeQuietly(fd);
    }
  }
}
