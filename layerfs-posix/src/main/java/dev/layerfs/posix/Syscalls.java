package dev.layerfs.posix;

/**
 * The system call numbers the bindings use, for the two architectures layerfs runs on: x86_64's own table and the
 * generic one aarch64 uses ({@code asm/unistd_64.h}, {@code asm-generic/unistd.h}). They are what glibc's wrappers
 * would pass; every call goes through {@code syscall(2)} so that one downcall stub serves them all (see
 * {@link Native}).
 */
final class Syscalls {
  private static final boolean AARCH64 = switch (System.getProperty("os.arch")) {
    case "aarch64" -> true;
    case "amd64", "x86_64" -> false;
    default -> throw new ExceptionInInitializerError(
        "layerfs runs on x86_64 and aarch64 Linux, not on " + System.getProperty("os.arch"));
  };

  static final long READ = nr(0, 63);
  static final long WRITE = nr(1, 64);
  static final long CLOSE = nr(3, 57);
  static final long LSEEK = nr(8, 62);
  static final long MMAP = nr(9, 222);
  static final long MUNMAP = nr(11, 215);
  static final long IOCTL = nr(16, 29);
  static final long PREAD64 = nr(17, 67);
  static final long PWRITE64 = nr(18, 68);
  static final long WRITEV = nr(20, 66);
  static final long DUP = nr(32, 23);
  static final long GETPID = nr(39, 172);
  static final long RECVMSG = nr(47, 212);
  static final long SOCKETPAIR = nr(53, 199);
  static final long WAIT4 = nr(61, 260);
  static final long FCNTL = nr(72, 25);
  static final long FLOCK = nr(73, 32);
  static final long FSYNC = nr(74, 82);
  static final long FDATASYNC = nr(75, 83);
  static final long FTRUNCATE = nr(77, 46);
  static final long FCHMOD = nr(91, 52);
  static final long UMASK = nr(95, 166);
  static final long GETEUID = nr(107, 175);
  static final long GETEGID = nr(108, 177);
  static final long FSTATFS = nr(138, 44);
  static final long MOUNT = nr(165, 40);
  static final long UMOUNT2 = nr(166, 39);
  static final long SETXATTR = nr(188, 5);
  static final long LSETXATTR = nr(189, 6);
  static final long GETXATTR = nr(191, 8);
  static final long LGETXATTR = nr(192, 9);
  static final long LISTXATTR = nr(194, 11);
  static final long LLISTXATTR = nr(195, 12);
  static final long REMOVEXATTR = nr(197, 14);
  static final long LREMOVEXATTR = nr(198, 15);
  static final long GETDENTS64 = nr(217, 61);
  static final long OPENAT = nr(257, 56);
  static final long MKDIRAT = nr(258, 34);
  static final long MKNODAT = nr(259, 33);
  static final long FCHOWNAT = nr(260, 54);
  static final long UNLINKAT = nr(263, 35);
  static final long LINKAT = nr(265, 37);
  static final long SYMLINKAT = nr(266, 36);
  static final long READLINKAT = nr(267, 78);
  static final long FCHMODAT = nr(268, 53);
  static final long UTIMENSAT = nr(280, 88);
  static final long FALLOCATE = nr(285, 47);
  static final long DUP3 = nr(292, 24);
  static final long PIPE2 = nr(293, 59);
  static final long NAME_TO_HANDLE_AT = nr(303, 264);
  static final long OPEN_BY_HANDLE_AT = nr(304, 265);
  static final long SYNCFS = nr(306, 267);
  static final long RENAMEAT2 = nr(316, 276);
  static final long GETRANDOM = nr(318, 278);
  static final long COPY_FILE_RANGE = nr(326, 285);
  static final long STATX = nr(332, 291);
  /** Linux 6.13; numbered alike on x86_64 and aarch64, as the calls since 424 are on both. */
  static final long SETXATTRAT = 463;
  static final long GETXATTRAT = 464;
  static final long LISTXATTRAT = 465;
  static final long REMOVEXATTRAT = 466;

  private Syscalls() {}

  private static long nr(long x86_64, long aarch64) {
    return AARCH64 ? aarch64 : x86_64;
  }
}
