package dev.layerfs.nio;

import dev.layerfs.core.testing.FsOps;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@link FsOps} through {@code java.nio.file.Files} on an overlay view, by byte paths, with the errno of each
 * failure read back from the NIO exception, so the view can be compared call for call with a kernel mount.
 *
 * <p>Where NIO has no call for a system call's behaviour, it is composed the way a program would: rmdir and unlink
 * check the type first; a truncate that grows writes the zeros; opening a fifo gives what {@code O_NONBLOCK} gives
 * on the mount (ENXIO for writing; the harness reads with {@code pread}, ESPIPE on a fifo); listing a symlink is ENOTDIR, as the harness's
 * {@code open(O_DIRECTORY|O_NOFOLLOW)} is, where {@code newDirectoryStream} would follow it; a no-replace rename onto
 * an existing name is EEXIST even onto itself, where {@code Files.move} of a file to itself does nothing.
 */
final class NioFsOps implements FsOps {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final FileSystem fs;

  NioFsOps(FileSystem fs) {
    this.fs = fs;
  }

  private Path p(byte[] path) {
    return OverlayFs.path(fs, Names.join(new byte[] {'/'}, path));
  }

  private interface Io<T> {
    T run() throws IOException;
  }

  /** Runs NIO calls, turning their exceptions into the errno the view reports. */
  private static <T> T io(String call, byte[] path, Io<T> body) throws PosixException {
    try {
      return body.run();
    } catch (PosixException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      int errno = OverlayFs.errno(e);
      if (errno <= 0) {
        throw new IllegalStateException("no errno for " + e, e);
      }
      throw new PosixException(errno, call, Names.printable(path));
    }
  }

  private boolean isFifo(Path p) {
    try {
      return Files.readAttributes(p, "unix:mode").get("mode") instanceof Integer m
          && (m & Posix.S_IFMT) == Posix.S_IFIFO;
    } catch (IOException e) {
      return false;
    }
  }

  /** The mode PosixFsOps creates files with on the kernel's side: a default ACL masks it, so it must match. */
  private static final FileAttribute<Set<PosixFilePermission>> NEW_FILE_MODE =
      PosixFilePermissions.asFileAttribute(OverlayFileAttributes.permissions(0644));

