package dev.layerfs.nio;

import dev.layerfs.core.OverlayOptionException;
import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * Opens overlay views as {@link FileSystem}s: lower layers (read-only, the first on top), an upper layer that
 * takes every change, and a work directory, merged the way the kernel's overlayfs merges them, with no mount and
 * no privilege.
 *
 * <pre>{@code
 * try (FileSystem fs = OverlayFs.builder().lower(image).upper(upper).work(work).build()) {
 *   Files.writeString(fs.getPath("/etc/motd"), "hello");   // copied up: image is never written
 * }
 * }</pre>
 *
 * <p>Without a compile-time dependency, the same is {@code FileSystems.newFileSystem(URI.create("overlay:/name"),
 * Map.of("lowerdir", "image", "upperdir", "upper", "workdir", "work"))}.
 */
public final class OverlayFs {
  private OverlayFs() {}

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The path of an overlay view made of raw bytes, for names that are not UTF-8; the bytes are used as they are,
   * apart from repeated and trailing slashes.
   */
  public static Path path(FileSystem fs, byte[] path) {
    if (!(fs instanceof OverlayFileSystem overlay)) {
      throw new IllegalArgumentException("not an overlay file system: " + fs);
    }
    return overlay.getPath(path);
  }

  /** The raw bytes of a path of an overlay view: the name Linux sees, whatever its encoding. */
  public static byte[] bytes(Path path) {
    return OverlayFileSystemProvider.check(path).bytes().clone();
  }

  /**
   * The errno behind an exception a view threw ({@code ENOENT} behind a {@code NoSuchFileException}, and so on), as
   * the kernel's overlay would have failed the same call; 0 for an exception that does not come from a view.
   */
  public static int errno(Throwable exception) {
    return exception.getCause() instanceof PosixException p ? p.errno() : 0;
  }

  /** The layers and options of a view; every setter can be given the kernel's mount option instead. */
  public static final class Builder {
    private final OverlayOptions.Builder options = OverlayOptions.builder();
    private String name;

    private Builder() {}

    /** Adds lower layers below those given so far: the first one given is the top one. */
    public Builder lower(Path... dirs) {
      options.lower(checkDefault(dirs));
      return this;
    }

    /** The layer that takes every change; without one the view is read-only. */
    public Builder upper(Path dir) {
      options.upper(checkDefault(dir)[0]);
      return this;
    }

    /** An empty directory on the same filesystem as the upper layer, where changes are prepared. */
    public Builder work(Path dir) {
      options.work(checkDefault(dir)[0]);
      return this;
    }

    /** Refuses every change, as the {@code ro} mount option does, even with an upper layer. */
    public Builder readOnly(boolean readOnly) {
      options.readOnly(readOnly);
      return this;
    }

    /**
     * Any kernel mount option, such as {@code redirect_dir=off}, {@code userxattr} (value null), or
     * {@code lowerdir=a:b} with the kernel's escaping.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value, naming it
     */
    public Builder option(String key, String value) {
      try {
        options.option(key, value);
      } catch (OverlayOptionException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      return this;
    }

    /**
     * The name in the view's URIs ({@code overlay:NAME!/path}); a fresh unique name by default. Two open views
     * cannot share a name.
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name);
      return this;
    }

    /**
     * Opens the view, checking the layers as {@code mount -t overlay} does.
     *
     * @throws IllegalArgumentException when the options are incomplete (no lower layer, an upper without work)
     * @throws IOException when a layer cannot be used; the message names the option and the directory
     */
    public FileSystem build() throws IOException {
      OverlayOptions built;
      try {
        built = options.build();
      } catch (OverlayOptionException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      String uriName = name != null ? name : "/" + UUID.randomUUID();
      return OverlayFileSystemProvider.instance().open(uriName, built);
    }

    private static Path[] checkDefault(Path... dirs) {
      for (Path dir : dirs) {
        if (dir.getFileSystem() != FileSystems.getDefault()) {
          throw new IllegalArgumentException("a layer must be a directory of the default file system: " + dir);
        }
      }
      return dirs;
    }
  }
}
