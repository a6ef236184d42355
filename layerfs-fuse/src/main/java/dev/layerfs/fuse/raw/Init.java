package dev.layerfs.fuse.raw;

import static dev.layerfs.fuse.raw.Abi.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The INIT handshake: which protocol version and which kernel features a session uses, decided once per mount.
 *
 * <p>The decision for every flag the kernel may offer, and why:
 * <table>
 *   <caption>INIT flags</caption>
 *   <tr><th>flag</th><th>asked for</th><th>why</th></tr>
 *   <tr><td>ASYNC_READ</td><td>yes</td><td>readahead and concurrent reads of one file may overlap</td></tr>
 *   <tr><td>POSIX_LOCKS, FLOCK_LOCKS</td><td>no</td><td>the kernel then keeps {@code fcntl} and {@code flock}
 *       locks itself, which is right for a filesystem only this host serves; GETLK/SETLK never arrive</td></tr>
 *   <tr><td>ATOMIC_O_TRUNC</td><td>yes</td><td>O_TRUNC reaches OPEN instead of a separate SETATTR, so a
 *       filesystem can truncate while it opens (an overlay need not copy data up only to drop it)</td></tr>
 *   <tr><td>EXPORT_SUPPORT</td><td>no; NO_EXPORT_SUPPORT yes</td><td>node ids do not survive a restart, so NFS
 *       export and {@code open_by_handle_at} are refused outright instead of failing with ESTALE later</td></tr>
 *   <tr><td>BIG_WRITES, MAX_PAGES</td><td>yes</td><td>writes of up to {@code maxWrite} (1 MiB by default; 128 KiB
 *       on kernels without MAX_PAGES)</td></tr>
 *   <tr><td>DONT_MASK</td><td>yes</td><td>the caller's umask arrives with MKNOD, MKDIR and CREATE and the
 *       filesystem applies it, as a filesystem with default ACLs must</td></tr>
 *   <tr><td>SPLICE_READ/WRITE/MOVE</td><td>no</td><td>Java cannot splice; data moves through native buffers</td></tr>
 *   <tr><td>HAS_IOCTL_DIR</td><td>no</td><td>the kernel offers it to say ioctls on directories may reach the
 *       server; it sends them (7.18 on) and the inode-flag requests whatever the answer</td></tr>
 *   <tr><td>AUTO_INVAL_DATA</td><td>yes</td><td>cached pages are dropped when size or mtime change</td></tr>
 *   <tr><td>DO_READDIRPLUS, READDIRPLUS_AUTO</td><td>unless disabled</td><td>{@code ls -l} then needs no LOOKUP per
 *       entry; the kernel picks READDIR or READDIRPLUS per call</td></tr>
 *   <tr><td>ASYNC_DIO</td><td>yes</td><td>direct I/O is submitted concurrently</td></tr>
 *   <tr><td>WRITEBACK_CACHE</td><td>when configured</td><td>faster small writes, but the kernel then owns
 *       mtime and size; the kernel refuses it together with PASSTHROUGH, and passthrough wins</td></tr>
 *   <tr><td>NO_OPEN_SUPPORT</td><td>no</td><td>every open of a file reaches the filesystem</td></tr>
 *   <tr><td>NO_OPENDIR_SUPPORT</td><td>when offered</td><td>the kernel says it can open directories itself: a
 *       filesystem that answers OPENDIR with ENOSYS ({@link Connection#opensDirectoriesItself}) spares every later
 *       {@code opendir} its OPENDIR and RELEASEDIR round trips, and the kernel still caches listings</td></tr>
 *   <tr><td>PARALLEL_DIROPS</td><td>yes</td><td>lookups and readdir in one directory run concurrently; a
 *       filesystem is called from several threads anyway</td></tr>
 *   <tr><td>HANDLE_KILLPRIV, HANDLE_KILLPRIV_V2</td><td>no</td><td>the kernel clears set-id bits and
 *       {@code security.capability} itself through SETATTR and REMOVEXATTR, so no filesystem can forget to. With
 *       either, {@code fuse_setattr} drops the clearing of set-id bits that a write by another user asks for and
 *       leaves it to the server's WRITE, which passthrough writes never reach; and the GETXATTR of
 *       {@code security.capability} that V2 spares writes is still asked before the first write after every
 *       attribute refresh (FUSE clears {@code S_NOSEC} then), so once per newly created file</td></tr>
 *   <tr><td>POSIX_ACL</td><td>with {@code default_permissions}</td><td>the kernel caches each inode's ACLs
 *       (asked once, then {@code ls -l}'s {@code getxattr} of {@code system.posix_acl_access} is answered without a
 *       request) and checks permissions with them, as the kernel's overlay does; it would force
 *       {@code default_permissions} on, so a mount without it keeps passing ACL xattrs through as data</td></tr>
 *   <tr><td>ABORT_ERROR</td><td>no</td><td>ENODEV is what ends a session</td></tr>
 *   <tr><td>CACHE_SYMLINKS</td><td>yes</td><td>symlink targets never change</td></tr>
 *   <tr><td>EXPLICIT_INVAL_DATA</td><td>no</td><td>AUTO_INVAL_DATA instead</td></tr>
 *   <tr><td>MAP_ALIGNMENT, SUBMOUNTS, HAS_INODE_DAX</td><td>no</td><td>virtiofs only</td></tr>
 *   <tr><td>SETXATTR_EXT</td><td>yes</td><td>the extended {@code fuse_setxattr_in} carries setxattr flags</td></tr>
 *   <tr><td>INIT_EXT</td><td>when offered</td><td>needed to negotiate anything in flags2</td></tr>
 *   <tr><td>SECURITY_CTX, CREATE_SUPP_GROUP</td><td>no</td><td>no request extensions: ownership comes from the
 *       caller's uid and gid</td></tr>
 *   <tr><td>DIRECT_IO_ALLOW_MMAP</td><td>yes</td><td>files opened with direct I/O can still be mmap'ed
 *       shared</td></tr>
 *   <tr><td>PASSTHROUGH</td><td>when configured, offered and privileged</td><td>reads and writes of opened files
 *       go to a backing file without entering the daemon; registering backing files needs CAP_SYS_ADMIN</td></tr>
 *   <tr><td>HAS_RESEND, ALLOW_IDMAP, OVER_IO_URING, REQUEST_TIMEOUT</td><td>no</td><td>not used</td></tr>
 * </table>
 */
final class Init {
  /** The kernel's default request size limit without MAX_PAGES: 32 pages. */
  static final int LEGACY_MAX_WRITE = 128 * 1024;
  private static final int PAGE_SIZE = 4096;
  private static final int MAX_BACKGROUND = 64;
  private static final int CONGESTION_THRESHOLD = MAX_BACKGROUND * 3 / 4;

  private static final long ALWAYS = ASYNC_READ | ATOMIC_O_TRUNC | BIG_WRITES | DONT_MASK | AUTO_INVAL_DATA
      | ASYNC_DIO | PARALLEL_DIROPS | MAX_PAGES | CACHE_SYMLINKS | NO_OPENDIR_SUPPORT | SETXATTR_EXT | INIT_EXT
      | DIRECT_IO_ALLOW_MMAP | NO_EXPORT_SUPPORT;

  // struct fuse_init_in
  private static final long IN_MAJOR = 0;
  private static final long IN_MINOR = 4;
  private static final long IN_MAX_READAHEAD = 8;
  private static final long IN_FLAGS = 12;
  private static final long IN_FLAGS2 = 16;
  private static final int IN_SIZE_WITHOUT_FLAGS2 = 16;
  // struct fuse_init_out
  private static final long OUT_MAJOR = 0;
  private static final long OUT_MINOR = 4;
  private static final long OUT_MAX_READAHEAD = 8;
  private static final long OUT_FLAGS = 12;
  private static final long OUT_MAX_BACKGROUND = 16;
  private static final long OUT_CONGESTION_THRESHOLD = 18;
  private static final long OUT_MAX_WRITE = 20;
  private static final long OUT_TIME_GRAN = 24;
  private static final long OUT_MAX_PAGES = 28;
  private static final long OUT_FLAGS2 = 32;
  private static final long OUT_MAX_STACK_DEPTH = 36;
  static final int OUT_SIZE = 64;
  /** Up to 7.22 {@code fuse_init_out} ended after {@code max_write}. */
  static final int OUT_SIZE_7_22 = 24;

  private static final String[] FLAG_NAMES = {
    "ASYNC_READ", "POSIX_LOCKS", "FILE_OPS", "ATOMIC_O_TRUNC", "EXPORT_SUPPORT", "BIG_WRITES", "DONT_MASK",
    "SPLICE_WRITE", "SPLICE_MOVE", "SPLICE_READ", "FLOCK_LOCKS", "HAS_IOCTL_DIR", "AUTO_INVAL_DATA",
    "DO_READDIRPLUS", "READDIRPLUS_AUTO", "ASYNC_DIO", "WRITEBACK_CACHE", "NO_OPEN_SUPPORT", "PARALLEL_DIROPS",
    "HANDLE_KILLPRIV", "POSIX_ACL", "ABORT_ERROR", "MAX_PAGES", "CACHE_SYMLINKS", "NO_OPENDIR_SUPPORT",
    "EXPLICIT_INVAL_DATA", "MAP_ALIGNMENT", "SUBMOUNTS", "HANDLE_KILLPRIV_V2", "SETXATTR_EXT", "INIT_EXT",
    "INIT_RESERVED", "SECURITY_CTX", "HAS_INODE_DAX", "CREATE_SUPP_GROUP", "HAS_EXPIRE_ONLY",
    "DIRECT_IO_ALLOW_MMAP", "PASSTHROUGH", "NO_EXPORT_SUPPORT", "HAS_RESEND", "ALLOW_IDMAP", "OVER_IO_URING",
    "REQUEST_TIMEOUT"
  };

  private Init() {}

  /** What the kernel offered in its INIT request. */
  record Offer(int major, int minor, int maxReadahead, long flags) {
    /** Reads {@code fuse_init_in}, whose {@code flags2} exists from 7.36 when INIT_EXT is set. */
    static Offer read(MemorySegment in, long at, int length) {
      long flags = Integer.toUnsignedLong(in.get(ValueLayout.JAVA_INT, at + IN_FLAGS));
      if ((flags & INIT_EXT) != 0 && length > IN_SIZE_WITHOUT_FLAGS2) {
        flags |= Integer.toUnsignedLong(in.get(ValueLayout.JAVA_INT, at + IN_FLAGS2)) << 32;
      }
      return new Offer(in.get(ValueLayout.JAVA_INT, at + IN_MAJOR), in.get(ValueLayout.JAVA_INT, at + IN_MINOR),
          in.get(ValueLayout.JAVA_INT, at + IN_MAX_READAHEAD), flags);
    }
  }

  /** The settings both sides use from INIT on. */
  record Agreement(int minor, long flags, int maxReadahead, int maxWrite, int maxStackDepth) {
    boolean has(long flag) {
      return (flags & flag) == flag;
    }

    /** Writes {@code fuse_init_out} at {@code at} and answers its length for this minor. */
    int write(MemorySegment out, long at) {
      Abi.zero(out, at, OUT_SIZE);
      out.set(ValueLayout.JAVA_INT, at + OUT_MAJOR, MAJOR);
      out.set(ValueLayout.JAVA_INT, at + OUT_MINOR, minor);
      out.set(ValueLayout.JAVA_INT, at + OUT_MAX_READAHEAD, maxReadahead);
      out.set(ValueLayout.JAVA_INT, at + OUT_FLAGS, (int) flags);
      out.set(ValueLayout.JAVA_SHORT, at + OUT_MAX_BACKGROUND, (short) MAX_BACKGROUND);
      out.set(ValueLayout.JAVA_SHORT, at + OUT_CONGESTION_THRESHOLD, (short) CONGESTION_THRESHOLD);
      out.set(ValueLayout.JAVA_INT, at + OUT_MAX_WRITE, maxWrite);
      if (minor <= 22) {
        return OUT_SIZE_7_22;
      }
      out.set(ValueLayout.JAVA_INT, at + OUT_TIME_GRAN, 1);
      if (has(MAX_PAGES)) {
        out.set(ValueLayout.JAVA_SHORT, at + OUT_MAX_PAGES, (short) Math.min(0xffff, ceilDiv(maxWrite, PAGE_SIZE)));
      }
      out.set(ValueLayout.JAVA_INT, at + OUT_FLAGS2, (int) (flags >>> 32));
      out.set(ValueLayout.JAVA_INT, at + OUT_MAX_STACK_DEPTH, maxStackDepth);
      return OUT_SIZE;
    }

    @Override
    public String toString() {
      return "7." + minor + " maxWrite=" + maxWrite + " maxReadahead=" + maxReadahead
          + (maxStackDepth > 0 ? " maxStackDepth=" + maxStackDepth : "") + " " + flagNames(flags);
    }
  }

  /**
   * Decides the agreement for an offer whose major version is 7 and minor at least {@link Abi#MINIMUM_MINOR}.
   *
   * @param privileged whether the daemon may register backing files (CAP_SYS_ADMIN), which passthrough needs
   */
  static Agreement agree(Offer offer, Options options, boolean privileged) {
    long offered = offer.flags();
    long flags = offered & ALWAYS;
    if (options.readdirplus()) {
      flags |= offered & (DO_READDIRPLUS | READDIRPLUS_AUTO);
    }
    if (options.defaultPermissions()) {
      flags |= offered & POSIX_ACL;
    }
    boolean passthrough = options.passthrough() && privileged && (offered & PASSTHROUGH) != 0;
    if (passthrough) {
      flags |= PASSTHROUGH;
    } else if (options.writebackCache()) {
      flags |= offered & WRITEBACK_CACHE;
    }
    int maxWrite = (offered & MAX_PAGES) != 0 ? options.maxWrite() : Math.min(options.maxWrite(), LEGACY_MAX_WRITE);
    return new Agreement(Math.min(offer.minor(), MINOR), flags, offer.maxReadahead(), maxWrite,
        passthrough ? options.maxStackDepth() : 0);
  }

  /** The names of the set bits, such as {@code [ASYNC_READ, BIG_WRITES]}. */
  static List<String> flagNames(long flags) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < 64; bit++) {
      if ((flags & (1L << bit)) != 0) {
        names.add(bit < FLAG_NAMES.length ? FLAG_NAMES[bit] : "BIT_" + bit);
      }
    }
    return names;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
