package dev.layerfs.fuse.raw;

import dev.layerfs.posix.Errno;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A filesystem as the kernel's FUSE protocol sees it: nodes named by 64-bit ids, one method per request, so that a
 * filesystem engine can be served over {@code /dev/fuse} without knowing the wire format (go-fuse's
 * {@code RawFileSystem}).
 *
 * <p><b>Nodes.</b> Node id 1 is the root. Every successful LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and CREATE, and every
 * READDIRPLUS entry with a node id, hands the kernel one reference to that node, which it gives back with
 * {@link #forget}; a node id must stay valid until all its references are forgotten, even after unlink.
 *
 * <p><b>Answers.</b> Methods answer by filling the output view they are given and returning normally, or fail by
 * throwing {@link FuseException} or {@code PosixException}, whose errno the kernel passes on; any other exception is
 * logged and answered with EIO, and the mount keeps working. Views and {@link Request}s are reused and must not be
 * kept past the call. Names and xattr names are bytes, exactly as the caller gave them.
 *
 * <p><b>Threads.</b> Methods are called concurrently from several reader threads, also for the same node and the
 * same directory. A method may block, but not on another request being answered, and must not unmount the
 * filesystem. Every method defaults to ENOSYS (unless noted), which for most requests the kernel remembers and stops
 * sending.
 *
 * <p><b>Kernel behaviour this server negotiates</b> (see {@code Init}): O_TRUNC arrives with {@link #open}; MKNOD,
 * MKDIR and CREATE carry the caller's umask, which the filesystem applies; the kernel clears set-id bits itself
 * through {@link #setattr}; file locks stay in the kernel and never arrive; with the {@code default_permissions}
 * mount option (the default) the kernel checks permissions itself and {@link #access} is not called.
 */
public interface RawFileSystem {
  /**
   * Called once the kernel's INIT request is negotiated, before it is answered and before any other request; the
   * connection tells what was agreed and sends cache invalidations. Throwing fails the mount.
   */
  default void init(Connection connection) throws IOException {}

  /** Called once when the session ends (unmount, or DESTROY from the kernel), if {@link #init} was called. */
  default void destroy() {}

  /** Looks up {@code name} in directory {@code request.nodeId()}. */
  default void lookup(Request request, byte[] name, EntryOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** The kernel drops {@code lookups} references to {@code nodeId}; no answer is possible, so nothing is thrown. */
  default void forget(long nodeId, long lookups) {}

  /**
   * Answers the attributes of node {@code request.nodeId()}. The kernel's file handle (for {@code fstat}) is not
   * passed: a node id stays valid while any file of it is open, so the node alone answers.
   */
  default void getattr(Request request, AttrOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Changes the attributes {@code in} names and answers all attributes as they are afterwards. */
  default void setattr(Request request, SetattrIn in, AttrOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** The target of symlink {@code request.nodeId()}. */
  default byte[] readlink(Request request) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  default void symlink(Request request, byte[] name, byte[] target, EntryOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /**
   * Creates a non-directory node: a regular file, fifo, socket or device.
   *
   * @param mode file type and permission bits, before {@code umask} is applied
   * @param rdev the device number, as {@code Posix.makedev} builds it
   */
  default void mknod(Request request, byte[] name, int mode, long rdev, int umask, EntryOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Creates a directory; {@code mode} holds permission bits before {@code umask} is applied. */
  default void mkdir(Request request, byte[] name, int mode, int umask, EntryOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  default void unlink(Request request, byte[] name) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  default void rmdir(Request request, byte[] name) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /**
   * Renames {@code name} in directory {@code request.nodeId()} to {@code newName} in {@code newParent}.
   *
   * @param flags 0, or {@code RENAME_NOREPLACE}, {@code RENAME_EXCHANGE} or {@code RENAME_WHITEOUT} from
   *     {@code renameat2}
   */
  default void rename(Request request, byte[] name, long newParent, byte[] newName, int flags) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Makes {@code newName} in directory {@code request.nodeId()} a hard link to node {@code nodeId}. */
  default void link(Request request, long nodeId, byte[] newName, EntryOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Opens file {@code request.nodeId()}; {@code flags} are the {@code open(2)} flags, O_TRUNC included. */
  default void open(Request request, int flags, OpenOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /**
   * Creates and opens a regular file; {@code mode} holds permission bits before {@code umask} is applied. A
   * successful answer both looks the new node up and opens it.
   */
  default void create(Request request, byte[] name, int flags, int mode, int umask, EntryOut entry, OpenOut open)
      throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Reads from {@code offset} into {@code out}, as many bytes as its buffer holds unless the file ends first. */
  default void read(Request request, long handle, long offset, ReadOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Writes {@code data} at {@code offset} and answers how many bytes were written. */
  default int write(Request request, long handle, long offset, MemorySegment data) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Called on every {@code close(2)} of a descriptor for the open file, for errors to report there. */
  default void flush(Request request, long handle) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** The last descriptor of the open file is gone; defaults to doing nothing, since the kernel ignores errors. */
  default void release(Request request, long handle, int flags) throws IOException {}

  default void fsync(Request request, long handle, boolean dataOnly) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  default void opendir(Request request, int flags, OpenOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Lists the directory from {@code offset} (0 for the start, else an offset given with an earlier entry). */
  default void readdir(Request request, long handle, long offset, DirentWriter out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Like {@link #readdir}, with a lookup per entry (see {@link DirentWriter#addPlus}). */
  default void readdirplus(Request request, long handle, long offset, DirentWriter out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Defaults to doing nothing, since the kernel ignores errors. */
  default void releasedir(Request request, long handle) throws IOException {}

  default void fsyncdir(Request request, long handle, boolean dataOnly) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  default void statfs(Request request, StatfsOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Sets an extended attribute; {@code flags} is 0, {@code XATTR_CREATE} or {@code XATTR_REPLACE}. */
  default void setxattr(Request request, byte[] name, byte[] value, int flags) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Puts the value of extended attribute {@code name}, or throws ENODATA when there is none. */
  default void getxattr(Request request, byte[] name, XattrOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Puts the name of every extended attribute. */
  default void listxattr(Request request, XattrOut out) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  default void removexattr(Request request, byte[] name) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Checks {@code access(2)}'s {@code mask}; only called without {@code default_permissions}. */
  default void access(Request request, int mask) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** {@code fallocate(2)}: allocates, punches or zeroes a range, as {@code mode} says. */
  default void fallocate(Request request, long handle, long offset, long length, int mode) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /**
   * {@code ioctl(2)} on open file {@code handle} of node {@code request.nodeId()} (a directory handle when
   * {@code flags} has {@code FUSE_IOCTL_DIR}, 16), and answers how many bytes of {@code out} it filled. The kernel
   * sends the inode-flag commands ({@code FS_IOC_GETFLAGS}, {@code FS_IOC_SETFLAGS}, {@code FS_IOC_FSGETXATTR},
   * {@code FS_IOC_FSSETXATTR}) itself, on a handle it opens for the purpose, for {@code lsattr}, {@code chattr} and
   * {@code file_getattr}; any other command is a program's own {@code ioctl}. Only restricted ioctls arrive: {@code in}
   * holds the argument the command passes in, {@code out} has room for what it passes back, both as large as the
   * command says (an inode-flag command's {@code out} must be filled whole). The default, ENOSYS, reaches the caller
   * as ENOTTY.
   */
  default int ioctl(Request request, long handle, int flags, int command, MemorySegment in, MemorySegment out)
      throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /** Answers the offset for {@code SEEK_DATA} or {@code SEEK_HOLE} ({@code whence}) from {@code offset}. */
  default long lseek(Request request, long handle, long offset, int whence) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }

  /**
   * Copies {@code length} bytes from open file {@code handleIn} of node {@code request.nodeId()} to open file
   * {@code handleOut} of node {@code nodeOut}, and answers how many were copied.
   */
  default long copyFileRange(Request request, long handleIn, long offsetIn, long nodeOut, long handleOut,
      long offsetOut, long length, int flags) throws IOException {
    throw FuseException.of(Errno.ENOSYS);
  }
}
