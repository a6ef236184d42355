package dev.layerfs.fuse.raw;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link RawFileSystem} mounted on a directory and served over {@code /dev/fuse} by this process's own reader
 * threads, without libfuse.
 *
 * <pre>{@code
 * FuseServer server = FuseServer.builder(mountPoint, fs).mount();
 * Connection connection = server.awaitReady();   // the kernel answered INIT: the mount is live
 * ...
 * server.close();                                // unmounts, waits for the readers, calls fs.destroy()
 * }</pre>
 *
 * <p>The mount goes through {@code mount(2)} when the process runs as root, else through the setuid
 * {@code fusermount3} helper. {@link #close} is the one way this process unmounts: a shutdown hook may call it, since
 * it only asks the kernel to unmount and waits; the session is torn down by its last reader thread once the kernel
 * ends the connection, whoever unmounted. The readers are daemon threads, so a program that only serves the mount
 * blocks in {@link #awaitUnmount}.
 */
public final class FuseServer implements AutoCloseable {
  private final Path mountPoint;
  private final byte[] mountPointBytes;
  private final Mounter.Attached attached;
  private final Session session;
  private boolean unmounted; // guarded by this

  private FuseServer(Path mountPoint, byte[] mountPointBytes, Mounter.Attached attached, Session session) {
    this.mountPoint = mountPoint;
    this.mountPointBytes = mountPointBytes;
    this.attached = attached;
    this.session = session;
  }

  /** Starts configuring a mount of {@code fs} on directory {@code mountPoint}. */
  public static Builder builder(Path mountPoint, RawFileSystem fs) {
    return new Builder(mountPoint, fs);
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /**
   * Waits until the kernel has completed INIT, from which moment the mount answers requests; a daemon should report
   * itself started only then.
   *
   * @throws IOException if the session ended first, for example because the filesystem's {@code init} failed
   */
  public Connection awaitReady() throws IOException, InterruptedException {
    Connection connection = session.awaitReady();
    Mounter.widenReadahead(attached.device(), connection.maxWrite());
    return connection;
  }

  Session session() {
    return session;
  }

  /** Waits until the mount is gone, whoever unmounted it, and the session is torn down. */
  public void awaitUnmount() throws InterruptedException {
    session.awaitEnd();
  }

  /**
   * Unmounts, if the mount is still there, and waits until the session is torn down. A busy mount is detached
   * lazily and its connection aborted through fusectl, so clients still holding files open get ENOTCONN; only an
   * ordinary user on a system without fusectl mounted has to wait until those clients close their files. Calling
   * it again does nothing; it must not be called from a filesystem method.
   */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (!unmounted) {
        Mounter.unmount(mountPointBytes, attached);
        unmounted = true;
      }
    }
    boolean interrupted = false;
    while (!session.hasEnded()) {
      try {
        session.awaitEnd();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Unmounts a FUSE mount another process serves, or served before it died (its clients then get ENOTCONN): through
   * {@code umount2} as root, else {@code fusermount3 -u}. Nothing happens unless the mount point still holds the
   * filesystem with device number {@code device} (as {@code /proc/self/mountinfo} names it).
   *
   * @param lazy when the mount is busy, detach it lazily and abort its connection through fusectl, so that clients
   *     still using it get errors; otherwise a busy mount fails with EBUSY
   */
  public static void unmount(Path mountPoint, long device, boolean lazy) throws IOException {
    boolean root = Posix.geteuid() == 0;
    Mounter.unmount(Names.bytes(mountPoint.toString()), new Mounter.Attached(-1, device, !root, -1, -1), lazy);
  }

  /** The settings of a mount; every setting has a working default. */
  public static final class Builder {
    private static final int MIN_MAX_WRITE = 128 * 1024;
    private static final int MAX_MAX_WRITE = 16 * 1024 * 1024;

    private final Path mountPoint;
    private final RawFileSystem fs;
    private String fsName = "layerfs";
    private String subtype = "layerfs";
    private int readers = Math.max(2, Runtime.getRuntime().availableProcessors());
    private int maxWrite = 1024 * 1024;
    private boolean allowOther;
    private boolean defaultPermissions = true;
    private boolean readOnly;
    private boolean writebackCache;
    private boolean readdirplus = true;
    private boolean passthrough = true;
    private int maxStackDepth = 1;
    private boolean autoUnmount;
    private boolean useFusermount;

    private Builder(Path mountPoint, RawFileSystem fs) {
      this.mountPoint = mountPoint;
      this.fs = fs;
    }

    /** The source shown in {@code /proc/mounts} and by {@code df}; "layerfs" by default. */
    public Builder fsName(String fsName) {
      this.fsName = checkOption("fsName", fsName);
      return this;
    }

    /** The filesystem type shown as {@code fuse.SUBTYPE}; "layerfs" by default. */
    public Builder subtype(String subtype) {
      this.subtype = checkOption("subtype", subtype);
      return this;
    }

    /** How many threads read and serve requests; one per CPU, at least 2, by default. */
    public Builder readers(int readers) {
      if (readers < 1) {
        throw new IllegalArgumentException("readers must be at least 1, not " + readers);
      }
      this.readers = readers;
      return this;
    }

    /**
     * The largest READ and WRITE, a multiple of 4 KiB from 128 KiB to 16 MiB; 1 MiB by default. Kernels without
     * FUSE_MAX_PAGES (before 4.20) cap it at 128 KiB. Each reader holds two buffers of about this size.
     */
    public Builder maxWrite(int maxWrite) {
      if (maxWrite < MIN_MAX_WRITE || maxWrite > MAX_MAX_WRITE || maxWrite % 4096 != 0) {
        throw new IllegalArgumentException("maxWrite must be a multiple of 4096 from " + MIN_MAX_WRITE + " to "
            + MAX_MAX_WRITE + ", not " + maxWrite);
      }
      this.maxWrite = maxWrite;
      return this;
    }

    /**
     * Lets users other than the mounting one use the mount ({@code allow_other}); off by default. Without root it
     * needs {@code user_allow_other} in {@code /etc/fuse.conf}.
     */
    public Builder allowOther(boolean allowOther) {
      this.allowOther = allowOther;
      return this;
    }

    /** Lets the kernel check permissions from the file modes ({@code default_permissions}); on by default. */
    public Builder defaultPermissions(boolean defaultPermissions) {
      this.defaultPermissions = defaultPermissions;
      return this;
    }

    /**
     * Mounts read-only ({@code ro} in {@code /proc/mounts}); off by default. The kernel then refuses every change
     * with EROFS itself, {@code access(W_OK)} included, as for the kernel's overlayfs without an upper layer, and
     * no longer marks a directory's atime stale after each listing it reads.
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /** Lets the kernel cache writes and send them later (FUSE_WRITEBACK_CACHE); off by default. */
    public Builder writebackCache(boolean writebackCache) {
      this.writebackCache = writebackCache;
      return this;
    }

    /** Lets the kernel list directories with READDIRPLUS; on by default. */
    public Builder readdirplus(boolean readdirplus) {
      this.readdirplus = readdirplus;
      return this;
    }

    /**
     * Negotiates FUSE passthrough when the kernel offers it and the process runs as root, which registering backing
     * files requires; on by default. It takes effect only for opens where the filesystem calls
     * {@link OpenOut#passthrough}, and excludes the writeback cache, which it wins over.
     */
    public Builder passthrough(boolean passthrough) {
      this.passthrough = passthrough;
      return this;
    }

    /**
     * How deep a stack of filesystems this mount makes when passthrough is on: 1 (the default) lets the mount serve
     * as an overlayfs layer but needs backing files on a non-stacked filesystem; 2 allows backing files on an
     * overlayfs but stops the mount from being stacked on.
     */
    public Builder maxStackDepth(int maxStackDepth) {
      if (maxStackDepth < 1 || maxStackDepth > Abi.MAX_STACK_DEPTH) {
        throw new IllegalArgumentException("maxStackDepth must be 1 or 2, not " + maxStackDepth);
      }
      this.maxStackDepth = maxStackDepth;
      return this;
    }

    /**
     * Has {@code fusermount3} unmount the filesystem when this process dies without unmounting
     * ({@code auto_unmount}); off by default. It implies mounting through {@code fusermount3}.
     */
    public Builder autoUnmount(boolean autoUnmount) {
      this.autoUnmount = autoUnmount;
      return this;
    }

    /** Mounts through {@code fusermount3} even as root; off by default. */
    public Builder useFusermount(boolean useFusermount) {
      this.useFusermount = useFusermount;
      return this;
    }

    /**
     * Mounts the filesystem and starts serving it; the mount answers requests once {@link #awaitReady} returns.
     *
     * @throws IOException if the mount point is not a directory, or mounting failed
     */
    public FuseServer mount() throws IOException {
      if (!Files.isDirectory(mountPoint)) {
        throw new IOException("mount point " + mountPoint.toAbsolutePath() + " is not a directory");
      }
      Path absolute = mountPoint.toRealPath();
      Options options = new Options(fsName, subtype, readers, maxWrite, allowOther, defaultPermissions, readOnly,
          writebackCache, readdirplus, passthrough, maxStackDepth, autoUnmount, useFusermount || autoUnmount);
      byte[] target = Names.bytes(absolute.toString());
      boolean root = Posix.geteuid() == 0;
      Mounter.Attached attached;
      try {
        attached = Mounter.mount(target, options, root && !options.useFusermount());
      } catch (IOException e) {
        throw new IOException("cannot mount " + absolute + ": " + e.getMessage(), e);
      }
      Session session = new Session(attached.fd(), fs, options, root, () -> Mounter.release(attached));
      FuseServer server = new FuseServer(absolute, target, attached, session);
      try {
        session.start();
      } catch (Throwable t) {
        try {
          server.close();
        } catch (IOException | RuntimeException e) {
          t.addSuppressed(e);
        }
        throw t;
      }
      return server;
    }

    private static String checkOption(String option, String value) {
      if (value.isEmpty() || value.chars().anyMatch(c -> c == ',' || c == '\\' || Character.isWhitespace(c))) {
        throw new IllegalArgumentException(option + " must be non-empty without commas, backslashes or spaces: \""
            + value + "\"");
      }
      return value;
    }
  }
}
