package dev.layerfs.core.testing;

import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import java.util.List;
import java.util.Map;

/**
 * The file operations a differential test applies, by byte path relative to the view's root, so the same
 * sequence can run on a kernel overlay mount, a FUSE mount, the engine and the NIO view.
 *
 * <p>Paths follow the system-call rules: intermediate symlinks are followed, a final one only where the call
 * follows it ({@code open}, {@code chmod}, {@code chown} here follow it; {@code lstat}, {@code unlink},
 * {@code rename}, {@code readlink}, xattrs via {@code l*xattr} do not).
 */
public interface FsOps {
  /** {@code open(O_WRONLY|O_CREAT|(truncate ? O_TRUNC : 0), 0644)} then writes at offset 0. */
  void write(byte[] path, byte[] data, boolean truncate) throws PosixException;

  /** {@code open(O_WRONLY|O_APPEND)} then writes. */
  void append(byte[] path, byte[] data) throws PosixException;

  byte[] read(byte[] path) throws PosixException;

  void mkdir(byte[] path, int mode) throws PosixException;

  void rmdir(byte[] path) throws PosixException;

  void unlink(byte[] path) throws PosixException;

  void rename(byte[] from, byte[] to, int flags) throws PosixException;

  void symlink(byte[] target, byte[] path) throws PosixException;

  void link(byte[] existing, byte[] path) throws PosixException;

  void mkfifo(byte[] path, int mode) throws PosixException;

  void chmod(byte[] path, int mode) throws PosixException;

  void chown(byte[] path, int uid, int gid) throws PosixException;

  void utimes(byte[] path, Timespec atime, Timespec mtime) throws PosixException;

  void truncate(byte[] path, long size) throws PosixException;

  void setxattr(byte[] path, String name, byte[] value) throws PosixException;

  void removexattr(byte[] path, String name) throws PosixException;

  Stat lstat(byte[] path) throws PosixException;

  /** Names in a directory, without "." and "..", in the order readdir gives them. */
  List<byte[]> list(byte[] dir) throws PosixException;

  byte[] readlink(byte[] path) throws PosixException;

  /** Every xattr the view lists, with its value. */
  Map<String, byte[]> xattrs(byte[] path) throws PosixException;

  /** Whether {@link #lstat} reports the blocks a file takes (java.nio's attributes have no such field). */
  default boolean showsBlocks() {
    return true;
  }

  /**
   * {@code lsattr}'s {@code FS_IOC_GETFLAGS}; like e2fsprogs, EOPNOTSUPP for anything but a regular file or directory
   * (opening one would open a device or block on a fifo).
   */
  int getFlags(byte[] path) throws PosixException;

  /** {@code chattr}'s {@code FS_IOC_SETFLAGS}; EOPNOTSUPP as {@link #getFlags}. */
  void setFlags(byte[] path, int flags) throws PosixException;

  /** Whether {@link #getFlags} works at all (java.nio has no inode flags). */
  default boolean showsFlags() {
    return true;
  }

  /** Whether {@link #xattrs} can show an attribute of this name at all (java.nio sees only user attributes). */
  default boolean showsXattr(String name) {
    return true;
  }
}
