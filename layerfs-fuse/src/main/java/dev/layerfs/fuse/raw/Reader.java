package dev.layerfs.fuse.raw;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One reader thread of a session: reads a request from the device with one {@code read(2)}, calls the filesystem
 * inline and answers with one {@code writev(2)}, like go-fuse's readers.
 *
 * <p>Each reader owns a request buffer and a reply buffer, both large enough for {@code maxWrite}, and one instance
 * of every view, so serving a request allocates nothing beyond the names it hands the filesystem. Every request
 * that expects an answer gets exactly one: the filesystem's, or an errno for whatever it threw.
 */
final class Reader implements Runnable {
  private static final int BODY = Abi.IN_HEADER_SIZE;
  private static final int PAYLOAD = Abi.OUT_HEADER_SIZE;
  private static final int NO_REPLY = -1;
  private static final int FSYNC_FDATASYNC = 1;
  private static final int SETXATTR_IN_SIZE = 8;
  private static final int SETXATTR_EXT_IN_SIZE = 16;
  private static final int WRITE_IN_SIZE = 40;
  private static final int FORGET_ONE_SIZE = 16;
  /** {@code fuse_ioctl_in}: fh, flags, cmd, arg, in_size, out_size. */
  private static final int IOCTL_IN_SIZE = 32;
  /** {@code fuse_ioctl_out}: result, flags, in_iovs, out_iovs; all 0 for a restricted ioctl that succeeded. */
  private static final int IOCTL_OUT_SIZE = 16;
  /** The size of each opcode's fixed argument structure, checked before it is read. */
  private static final int[] ARGUMENT_SIZE = new int[Opcode.COPY_FILE_RANGE_64 + 1];

  static {
    int[][] sizes = {
      {Opcode.FORGET, 8}, {Opcode.GETATTR, 16}, {Opcode.SETATTR, SetattrIn.SIZE}, {Opcode.MKNOD, 16},
      {Opcode.MKDIR, 8}, {Opcode.RENAME, 8}, {Opcode.LINK, 8}, {Opcode.OPEN, 8}, {Opcode.READ, 40},
      {Opcode.WRITE, WRITE_IN_SIZE}, {Opcode.RELEASE, 24}, {Opcode.FSYNC, 16}, {Opcode.SETXATTR, SETXATTR_IN_SIZE},
      {Opcode.GETXATTR, 8}, {Opcode.LISTXATTR, 8}, {Opcode.FLUSH, 24}, {Opcode.OPENDIR, 8}, {Opcode.READDIR, 40},
      {Opcode.RELEASEDIR, 24}, {Opcode.FSYNCDIR, 16}, {Opcode.ACCESS, 8}, {Opcode.CREATE, 16},
      {Opcode.INTERRUPT, 8}, {Opcode.BATCH_FORGET, 8}, {Opcode.FALLOCATE, 32}, {Opcode.READDIRPLUS, 40},
      {Opcode.RENAME2, 16}, {Opcode.LSEEK, 24}, {Opcode.COPY_FILE_RANGE, 56}, {Opcode.COPY_FILE_RANGE_64, 56},
      {Opcode.IOCTL, IOCTL_IN_SIZE}
    };
    for (int[] size : sizes) {
      ARGUMENT_SIZE[size[0]] = size[1];
    }
  }

  private final Session session;
  private final RawFileSystem fs;
  private final int fd;
  private final Request request = new Request();
  private final EntryOut entry = new EntryOut();
  private final AttrOut attr = new AttrOut();
  private final OpenOut open = new OpenOut();
  private final StatfsOut statfs = new StatfsOut();
  private final SetattrIn setattr = new SetattrIn();

  private MemorySegment in;
  private MemorySegment out;
  private MemorySegment iov;
  private ReadOut read;
  private XattrOut xattr;
  private DirentWriter dirents;
  private MemorySegment writeData;

  // The request being served.
  private int opcode;
  private long end;
  private long cursor;
  private int openFlags;
  private long backedNode;
  /** Its unique while it still needs an answer, else 0. */
  private long pending;

  Reader(Session session, RawFileSystem fs, int fd) {
    this.session = session;
    this.fs = fs;
    this.fd = fd;
  }

  Request request() {
    return request;
  }

