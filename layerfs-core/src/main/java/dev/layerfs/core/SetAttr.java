package dev.layerfs.core;

import dev.layerfs.posix.Timespec;

/**
 * The attribute changes of one setattr call; a field left at its {@code KEEP} value is not changed, as with
 * {@code chown(f, -1, gid)}.
 */
public record SetAttr(int mode, int uid, int gid, long size, Timespec atime, Timespec mtime) {
  public static final int KEEP = -1;
  public static final SetAttr NONE = new SetAttr(KEEP, KEEP, KEEP, KEEP, null, null);

  public static SetAttr mode(int mode) {
    return NONE.withMode(mode);
  }

  public static SetAttr owner(int uid, int gid) {
    return new SetAttr(KEEP, uid, gid, KEEP, null, null);
  }

  public static SetAttr size(long size) {
    return new SetAttr(KEEP, KEEP, KEEP, size, null, null);
  }

  /** Times to set; {@link Timespec#NOW} means now, null or {@link Timespec#OMIT} leaves one alone. */
  public static SetAttr times(Timespec atime, Timespec mtime) {
    return new SetAttr(KEEP, KEEP, KEEP, KEEP, atime, mtime);
  }

  public SetAttr withMode(int newMode) {
    return new SetAttr(newMode, uid, gid, size, atime, mtime);
  }

  boolean changesTimes() {
    return (atime != null && atime != Timespec.OMIT) || (mtime != null && mtime != Timespec.OMIT);
  }
}
