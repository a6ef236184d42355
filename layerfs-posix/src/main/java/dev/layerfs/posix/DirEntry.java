package dev.layerfs.posix;

/** One entry of {@code getdents64}: a name (bytes), its inode number and its {@code DT_*} type. */
public record DirEntry(byte[] name, long ino, int type) {
  public static final int DT_UNKNOWN = 0;
  public static final int DT_FIFO = 1;
  public static final int DT_CHR = 2;
  public static final int DT_DIR = 4;
  public static final int DT_BLK = 6;
  public static final int DT_REG = 8;
  public static final int DT_LNK = 10;
  public static final int DT_SOCK = 12;

  /** The {@code DT_*} value for a file type taken from {@code st_mode}. */
  public static int typeOfMode(int mode) {
    return (mode & Posix.S_IFMT) >>> 12;
  }

  /** The {@code S_IF*} file type bits for a {@code DT_*} value. */
  public static int modeOfType(int type) {
    return type << 12;
  }
}