  @Override
  public void run() {
    try (Arena arena = Arena.ofConfined()) {
      in = Posix.mmapAnonymous(session.options().requestBufferSize(), arena);
      out = Posix.mmapAnonymous(session.options().replyBufferSize(), arena);
      iov = arena.allocate(16, 8);
      iov.set(ADDRESS, 0, out);
      MemorySegment payload = out.asSlice(PAYLOAD);
      read = new ReadOut(payload);
      xattr = new XattrOut(payload);
      dirents = new DirentWriter(payload);
      boolean serving = true;
      while (serving) {
        try {
          serving = serveOne();
        } catch (Throwable t) {
          answerAfterFailure(t);
        }
      }
    } catch (Throwable t) {
      Session.log().log(Level.ERROR, "FUSE reader " + Thread.currentThread().getName() + " failed", t);
    } finally {
      session.readerExited();
    }
  }

  /**
   * Answers EIO to the request being served when an error escaped its handling (an OutOfMemoryError while logging
   * or replying, say): the caller would otherwise wait forever, and this reader would be gone.
   */
  private void answerAfterFailure(Throwable t) {
    long unanswered = pending;
    pending = 0;
    if (unanswered != 0) {
      reply(unanswered, -Errno.EIO, 0);
    }
    try {
      Session.log().log(Level.ERROR, "FUSE reader " + Thread.currentThread().getName() + ": serving "
          + Opcode.name(opcode) + " failed", t);
    } catch (Throwable again) {
      // Nothing more can be said; the request is answered and the reader goes on.
    }
  }

  /** Serves one request and reports whether to go on: false once the kernel ended the connection. */
  private boolean serveOne() {
    long n;
    try {
      n = Posix.read(fd, in);
    } catch (PosixException e) {
      switch (e.errno()) {
        case Errno.ENOENT, Errno.EAGAIN -> {
          return true; // the request was interrupted before it could be read
        }
        case Errno.ENODEV -> {
          return false; // unmounted or aborted
        }
        default -> {
          Session.log().log(Level.ERROR, "reading the FUSE device failed", e);
          return false;
        }
      }
    }
    if (n == 0) {
      return false; // the device never ends a read with nothing; a test socket does when its peer hangs up
    }
    if (n < BODY) {
      Session.log().log(Level.WARNING, "ignoring a FUSE request of " + n + " bytes, shorter than its header");
      return true;
    }
    serve(n);
    return true;
  }

  private void serve(long n) {
    opcode = in.get(JAVA_INT, Abi.IN_OPCODE);
    long unique = in.get(JAVA_LONG, Abi.IN_UNIQUE);
    long extensions = 8L * Short.toUnsignedInt(in.get(JAVA_SHORT, Abi.IN_TOTAL_EXTLEN));
    end = Math.min(n, Integer.toUnsignedLong(in.get(JAVA_INT, Abi.IN_LEN))) - extensions;
    backedNode = -1;
    pending = opcode == Opcode.FORGET || opcode == Opcode.BATCH_FORGET || opcode == Opcode.NOTIFY_REPLY ? 0 : unique;
    request.begin(unique, in.get(JAVA_LONG, Abi.IN_NODEID), in.get(JAVA_INT, Abi.IN_UID),
        in.get(JAVA_INT, Abi.IN_GID), in.get(JAVA_INT, Abi.IN_PID));
    try {
      if (opcode == Opcode.INIT) {
        init(unique);
        return;
      }
      int length;
      try {
        length = dispatch();
      } catch (Throwable t) {
        int errno = errno(t);
        if (opcode != Opcode.FORGET && opcode != Opcode.BATCH_FORGET && opcode != Opcode.NOTIFY_REPLY) {
          reply(unique, -errno, 0);
        }
        return;
      }
      if (length == NO_REPLY) {
        pending = 0;
      } else if (!reply(unique, 0, length)) {
        undo();
      }
    } finally {
      request.end();
    }
  }

