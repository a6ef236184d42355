package dev.layerfs.fuse.raw;

/**
 * The request opcodes of the kernel protocol through 7.45 ({@code enum fuse_opcode}), so that logs can name even
 * the requests this server answers with {@code ENOSYS}.
 */
final class Opcode {
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int GETLK = 31;
  static final int SETLK = 32;
  static final int SETLKW = 33;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  static final int INTERRUPT = 36;
  static final int BMAP = 37;
  static final int DESTROY = 38;
  static final int IOCTL = 39;
  static final int POLL = 40;
  static final int NOTIFY_REPLY = 41;
  static final int BATCH_FORGET = 42;
  static final int FALLOCATE = 43;
  static final int READDIRPLUS = 44;
  static final int RENAME2 = 45;
  static final int LSEEK = 46;
  static final int COPY_FILE_RANGE = 47;
  static final int SETUPMAPPING = 48;
  static final int REMOVEMAPPING = 49;
  static final int SYNCFS = 50;
  static final int TMPFILE = 51;
  static final int STATX = 52;
  static final int COPY_FILE_RANGE_64 = 53;

  private static final String[] NAMES = new String[COPY_FILE_RANGE_64 + 1];

  static {
    String[] names = {
      null, "LOOKUP", "FORGET", "GETATTR", "SETATTR", "READLINK", "SYMLINK", null, "MKNOD", "MKDIR", "UNLINK",
      "RMDIR", "RENAME", "LINK", "OPEN", "READ", "WRITE", "STATFS", "RELEASE", null, "FSYNC", "SETXATTR",
      "GETXATTR", "LISTXATTR", "REMOVEXATTR", "FLUSH", "INIT", "OPENDIR", "READDIR", "RELEASEDIR", "FSYNCDIR",
      "GETLK", "SETLK", "SETLKW", "ACCESS", "CREATE", "INTERRUPT", "BMAP", "DESTROY", "IOCTL", "POLL",
      "NOTIFY_REPLY", "BATCH_FORGET", "FALLOCATE", "READDIRPLUS", "RENAME2", "LSEEK", "COPY_FILE_RANGE",
      "SETUPMAPPING", "REMOVEMAPPING", "SYNCFS", "TMPFILE", "STATX", "COPY_FILE_RANGE_64"
    };
    System.arraycopy(names, 0, NAMES, 0, names.length);
  }

  private Opcode() {}

  /** The protocol's name for {@code opcode}, such as {@code LOOKUP}, or {@code OPCODE_n} for unknown ones. */
  static String name(int opcode) {
    String name = opcode > 0 && opcode < NAMES.length ? NAMES[opcode] : null;
    return name != null ? name : "OPCODE_" + Integer.toUnsignedString(opcode);
  }
}
