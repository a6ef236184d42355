package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.core.OpenFile;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A file of an overlay view, read and written with {@code pread}/{@code pwrite} straight on the descriptor the
 * engine opened in the file's layer: no lookup and no lock of the engine per call, and no copy for direct buffers.
 *
 * <p>What only the JDK's own channel can give ({@link #map}, {@link #lock}, and the kernel-side copy of
 * {@link #transferTo} to a plain file channel) comes from a {@link FileChannel} opened on the same file through
 * {@code /proc/self/fd}, made the first time one of them is asked for. Measured on a 4 KiB file, opening that
 * second channel every time would make {@code Files.readAllBytes} about 1.6 times slower than the plain JDK;
 * reading on the engine's descriptor is as fast as it.
 *
 * <p>Calls never race with {@link #close}: they hold a shared lock that closing takes exclusively, so a
 * descriptor is never closed (and perhaps reused) under a running {@code pread}. The channel is therefore not
 * closed by interrupts; an interrupted thread's call completes.
 */
final class OverlayFileChannel extends FileChannel {
  private static final int MAX_BUFFER = 1 << 20;
  private static final int MIN_BUFFER = 1 << 13;
  /** Per-thread native memory for heap buffers, like the JDK's temporary direct buffers. */
  private static final ThreadLocal<MemorySegment> BUFFERS = new ThreadLocal<>();

  private final OverlayFileSystem fs;
  private final OpenFile file;
  private final OverlayPath path;
  /** Where the file was opened: its directory (for watch events) and the references that keep it. */
  private final Node dir;
  private final byte[] name;
  private final AutoCloseable references;
  private final Mode mode;
  private final Object positionLock = new Object();
  private final ReentrantReadWriteLock inUse = new ReentrantReadWriteLock();
  private long position;
  private volatile FileChannel jdkChannel;

  OverlayFileChannel(OverlayFileSystem fs, OpenFile file, OverlayPath path, Node dir, byte[] name,
      AutoCloseable references, Mode mode) {
    this.fs = fs;
    this.file = file;
    this.path = path;
    this.dir = dir;
    this.name = name;
    this.references = references;
    this.mode = mode;
  }

  /** What a channel was opened for, from the {@link OpenOption}s as the JDK reads them. */
  record Mode(boolean read, boolean write, boolean append, boolean truncate, boolean create, boolean createNew,
      boolean deleteOnClose, boolean sync, boolean dsync, boolean noFollow) {
    static Mode of(Set<? extends OpenOption> options) {
      Set<StandardOpenOption> std = EnumSet.noneOf(StandardOpenOption.class);
      boolean noFollow = false;
      for (OpenOption option : options) {
        if (option instanceof StandardOpenOption s) {
          std.add(s);
        } else if (option == LinkOption.NOFOLLOW_LINKS) {
          noFollow = true;
        } else if (option == null) {
          throw new NullPointerException();
        } else {
          throw new UnsupportedOperationException("unsupported open option " + option);
        }
      }
      boolean append = std.contains(StandardOpenOption.APPEND);
      boolean write = std.contains(StandardOpenOption.WRITE) || append;
      boolean read = std.contains(StandardOpenOption.READ) || !write;
      if (read && append) {
        throw new IllegalArgumentException("READ + APPEND not allowed");
      }
      boolean truncate = write && std.contains(StandardOpenOption.TRUNCATE_EXISTING);
      if (append && truncate) {
        throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
      }
      boolean createNew = write && std.contains(StandardOpenOption.CREATE_NEW);
      boolean create = write && !createNew && std.contains(StandardOpenOption.CREATE);
      return new Mode(read, write, append, truncate, create, createNew,
          std.contains(StandardOpenOption.DELETE_ON_CLOSE), std.contains(StandardOpenOption.SYNC),
          std.contains(StandardOpenOption.DSYNC), noFollow);
    }

    /** The {@code open(2)} flags, without those for creating. */
    int flags() {
      int flags = read && write ? Posix.O_RDWR : write ? Posix.O_WRONLY : Posix.O_RDONLY;
      if (append) {
        flags |= Posix.O_APPEND;
      }
      if (truncate) {
        flags |= Posix.O_TRUNC;
      }
      if (sync) {
        flags |= Posix.O_SYNC;
      }
      if (dsync) {
        flags |= Posix.O_DSYNC;
      }
      return flags;
    }
  }

  // ---------------------------------------------------------------- reading and writing

  @Override
  public int read(ByteBuffer dst) throws IOException {
    checkReadable();
    synchronized (positionLock) {
      int n = readAt(dst, position);
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, dsts.length);
    checkReadable();
    synchronized (positionLock) {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        ByteBuffer dst = dsts[i];
        if (!dst.hasRemaining()) {
          continue;
        }
        int n = readAt(dst, position);
        if (n < 0) {
          return total == 0 ? -1 : total;
        }
        position += n;
        total += n;
        if (dst.hasRemaining()) {
          break;
        }
      }
      return total;
    }
  }

  @Override
  public int read(ByteBuffer dst, long at) throws IOException {
    if (at < 0) {
      throw new IllegalArgumentException("negative position " + at);
    }
    checkReadable();
    return readAt(dst, at);
  }

  private int readAt(ByteBuffer dst, long at) throws IOException {
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("Read-only buffer");
    }
    int want = dst.remaining();
    Lock lock = enter();
    try {
      if (want == 0) {
        return 0;
      }
      long n;
      MemorySegment target = MemorySegment.ofBuffer(dst);
      if (dst.isDirect()) {
        n = file.read(target, at);
      } else {
        int chunk = Math.min(want, MAX_BUFFER);
        MemorySegment buffer = buffer(chunk);
        n = file.read(buffer.asSlice(0, chunk), at);
        MemorySegment.copy(buffer, 0, target, 0, n);
      }
      if (n == 0) {
        return -1;
      }
      dst.position(dst.position() + (int) n);
      return (int) n;
    } catch (PosixException e) {
      throw failure(e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    checkWritable();
    synchronized (positionLock) {
      int n = (int) writeAt(src, position);
      if (!mode.append) {
        position += n;
      }
      return n;
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, srcs.length);
    checkWritable();
    synchronized (positionLock) {
      long total = 0;
      for (int i = offset; i < offset + length; i++) {
        long n = writeAt(srcs[i], position);
        if (!mode.append) {
          position += n;
        }
        total += n;
      }
      return total;
    }
  }

  @Override
  public int write(ByteBuffer src, long at) throws IOException {
    if (at < 0) {
      throw new IllegalArgumentException("negative position " + at);
    }
    checkWritable();
    return (int) writeAt(src, at);
  }

  /** Writes all of {@code src}; in append mode Linux's {@code pwrite} ignores the offset and appends. */
  private long writeAt(ByteBuffer src, long at) throws IOException {
    long total = 0;
    Lock lock = enter();
    try {
      while (src.hasRemaining()) {
        int want = src.remaining();
        MemorySegment source = MemorySegment.ofBuffer(src);
        long n;
        if (src.isDirect()) {
          n = file.write(source, at + total);
        } else {
          int chunk = Math.min(want, MAX_BUFFER);
          MemorySegment buffer = buffer(chunk);
          MemorySegment.copy(source, 0, buffer, 0, chunk);
          n = file.write(buffer.asSlice(0, chunk), at + total);
        }
        src.position(src.position() + (int) n);
        total += n;
      }
    } catch (PosixException e) {
      throw failure(e);
    } finally {
      lock.unlock();
    }
    if (total > 0) {
      fs.watchers().modified(dir, name);
    }
    return total;
  }

  private static MemorySegment buffer(int size) {
    MemorySegment buffer = BUFFERS.get();
    if (buffer == null || buffer.byteSize() < size) {
      long capacity = Math.max(MIN_BUFFER, Long.highestOneBit(Math.max(1, size - 1)) << 1);
      buffer = Arena.ofAuto().allocate(Math.min(capacity, MAX_BUFFER), 64);
      BUFFERS.set(buffer);
    }
    return buffer;
  }

  // ---------------------------------------------------------------- position, size, sync

  @Override
  public long position() throws IOException {
    ensureOpen();
    if (mode.append) {
      return size();
    }
    synchronized (positionLock) {
      return position;
    }
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    ensureOpen();
    synchronized (positionLock) {
      position = newPosition;
    }
    return this;
  }

  @Override
  public long size() throws IOException {
    Lock lock = enter();
    try {
      return file.stat().size();
    } catch (PosixException e) {
      throw failure(e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size);
    }
    checkWritable();
    synchronized (positionLock) {
      Lock lock = enter();
      try {
        if (size < file.stat().size()) {
          file.truncate(size);
          fs.watchers().modified(dir, name);
        }
      } catch (PosixException e) {
        throw failure(e);
      } finally {
        lock.unlock();
      }
      position = Math.min(position, size);
    }
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    Lock lock = enter();
    try {
      file.sync(!metaData);
    } catch (PosixException e) {
      throw failure(e);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- transfers

  /**
   * Copies to another overlay file with {@code copy_file_range} (so the upper filesystem may share extents),
   * to any other file channel through the JDK's channel (which uses the same call or {@code sendfile}), else
   * through a buffer.
   */
  @Override
  public long transferTo(long at, long count, WritableByteChannel target) throws IOException {
    ensureOpen();
    if (!target.isOpen()) {
      throw new ClosedChannelException();
    }
    checkReadable();
    if (at < 0 || count < 0) {
      throw new IllegalArgumentException("negative position or count");
    }
    long size = size();
    if (at >= size || count == 0) {
      return 0;
    }
    count = Math.min(count, size - at);
    if (target instanceof OverlayFileChannel other) {
      other.checkWritable();
      if (!other.mode.append) {
        synchronized (other.positionLock) {
          long n = copyRange(this, at, other, other.position, count);
          if (n >= 0) {
            other.position += n;
            return n;
          }
        }
      }
    } else if (target instanceof FileChannel plain) {
      return jdkChannel().transferTo(at, count, plain);
    }
    return copyThroughBuffer(count, (buffer, done) -> read(buffer, at + done), (buffer, done) -> target.write(buffer));
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long at, long count) throws IOException {
    ensureOpen();
    if (!src.isOpen()) {
      throw new ClosedChannelException();
    }
    checkWritable();
    if (at < 0 || count < 0) {
      throw new IllegalArgumentException("negative position or count");
    }
    if (at > size() || count == 0) {
      return 0;
    }
    if (!mode.append) {
      if (src instanceof OverlayFileChannel other) {
        other.checkReadable();
        synchronized (other.positionLock) {
          long available = Math.max(0, other.size() - other.position);
          long n = copyRange(other, other.position, this, at, Math.min(count, available));
          if (n >= 0) {
            other.position += n;
            return n;
          }
        }
      } else if (src instanceof FileChannel plain) {
        return jdkChannel().transferFrom(plain, at, count);
      }
    }
    return copyThroughBuffer(count, (buffer, done) -> src.read(buffer), (buffer, done) -> write(buffer, at + done));
  }

  /** {@code copy_file_range} between two overlay files; -1 when the filesystems cannot do it. */
  private static long copyRange(OverlayFileChannel from, long fromAt, OverlayFileChannel to, long toAt, long count)
      throws IOException {
    Lock fromLock = from.enter();
    try {
      Lock toLock = to.enter();
      try {
        int in = from.file.fd();
        int out = to.file.fd();
        long done = 0;
        while (done < count) {
          long n = Posix.copyFileRange(in, fromAt + done, out, toAt + done, count - done);
          if (n == 0) {
            break;
          }
          done += n;
        }
        if (done > 0) {
          to.fs.watchers().modified(to.dir, to.name);
        }
        return done;
      } catch (PosixException e) {
        if (e.errno() == Errno.EXDEV || e.errno() == Errno.EINVAL || e.errno() == Errno.ENOSYS
            || e.errno() == Errno.EOPNOTSUPP) {
          return -1;
        }
        throw from.failure(e);
      } finally {
        toLock.unlock();
      }
    } finally {
      fromLock.unlock();
    }
  }

  private interface Reader {
    int read(ByteBuffer buffer, long done) throws IOException;
  }

  private interface Writer {
    int write(ByteBuffer buffer, long done) throws IOException;
  }

  /** Copies through a buffer until {@code count} bytes, the end of input, or a target that takes no more. */
  private static long copyThroughBuffer(long count, Reader reader, Writer writer) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(count, 1 << 16));
    long done = 0;
    while (done < count) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), count - done));
      int n = reader.read(buffer, done);
      if (n <= 0) {
        break;
      }
      buffer.flip();
      int wrote = 0;
      while (buffer.hasRemaining()) {
        int w = writer.write(buffer, done + wrote);
        if (w <= 0) {
          break;
        }
        wrote += w;
      }
      done += wrote;
      if (buffer.hasRemaining()) {
        break;
      }
    }
    return done;
  }

  // ---------------------------------------------------------------- through the JDK's channel

  @Override
  public MappedByteBuffer map(MapMode mapMode, long at, long size) throws IOException {
    return jdkChannel().map(mapMode, at, size);
  }

  @Override
  public MemorySegment map(MapMode mapMode, long at, long size, Arena arena) throws IOException {
    return jdkChannel().map(mapMode, at, size, arena);
  }

  @Override
  public FileLock lock(long at, long size, boolean shared) throws IOException {
    return new OverlayFileLock(this, jdkChannel().lock(at, size, shared));
  }

  @Override
  public FileLock tryLock(long at, long size, boolean shared) throws IOException {
    FileLock lock = jdkChannel().tryLock(at, size, shared);
    return lock == null ? null : new OverlayFileLock(this, lock);
  }

  /**
   * The JDK's channel on the same open file, opened once through {@code /proc/self/fd} with this channel's
   * access: POSIX locks belong to the process and file, so they are the same whichever channel takes them.
   */
  private FileChannel jdkChannel() throws IOException {
    FileChannel real = jdkChannel;
    if (real != null) {
      return real;
    }
    Lock lock = enter();
    try {
      synchronized (this) {
        if (jdkChannel == null) {
          Set<StandardOpenOption> access = EnumSet.noneOf(StandardOpenOption.class);
          if (mode.read) {
            access.add(StandardOpenOption.READ);
          }
          if (mode.write) {
            access.add(StandardOpenOption.WRITE);
          }
          jdkChannel = FileChannel.open(Path.of("/proc/self/fd/" + file.fd()), access);
        }
        return jdkChannel;
      }
    } catch (PosixException e) {
      throw failure(e);
    } finally {
      lock.unlock();
    }
  }

  /** A lock taken through the JDK's channel, answering for this one. */
  private static final class OverlayFileLock extends FileLock {
    private final FileLock real;

    OverlayFileLock(OverlayFileChannel channel, FileLock real) {
      super(channel, real.position(), real.size(), real.isShared());
      this.real = real;
    }

    @Override
    public boolean isValid() {
      return real.isValid() && channel().isOpen();
    }

    @Override
    public void release() throws IOException {
      real.release();
    }
  }

  // ---------------------------------------------------------------- closing and checks

  @Override
  protected void implCloseChannel() throws IOException {
    Lock exclusive = inUse.writeLock();
    exclusive.lock();
    try {
      FileChannel real = jdkChannel;
      if (real != null) {
        real.close();
      }
      file.close();
      if (mode.deleteOnClose) {
        deleteOnClose();
      }
    } finally {
      exclusive.unlock();
      try {
        references.close();
      } catch (Exception e) {
        throw new IllegalStateException("releasing references cannot fail", e);
      }
      fs.closed(this);
    }
  }

  private void deleteOnClose() {
    try {
      if (fs.isOpen()) {
        fs.overlay().unlink(dir, name);
        fs.watchers().deleted(dir, name);
      }
    } catch (PosixException e) {
      // DELETE_ON_CLOSE is best effort: the file may have been removed or renamed already.
    }
  }

  private Lock enter() throws ClosedChannelException {
    Lock shared = inUse.readLock();
    shared.lock();
    if (!isOpen()) {
      shared.unlock();
      throw new ClosedChannelException();
    }
    return shared;
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }

  private void checkReadable() throws ClosedChannelException {
    ensureOpen();
    if (!mode.read) {
      throw new NonReadableChannelException();
    }
  }

  private void checkWritable() throws ClosedChannelException {
    ensureOpen();
    if (!mode.write) {
      throw new NonWritableChannelException();
    }
  }

  private IOException failure(PosixException e) {
    return fs.translate(e, path);
  }

  @Override
  public String toString() {
    return "OverlayFileChannel[" + path + "]";
  }
}