  /** Answers INIT: agrees on a version and features, lets the filesystem start, then reports the mount live. */
  private void init(long unique) {
    Init.Offer offer = Init.Offer.read(in, BODY, (int) (end - BODY));
    if (offer.major() > Abi.MAJOR) {
      // Name our major version and wait for the kernel to offer it in a new INIT.
      Abi.zero(out, PAYLOAD, Init.OUT_SIZE);
      out.set(JAVA_INT, PAYLOAD, Abi.MAJOR);
      out.set(JAVA_INT, PAYLOAD + 4, Abi.MINOR);
      reply(unique, 0, Init.OUT_SIZE);
      return;
    }
    if (offer.major() < Abi.MAJOR || offer.minor() < Abi.MINIMUM_MINOR) {
      reply(unique, -Errno.EPROTO, 0);
      session.failed(new IOException("the kernel speaks FUSE " + offer.major() + "." + offer.minor()
          + ", older than the " + Abi.MAJOR + "." + Abi.MINIMUM_MINOR + " this server needs"));
      return;
    }
    Connection connection =
        new Connection(session, offer, Init.agree(offer, session.options(), session.privileged()));
    try {
      fs.init(connection);
    } catch (Throwable t) {
      reply(unique, -errno(t), 0);
      session.failed(t);
      return;
    }
    session.connect(connection);
    if (reply(unique, 0, connection.agreement().write(out, PAYLOAD))) {
      session.ready(connection);
    } else {
      session.failed(new IOException("the kernel did not take the INIT reply"));
    }
  }

  /**
   * Serves the request by its opcode. Each kind is a method of its own, which this switch only calls: the JIT then
   * compiles each kind a mount uses on its own, when it is used. (The kinds' code inline in one switch made C1 take
   * 29 MB of memory for one compilation and much of a fresh daemon's CPU time: each argument read inlines the memory
   * segment's access checks, ~40 methods.)
   */
  private int dispatch() throws IOException {
    if (opcode > 0 && opcode < ARGUMENT_SIZE.length && end - BODY < ARGUMENT_SIZE[opcode]) {
      Session.log().log(Level.WARNING, Opcode.name(opcode) + " request too short: " + end + " bytes");
      throw FuseException.of(Errno.EIO);
    }
    return switch (opcode) {
      case Opcode.LOOKUP -> lookup();
      case Opcode.FORGET -> forget();
      case Opcode.BATCH_FORGET -> batchForget();
      case Opcode.GETATTR -> getattr();
      case Opcode.SETATTR -> setattr();
      case Opcode.READLINK -> readlink();
      case Opcode.SYMLINK -> symlink();
      case Opcode.MKNOD -> mknod();
      case Opcode.MKDIR -> mkdir();
      case Opcode.UNLINK -> unlink();
      case Opcode.RMDIR -> rmdir();
      case Opcode.RENAME -> rename();
      case Opcode.RENAME2 -> rename2();
      case Opcode.LINK -> link();
      case Opcode.OPEN -> open();
      case Opcode.CREATE -> create();
      case Opcode.READ -> read();
      case Opcode.WRITE -> write();
      case Opcode.STATFS -> statfs();
      case Opcode.RELEASE -> release();
      case Opcode.FSYNC -> fsync();
      case Opcode.SETXATTR -> setxattr();
      case Opcode.GETXATTR -> getxattr();
      case Opcode.LISTXATTR -> listxattr();
      case Opcode.REMOVEXATTR -> removexattr();
      case Opcode.FLUSH -> flush();
      case Opcode.OPENDIR -> opendir();
      case Opcode.READDIR -> readdir();
      case Opcode.READDIRPLUS -> readdirplus();
      case Opcode.RELEASEDIR -> releasedir();
      case Opcode.FSYNCDIR -> fsyncdir();
      case Opcode.ACCESS -> access();
      case Opcode.INTERRUPT -> interrupt();
      case Opcode.DESTROY -> destroy();
      case Opcode.FALLOCATE -> fallocate();
      case Opcode.LSEEK -> lseek();
      case Opcode.COPY_FILE_RANGE, Opcode.COPY_FILE_RANGE_64 -> copyFileRange();
      case Opcode.IOCTL -> ioctl();
      case Opcode.NOTIFY_REPLY -> NO_REPLY; // answers a retrieve this server never sends
      // Not logged: the first stat(1) of every mount asks STATX, and a log call, even one at DEBUG that prints
      // nothing, would make that stat wait for the JDK's logging set-up (25-90 ms).
      default -> throw FuseException.of(Errno.ENOSYS);
    };
  }

  private int lookup() throws IOException {
    fs.lookup(request, name(BODY), entry.bind(out, PAYLOAD));
    return EntryOut.SIZE;
  }

  private int forget() {
    fs.forget(request.nodeId(), u64(BODY));
    return NO_REPLY;
  }

  private int getattr() throws IOException {
    fs.getattr(request, attr.bind(out, PAYLOAD));
    return AttrOut.SIZE;
  }

  private int setattr() throws IOException {
    fs.setattr(request, setattr.bind(in, BODY), attr.bind(out, PAYLOAD));
    return AttrOut.SIZE;
  }

