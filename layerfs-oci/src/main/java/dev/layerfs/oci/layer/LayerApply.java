package dev.layerfs.oci.layer;

import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.DigestAlgorithm;
import dev.layerfs.oci.image.DigestingInputStream;
import dev.layerfs.oci.internal.Pipe;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarLimits;
import dev.layerfs.oci.tar.TarReader;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Turns an OCI layer (a tar, plain, gzip or zstd) into a directory in the kernel overlayfs's on-disk format, so that
 * {@code mount -t overlay} and layerfs can use it as a layer as it is: a {@code .wh.NAME} entry becomes a 0/0
 * character device, a {@code .wh..wh..opq} entry makes its directory opaque ({@code overlay.opaque=y}) wherever it
 * appears in the archive, and everything else is created with its owner, mode, times, xattrs (binary values kept),
 * hard links, holes and device numbers.
 *
 * <p>The layer is not trusted. Every name is created relative to an open directory, one component at a time and
 * without following symlinks, and a layer is refused, naming the entry, for: {@code ..} or absolute paths, a path
 * through a symlink made by an earlier entry or present in a lower layer, hard links to anything but an earlier
 * file of the same layer, whiteouts of {@code .} or {@code ..}, device nodes without root, names over 255 bytes,
 * duplicate entries, truncated archives, and decompressed data beyond {@link Builder#maxBytes}. {@link #apply}
 * builds the directory under a temporary name beside the target and renames it into place only when the whole
 * layer was applied, so a failure leaves nothing behind.
 *
 * <pre>{@code
 * ApplyResult result = LayerApply.builder().build().apply(Files.newInputStream(tar), Path.of("layer"));
 * }</pre>
 */
public final class LayerApply {
  /** The default bound on a layer's uncompressed size and on any file's logical size: 64 GiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 30;
  private static final int CHUNK = 256 << 10;

  private final OverlayNamespace namespace;
  private final List<Path> lowers;
  private final boolean privileged;
  private final long maxBytes;
  private final TarLimits limits;

  private LayerApply(Builder b) {
    this.namespace = b.namespace;
    this.lowers = List.copyOf(b.lowers);
    this.privileged = b.privileged;
    this.maxBytes = b.maxBytes;
    this.limits = b.limits;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Applies a layer to a new directory {@code target}, which must not exist: the layer is extracted beside it
   * under a temporary name and renamed into place on success; on failure the temporary directory is removed.
   */
  public ApplyResult apply(InputStream layer, Path target) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    if (Files.exists(absolute, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString(), null, "the target of a layer apply must not exist");
    }
    Path staging = absolute.resolveSibling("." + absolute.getFileName() + ".layerfs-" + randomSuffix());
    Files.createDirectory(staging);
    boolean done = false;
    try {
      ApplyResult result = extract(layer, staging);
      byte[] parent = Names.bytes(absolute.getParent().toString());
      Posix.renameat2(Posix.AT_FDCWD, Names.bytes(staging.toString()), Posix.AT_FDCWD,
          Names.bytes(absolute.toString()), Posix.RENAME_NOREPLACE);
      fsyncDirectory(parent);
      done = true;
      return result;
    } finally {
      if (!done) {
        Trees.delete(staging);
      }
    }
  }

  /**
   * Extracts a layer into {@code emptyDir}, an existing empty directory, for callers that stage and publish
   * directories themselves (the layer store does). On failure the directory holds a partial layer, which the
   * caller must delete.
   */
  public ApplyResult extract(InputStream layer, Path emptyDir) throws IOException {
    Pipe pipe = new Pipe();
    FutureTask<Digested> reader = new FutureTask<>(() -> decompress(layer, pipe));
    Thread.ofPlatform().name("layerfs-apply-read").daemon().start(reader);
    Extraction.Stats stats;
    try (Extraction extraction = new Extraction(emptyDir, namespace, privileged, maxBytes,
        lowers.isEmpty() ? null : LowerLayers.open(lowers, namespace));
        InputStream tar = pipe.source()) {
      extraction.run(new TarReader(tar, limits));
      tar.transferTo(OutputStream.nullOutputStream());
      stats = extraction.stats();
    } catch (IOException | RuntimeException e) {
      pipe.readerFailed(e);
      join(reader);
      if (e instanceof Pipe.WriterFailedException failed && failed.getCause() instanceof IOException cause) {
        throw cause;
      }
      throw e;
    }
    Digested digested = result(reader);
    return new ApplyResult(digested.digest(), digested.bytes(), stats.entries(), stats.whiteouts(),
        stats.opaqueDirectories(), stats.warnings());
  }

  /** The digest and size of a layer's uncompressed tar. */
  private record Digested(Digest digest, long bytes) {}

  /**
   * Reads, decompresses and hashes the layer on its own thread, feeding the extraction through {@code pipe}, so
   * that inflating and hashing overlap with the file system calls.
   */
  private Digested decompress(InputStream layer, Pipe pipe) throws IOException {
    OutputStream sink = pipe.sink();
    DigestingInputStream digesting;
    try {
      InputStream plain = Compression.open(new FilterInputStream(layer) {
        @Override
        public void close() {}
      }, maxBytes);
      digesting = new DigestingInputStream(plain, DigestAlgorithm.SHA256);
      byte[] chunk = new byte[CHUNK];
      for (int n = digesting.read(chunk); n >= 0; n = digesting.read(chunk)) {
        sink.write(chunk, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      pipe.abort(e);
      throw e;
    }
    sink.close();
    return new Digested(digesting.digest(), digesting.byteCount());
  }

  private static void join(FutureTask<Digested> reader) {
    try {
      reader.get();
    } catch (ExecutionException | java.util.concurrent.CancellationException e) {
      // the extraction's failure, or the reader's as its cause, is the one reported
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Digested result(FutureTask<Digested> reader) throws IOException {
    try {
      return reader.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while applying a layer");
    }
  }

  private static void fsyncDirectory(byte[] dir) throws PosixException {
    int fd = Posix.openat(Posix.AT_FDCWD, dir, Posix.O_RDONLY | Posix.O_DIRECTORY);
    try {
      Posix.fsync(fd);
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  static String randomSuffix() {
    byte[] bytes = new byte[6];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** How to apply layers; every setting has a default fit for a root-owned store. */
  public static final class Builder {
    private OverlayNamespace namespace = OverlayNamespace.forThisProcess();
    private List<Path> lowers = List.of();
    private boolean privileged = Posix.geteuid() == 0;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private TarLimits limits = TarLimits.DEFAULTS;

    private Builder() {}

    /** Where opaque marks go: {@code trusted.overlay.*} (the default as root) or {@code user.overlay.*}. */
    public Builder namespace(OverlayNamespace value) {
      this.namespace = Objects.requireNonNull(value);
      return this;
    }

    /**
     * The layers this one goes on, the top one first: a path through a symlink in them is refused, as it would
     * leave the directory the layer means when applied to a flat root filesystem.
     */
    public Builder lowers(List<Path> dirs) {
      this.lowers = List.copyOf(dirs);
      return this;
    }

    /**
     * Whether owners are set and device nodes created (default: when running as root). Without, files belong
     * to the caller and a device node fails the apply.
     */
    public Builder privileged(boolean value) {
      this.privileged = value;
      return this;
    }

    /** The most uncompressed bytes a layer may have, and the largest logical size of one of its files. */
    public Builder maxBytes(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxBytes must be positive, not " + value);
      }
      this.maxBytes = value;
      return this;
    }

    /** Bounds on tar headers, names and entry counts. */
    public Builder limits(TarLimits value) {
      this.limits = Objects.requireNonNull(value);
      return this;
    }

    public LayerApply build() {
      return new LayerApply(this);
    }
  }
}
