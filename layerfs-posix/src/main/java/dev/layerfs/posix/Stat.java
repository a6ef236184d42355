package dev.layerfs.posix;

/** What {@code statx} reports about a file, with nanosecond times and raw device numbers. */
public record Stat(
    long dev,
    long ino,
    int mode,
    int nlink,
    int uid,
    int gid,
    long rdev,
    long size,
    int blksize,
    long blocks,
    Timespec atime,
    Timespec mtime,
    Timespec ctime,
    Timespec btime,
    long mountId) {

  /** The file type bits ({@code mode & S_IFMT}). */
  public int type() {
    return mode & Posix.S_IFMT;
  }

  /** The permission bits including set-id and sticky ({@code mode & 07777}). */
  public int permissions() {
    return mode & 07777;
  }

  public boolean isDirectory() {
    return type() == Posix.S_IFDIR;
  }

  public boolean isRegularFile() {
    return type() == Posix.S_IFREG;
  }

  public boolean isSymlink() {
    return type() == Posix.S_IFLNK;
  }

  public boolean isCharDevice() {
    return type() == Posix.S_IFCHR;
  }

  public Stat withIno(long newIno) {
    return new Stat(dev, newIno, mode, nlink, uid, gid, rdev, size, blksize, blocks, atime, mtime, ctime, btime, mountId);
  }

  public Stat withDevIno(long newDev, long newIno) {
    return new Stat(newDev, newIno, mode, nlink, uid, gid, rdev, size, blksize, blocks, atime, mtime, ctime, btime, mountId);
  }

  public Stat withBlocks(long newBlocks) {
    return new Stat(dev, ino, mode, nlink, uid, gid, rdev, size, blksize, newBlocks, atime, mtime, ctime, btime, mountId);
  }

  public Stat withNlink(int newNlink) {
    return new Stat(dev, ino, mode, newNlink, uid, gid, rdev, size, blksize, blocks, atime, mtime, ctime, btime, mountId);
  }
}