  private int readlink() throws IOException {
    return put(fs.readlink(request));
  }

  private int symlink() throws IOException {
    byte[] name = name(BODY);
    fs.symlink(request, name, name(cursor), entry.bind(out, PAYLOAD));
    return EntryOut.SIZE;
  }

  private int mknod() throws IOException {
    fs.mknod(request, name(BODY + 16), u32(BODY), Attr.decodeDev(u32(BODY + 4)), u32(BODY + 8),
        entry.bind(out, PAYLOAD));
    return EntryOut.SIZE;
  }

  private int mkdir() throws IOException {
    fs.mkdir(request, name(BODY + 8), u32(BODY), u32(BODY + 4), entry.bind(out, PAYLOAD));
    return EntryOut.SIZE;
  }

  private int unlink() throws IOException {
    fs.unlink(request, name(BODY));
    return 0;
  }

  private int rmdir() throws IOException {
    fs.rmdir(request, name(BODY));
    return 0;
  }

  private int rename() throws IOException {
    return rename(8, 0);
  }

  private int rename2() throws IOException {
    return rename(16, u32(BODY + 8));
  }

  private int rename(int argumentSize, int flags) throws IOException {
    long newParent = u64(BODY);
    byte[] name = name(BODY + argumentSize);
    fs.rename(request, name, newParent, name(cursor), flags);
    return 0;
  }

  private int link() throws IOException {
    fs.link(request, u64(BODY), name(BODY + 8), entry.bind(out, PAYLOAD));
    return EntryOut.SIZE;
  }

  private int open() throws IOException {
    openFlags = u32(BODY);
    open.bind(out, PAYLOAD, passthroughBackings());
    try {
      fs.open(request, openFlags, open);
    } catch (Throwable t) {
      open.discardPassthrough();
      throw t;
    }
    bindBacking(request.nodeId());
    return OpenOut.SIZE;
  }

  private int create() throws IOException {
    openFlags = u32(BODY);
    byte[] name = name(BODY + 16);
    entry.bind(out, PAYLOAD);
    open.bind(out, PAYLOAD + EntryOut.SIZE, passthroughBackings());
    try {
      fs.create(request, name, openFlags, u32(BODY + 4), u32(BODY + 8), entry, open);
    } catch (Throwable t) {
      open.discardPassthrough();
      throw t;
    }
    bindBacking(entry.nodeId());
    return EntryOut.SIZE + OpenOut.SIZE;
  }

  private int read() throws IOException {
    fs.read(request, u64(BODY), u64(BODY + 8), read.bind(replyRoom(u32(BODY + 16))));
    return read.length();
  }

  private int write() throws IOException {
    int written = fs.write(request, u64(BODY), u64(BODY + 8), writeData(u32(BODY + 16)));
    out.set(JAVA_LONG, PAYLOAD, Integer.toUnsignedLong(written));
    return 8;
  }

  private int statfs() throws IOException {
    fs.statfs(request, statfs.bind(out, PAYLOAD));
    return StatfsOut.SIZE;
  }

  private int release() throws IOException {
    long handle = u64(BODY);
    try {
      fs.release(request, handle, u32(BODY + 8));
    } finally {
      session.backings().release(request.nodeId(), handle);
    }
    return 0;
  }

  private int fsync() throws IOException {
    fs.fsync(request, u64(BODY), (u32(BODY + 8) & FSYNC_FDATASYNC) != 0);
    return 0;
  }

  private int getxattr() throws IOException {
    int size = u32(BODY);
    fs.getxattr(request, name(BODY + 8), xattr.bind());
    return xattrReply(size);
  }

  private int listxattr() throws IOException {
    int size = u32(BODY);
    fs.listxattr(request, xattr.bind());
    return xattrReply(size);
  }

  private int removexattr() throws IOException {
    fs.removexattr(request, name(BODY));
    return 0;
  }

  private int flush() throws IOException {
    fs.flush(request, u64(BODY));
    return 0;
  }

  private int opendir() throws IOException {
    fs.opendir(request, u32(BODY), open.bind(out, PAYLOAD, null));
    return OpenOut.SIZE;
  }

  private int readdir() throws IOException {
    fs.readdir(request, u64(BODY), u64(BODY + 8), dirents.bind(false, replyRoom(u32(BODY + 16))));
    return dirents.length();
  }