  private void writeAt(byte[] path, byte[] data, OpenOption... options) throws PosixException {
    io("write", path, () -> {
      Path p = p(path);
      if (isFifo(p)) {
        throw new PosixException(Errno.ENXIO, "open", Names.printable(path));
      }
      try (SeekableByteChannel ch = Files.newByteChannel(p, Set.of(options), NEW_FILE_MODE)) {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      return null;
    });
  }

  @Override
  public void write(byte[] path, byte[] data, boolean truncate) throws PosixException {
    if (truncate) {
      writeAt(path, data, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    } else {
      writeAt(path, data, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    }
  }

  @Override
  public void append(byte[] path, byte[] data) throws PosixException {
    writeAt(path, data, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  @Override
  public byte[] read(byte[] path) throws PosixException {
    if (isFifo(p(path))) {
      throw new PosixException(Errno.ESPIPE, "pread", Names.printable(path));
    }
    return io("read", path, () -> Files.readAllBytes(p(path)));
  }

  @Override
  public void mkdir(byte[] path, int mode) throws PosixException {
    io("mkdir", path, () -> Files.createDirectory(p(path),
        PosixFilePermissions.asFileAttribute(OverlayFileAttributes.permissions(mode))));
  }

  private void checkType(byte[] path, boolean directory, String call) throws PosixException {
    boolean isDir = io(call, path, () -> Files.readAttributes(p(path), "unix:mode", NOFOLLOW).get("mode")
        instanceof Integer m && (m & Posix.S_IFMT) == Posix.S_IFDIR);
    if (isDir != directory) {
      throw new PosixException(directory ? Errno.ENOTDIR : Errno.EISDIR, call, Names.printable(path));
    }
  }

  @Override
  public void rmdir(byte[] path) throws PosixException {
    checkType(path, true, "rmdir");
    io("rmdir", path, () -> {
      Files.delete(p(path));
      return null;
    });
  }

  @Override
  public void unlink(byte[] path) throws PosixException {
    checkType(path, false, "unlink");
    io("unlink", path, () -> {
      Files.delete(p(path));
      return null;
    });
  }

  @Override
  public void rename(byte[] from, byte[] to, int flags) throws PosixException {
    if (flags == Posix.RENAME_EXCHANGE) {
      throw new UnsupportedOperationException("java.nio has no RENAME_EXCHANGE");
    }
    if (flags == Posix.RENAME_NOREPLACE && io("rename", from, () -> Files.exists(p(from), NOFOLLOW)
        && Files.exists(p(to), NOFOLLOW))) {
      throw new PosixException(Errno.EEXIST, "rename", Names.printable(to));
    }
    io("rename", from, () -> flags == Posix.RENAME_NOREPLACE ? Files.move(p(from), p(to))
        : Files.move(p(from), p(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE));
  }

  @Override
  public void symlink(byte[] target, byte[] path) throws PosixException {
    io("symlink", path, () -> Files.createSymbolicLink(p(path), OverlayFs.path(fs, target)));
  }

  @Override
  public void link(byte[] existing, byte[] path) throws PosixException {
    io("link", path, () -> Files.createLink(p(path), p(existing)));
  }

  @Override
  public void mkfifo(byte[] path, int mode) {
    throw new UnsupportedOperationException("java.nio cannot make a fifo");
  }

  @Override
  public void chmod(byte[] path, int mode) throws PosixException {
    Set<PosixFilePermission> perms = OverlayFileAttributes.permissions(mode);
    io("chmod", path, () -> Files.setPosixFilePermissions(p(path), perms));
  }

  @Override
  public void chown(byte[] path, int uid, int gid) throws PosixException {
    io("chown", path, () -> {
      Files.setAttribute(p(path), "unix:uid", uid);
      return Files.setAttribute(p(path), "unix:gid", gid);
    });
  }

  @Override
  public void utimes(byte[] path, Timespec atime, Timespec mtime) throws PosixException {
    io("utimes", path, () -> {
      Files.getFileAttributeView(p(path), BasicFileAttributeView.class, NOFOLLOW)
          .setTimes(time(mtime), time(atime), null);
      return null;
    });
  }

  private static FileTime time(Timespec t) {
    return FileTime.from(Instant.ofEpochSecond(t.seconds(), t.nanos()));
  }

  @Override
  public void truncate(byte[] path, long size) throws PosixException {
    io("truncate", path, () -> {
      if (isFifo(p(path))) {
        throw new PosixException(Errno.ENXIO, "open", Names.printable(path));
      }
      try (FileChannel ch = FileChannel.open(p(path), StandardOpenOption.WRITE)) {
        if (size < ch.size()) {
          ch.truncate(size);
        } else if (size > ch.size()) {
          ch.write(ByteBuffer.allocate((int) (size - ch.size())), ch.size());
        }
      }
      return null;
    });
  }

  private UserDefinedFileAttributeView userView(byte[] path) {
    return Files.getFileAttributeView(p(path), UserDefinedFileAttributeView.class, NOFOLLOW);
  }

  @Override
  public void setxattr(byte[] path, String name, byte[] value) throws PosixException {
    io("setxattr", path, () -> userView(path).write(userName(name), ByteBuffer.wrap(value)));
  }

  @Override
  public void removexattr(byte[] path, String name) throws PosixException {
    io("removexattr", path, () -> {
      userView(path).delete(userName(name));
      return null;
    });
  }

  private static String userName(String name) {
    if (!name.startsWith("user.")) {
      throw new IllegalArgumentException("only user.* xattrs are reachable through java.nio: " + name);
    }
    return Xattrs.text(name).substring("user.".length());
  }

  @Override
  public Stat lstat(byte[] path) throws PosixException {
    Map<String, Object> a = io("lstat", path, () -> Files.readAttributes(p(path), "unix:*", NOFOLLOW));
    FileTime mtime = (FileTime) a.get("lastModifiedTime");
    FileTime atime = (FileTime) a.get("lastAccessTime");
    FileTime ctime = (FileTime) a.get("ctime");
    return new Stat((Long) a.get("dev"), (Long) a.get("ino"), (Integer) a.get("mode"), (Integer) a.get("nlink"),
        (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("rdev"), (Long) a.get("size"), 0, 0,
        spec(atime), spec(mtime), spec(ctime), spec(ctime), 0);
  }

  private static Timespec spec(FileTime t) {
    long nanos = t.to(TimeUnit.NANOSECONDS);
    return new Timespec(Math.floorDiv(nanos, 1_000_000_000L), (int) Math.floorMod(nanos, 1_000_000_000L));
  }

  @Override
  public List<byte[]> list(byte[] dir) throws PosixException {
    if (dir.length > 0 && io("readdir", dir, () -> Files.isSymbolicLink(p(dir)))) {
      throw new PosixException(Errno.ENOTDIR, "open(O_NOFOLLOW|O_DIRECTORY)", Names.printable(dir));
    }
    return io("readdir", dir, () -> {
      List<byte[]> names = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p(dir))) {
        for (Path child : s) {
          names.add(OverlayFs.bytes(child.getFileName()));
        }
      }
      return names;
    });
  }

  @Override
  public byte[] readlink(byte[] path) throws PosixException {
    return io("readlink", path, () -> OverlayFs.bytes(Files.readSymbolicLink(p(path))));
  }

  @Override
  public boolean showsBlocks() {
    return false;
  }

  @Override
  public int getFlags(byte[] path) {
    throw new UnsupportedOperationException("java.nio has no inode flags");
  }

  @Override
  public void setFlags(byte[] path, int flags) {
    throw new UnsupportedOperationException("java.nio has no inode flags");
  }

  @Override
  public boolean showsFlags() {
    return false;
  }

  @Override
  public boolean showsXattr(String name) {
    return name.startsWith("user.") && Xattrs.ofText(Xattrs.text(name)).equals(name); // the view's names are text
  }

  @Override
  public Map<String, byte[]> xattrs(byte[] path) throws PosixException {
    return io("listxattr", path, () -> {
      Map<String, byte[]> out = new LinkedHashMap<>();
      UserDefinedFileAttributeView view = userView(path);
      for (String name : view.list()) {
        ByteBuffer b = ByteBuffer.allocate(view.size(name));
        view.read(name, b);
        out.put(Xattrs.ofText("user." + name), b.array());
      }
      return out;
    });
  }
}
