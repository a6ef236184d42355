package dev.layerfs.nio;

import dev.layerfs.posix.Posix;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * The attributes of one file as the overlay reports them (the top layer's, with the overlay's inode number and
 * link count), read with one {@code statx}; owner and group names are looked up only when asked for.
 */
final class OverlayFileAttributes implements PosixFileAttributes {
  private static final PosixFilePermission[] PERMISSIONS = {
    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
  };

  private final Stat st;

  OverlayFileAttributes(Stat st) {
    this.st = st;
  }

  Stat stat() {
    return st;
  }

  /** {@code fileKey()}: equal for two names of one file, as {@link java.nio.file.Files#walkFileTree} expects. */
  record FileKey(long dev, long ino) {}

  static FileTime time(Timespec t) {
    return FileTime.from(Instant.ofEpochSecond(t.seconds(), t.nanos()));
  }

  static Timespec timespec(FileTime t) {
    Instant i = t.toInstant();
    return new Timespec(i.getEpochSecond(), i.getNano());
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < PERMISSIONS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        out.add(PERMISSIONS[bit]);
      }
    }
    return out;
  }

  static int mode(Set<?> permissions) {
    int mode = 0;
    for (Object p : permissions) {
      if (!(p instanceof PosixFilePermission permission)) {
        throw new ClassCastException("not a PosixFilePermission: " + p);
      }
      mode |= 1 << (PERMISSIONS.length - 1 - permission.ordinal());
    }
    return mode;
  }

  @Override
  public FileTime lastModifiedTime() {
    return time(st.mtime());
  }

  @Override
  public FileTime lastAccessTime() {
    return time(st.atime());
  }

  /** The birth time where the filesystem records one, else the last modification time, as the JDK does. */
  @Override
  public FileTime creationTime() {
    Timespec b = st.btime();
    return b == null || (b.seconds() == 0 && b.nanos() == 0) ? lastModifiedTime() : time(b);
  }

  @Override
  public boolean isRegularFile() {
    return st.type() == Posix.S_IFREG;
  }

  @Override
  public boolean isDirectory() {
    return st.type() == Posix.S_IFDIR;
  }

  @Override
  public boolean isSymbolicLink() {
    return st.type() == Posix.S_IFLNK;
  }

  @Override
  public boolean isOther() {
    int type = st.type();
    return type != Posix.S_IFREG && type != Posix.S_IFDIR && type != Posix.S_IFLNK;
  }

  @Override
  public long size() {
    return st.size();
  }

  @Override
  public FileKey fileKey() {
    return new FileKey(st.dev(), st.ino());
  }

  @Override
  public UserPrincipal owner() {
    return Principals.user(st.uid());
  }

  @Override
  public GroupPrincipal group() {
    return Principals.group(st.gid());
  }

  @Override
  public Set<PosixFilePermission> permissions() {
    return permissions(st.mode());
  }
}