  private int readdirplus() throws IOException {
    fs.readdirplus(request, u64(BODY), u64(BODY + 8), dirents.bind(true, replyRoom(u32(BODY + 16))));
    return dirents.length();
  }

  private int releasedir() throws IOException {
    fs.releasedir(request, u64(BODY));
    return 0;
  }

  private int fsyncdir() throws IOException {
    fs.fsyncdir(request, u64(BODY), (u32(BODY + 8) & FSYNC_FDATASYNC) != 0);
    return 0;
  }

  private int access() throws IOException {
    fs.access(request, u32(BODY));
    return 0;
  }

  private int interrupt() throws FuseException {
    if (!session.interrupt(u64(BODY))) {
      throw FuseException.of(Errno.EAGAIN); // not being served yet: the kernel sends the interrupt again
    }
    return NO_REPLY;
  }

  private int destroy() {
    session.destroy();
    return 0;
  }

  private int fallocate() throws IOException {
    fs.fallocate(request, u64(BODY), u64(BODY + 8), u64(BODY + 16), u32(BODY + 24));
    return 0;
  }

  private int lseek() throws IOException {
    out.set(JAVA_LONG, PAYLOAD, fs.lseek(request, u64(BODY), u64(BODY + 8), u32(BODY + 16)));
    return 8;
  }

  private int copyFileRange() throws IOException {
    long copied = fs.copyFileRange(request, u64(BODY), u64(BODY + 8), u64(BODY + 16), u64(BODY + 24),
        u64(BODY + 32), u64(BODY + 40), (int) u64(BODY + 48));
    // COPY_FILE_RANGE answers a 32-bit fuse_write_out, COPY_FILE_RANGE_64 a 64-bit count.
    out.set(JAVA_LONG, PAYLOAD, opcode == Opcode.COPY_FILE_RANGE ? Math.min(copied, 0xffffffffL) : copied);
    return 8;
  }

  /** The command's input follows {@code fuse_ioctl_in}; its output follows {@code fuse_ioctl_out} in the reply. */
  private int ioctl() throws IOException {
    long inSize = Integer.toUnsignedLong(u32(BODY + 24));
    long outSize = Integer.toUnsignedLong(u32(BODY + 28));
    long start = BODY + IOCTL_IN_SIZE;
    if (start + inSize > end || outSize > out.byteSize() - PAYLOAD - IOCTL_OUT_SIZE) {
      throw FuseException.of(Errno.EINVAL);
    }
    int filled = fs.ioctl(request, u64(BODY), u32(BODY + 8), u32(BODY + 12), in.asSlice(start, inSize),
        out.asSlice(PAYLOAD + IOCTL_OUT_SIZE, outSize));
    Abi.zero(out, PAYLOAD, IOCTL_OUT_SIZE);
    return IOCTL_OUT_SIZE + filled;
  }

  private int setxattr() throws IOException {
    int argumentSize =
        session.connection().agreement().has(Abi.SETXATTR_EXT) ? SETXATTR_EXT_IN_SIZE : SETXATTR_IN_SIZE;
    int size = u32(BODY);
    byte[] name = name(BODY + argumentSize);
    if (cursor + Integer.toUnsignedLong(size) > end) {
      throw FuseException.of(Errno.EINVAL);
    }
    fs.setxattr(request, name, in.asSlice(cursor, size).toArray(JAVA_BYTE), u32(BODY + 4));
    return 0;
  }

  /** Answers the size alone when the caller asked for it (size 0), else the data if it fits. */
  private int xattrReply(int size) throws FuseException {
    if (size == 0) {
      out.set(JAVA_LONG, PAYLOAD, xattr.length());
      return 8;
    }
    if (Integer.compareUnsigned(xattr.length(), size) > 0) {
      throw FuseException.of(Errno.ERANGE);
    }
    return xattr.length();
  }

  private int batchForget() {
    long count = Integer.toUnsignedLong(u32(BODY));
    long at = BODY + 8;
    for (long i = 0; i < count && at + FORGET_ONE_SIZE <= end; i++, at += FORGET_ONE_SIZE) {
      try {
        fs.forget(in.get(JAVA_LONG, at), in.get(JAVA_LONG, at + 8));
      } catch (Throwable t) {
        errno(t);
      }
    }
    return NO_REPLY;
  }

  private Backings passthroughBackings() {
    return session.connection().passthrough() ? session.backings() : null;
  }

  /** Binds the backing file the filesystem registered for this open to the node, and names it in the reply. */
  private void bindBacking(long nodeId) throws FuseException {
    Backings.Candidate candidate = open.candidate();
    if (candidate == null) {
      return;
    }
    try {
      open.backing(session.backings().bind(nodeId, open.handle(), candidate));
      backedNode = nodeId;
    } catch (FuseException e) {
      undo();
      throw e;
    }
  }

  /**
   * Takes back what a successful answer handed out once the kernel did not receive it: the lookups it counted and
   * the files it opened, so the filesystem's counts stay true.
   */
  private void undo() {
    try {
      switch (opcode) {
        case Opcode.LOOKUP, Opcode.MKNOD, Opcode.MKDIR, Opcode.SYMLINK, Opcode.LINK -> forget(entry);
        case Opcode.CREATE -> {
          forget(entry);
          releaseOpen();
        }
        case Opcode.OPEN -> releaseOpen();
        case Opcode.OPENDIR -> fs.releasedir(request, open.handle());
        case Opcode.READDIRPLUS -> dirents.forgetLookups(fs);
        default -> {
          // nothing was handed out
        }
      }
    } catch (Throwable t) {
      Session.log().log(Level.WARNING, "could not take back an undelivered " + Opcode.name(opcode), t);
    }
  }

  private void forget(EntryOut answered) {
    if (answered.nodeId() != 0) {
      fs.forget(answered.nodeId(), 1);
    }
  }

  private void releaseOpen() throws IOException {
    if (backedNode >= 0) {
      session.backings().release(backedNode, open.handle());
    }
    fs.release(request, open.handle(), openFlags);
  }

  /** Writes the reply header for {@code length} payload bytes and sends it; false if the kernel did not take it. */
  private boolean reply(long unique, int error, int length) {
    pending = 0;
    int total = PAYLOAD + length;
    out.set(JAVA_INT, Abi.OUT_LEN, total);
    out.set(JAVA_INT, Abi.OUT_ERROR, error);
    out.set(JAVA_LONG, Abi.OUT_UNIQUE, unique);
    iov.set(JAVA_LONG, 8, total);
    try {
      Posix.writev(fd, iov, 1);
      return true;
    } catch (PosixException e) {
      // ENOENT: the request was interrupted and is gone; ENODEV: the connection ended.
      if (e.errno() != Errno.ENOENT && e.errno() != Errno.ENODEV) {
        Session.log().log(Level.WARNING, "answering " + Opcode.name(opcode) + " failed", e);
      }
      return false;
    }
  }

  private int errno(Throwable t) {
    if (t instanceof FuseException e) {
      return e.errno();
    }
    if (t instanceof PosixException e && e.errno() > 0 && e.errno() < 4096) {
      return e.errno();
    }
    Session.log().log(Level.WARNING, Opcode.name(opcode) + " of node " + request.nodeId() + " failed", t);
    return Errno.EIO;
  }

  /** The NUL-terminated name at {@code at}; {@link #cursor} moves past its NUL. */
  private byte[] name(long at) throws FuseException {
    for (long p = at; p < end; p++) {
      if (in.get(JAVA_BYTE, p) == 0) {
        cursor = p + 1;
        return in.asSlice(at, p - at).toArray(JAVA_BYTE);
      }
    }
    throw FuseException.of(Errno.EINVAL);
  }

  private int put(byte[] bytes) throws FuseException {
    if (bytes.length > out.byteSize() - PAYLOAD) {
      throw FuseException.of(Errno.ENAMETOOLONG);
    }
    MemorySegment.copy(bytes, 0, out, JAVA_BYTE, PAYLOAD, bytes.length);
    return bytes.length;
  }

  /** As much of {@code requested} as the reply buffer holds; the kernel takes shorter answers. */
  private int replyRoom(int requested) {
    return (int) Math.min(Integer.toUnsignedLong(requested), out.byteSize() - PAYLOAD);
  }

  private MemorySegment writeData(int size) throws FuseException {
    long start = BODY + WRITE_IN_SIZE;
    if (start + Integer.toUnsignedLong(size) > end) {
      throw FuseException.of(Errno.EINVAL);
    }
    if (writeData == null || writeData.byteSize() != size) {
      writeData = in.asSlice(start, size);
    }
    return writeData;
  }

  private int u32(long at) {
    return in.get(JAVA_INT, at);
  }

  private long u64(long at) {
    return in.get(JAVA_LONG, at);
  }
}
