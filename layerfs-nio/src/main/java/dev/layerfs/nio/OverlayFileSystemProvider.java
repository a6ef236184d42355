package dev.layerfs.nio;

import dev.layerfs.core.Overlay;
import dev.layerfs.core.OverlayOptionException;
import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.spi.FileSystemProvider;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code overlay} scheme: {@code FileSystems.newFileSystem(URI.create("overlay:/name"), env)} opens the
 * overlay that {@code env} describes with the kernel's mount option names ({@code lowerdir}, {@code upperdir},
 * {@code workdir}, {@code ro}, {@code redirect_dir}, …); a path's URI is {@code overlay:/name!/path/in/view}.
 *
 * <p>Values in {@code env} are strings with the kernel's escaping ({@code lowerdir=top:bottom}), or {@link Path}s,
 * or for {@code lowerdir} a collection of them (top first), or booleans for the flags.
 */
public final class OverlayFileSystemProvider extends FileSystemProvider {
  static final String SCHEME = "overlay";
  /** Open views by name; shared by every instance, so a URI finds its view whichever instance is asked. */
  private static final Map<String, OverlayFileSystem> FILE_SYSTEMS = new ConcurrentHashMap<>();
  private static volatile OverlayFileSystemProvider fallback;

  /** Called by the service loader; programs use {@link java.nio.file.FileSystems} or {@link OverlayFs}. */
  public OverlayFileSystemProvider() {}

  /**
   * The instance the JDK installed, so that a view built with {@link OverlayFs} has the same provider as paths
   * from URIs; a private one when this class is not installed (loaded by a class loader the JDK does not search).
   */
  static OverlayFileSystemProvider instance() {
    for (FileSystemProvider p : FileSystemProvider.installedProviders()) {
      if (p instanceof OverlayFileSystemProvider overlay) {
        return overlay;
      }
    }
    OverlayFileSystemProvider f = fallback;
    if (f == null) {
      synchronized (OverlayFileSystemProvider.class) {
        if (fallback == null) {
          fallback = new OverlayFileSystemProvider();
        }
        f = fallback;
      }
    }
    return f;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  // ---------------------------------------------------------------- file systems

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
    return open(fileSystemName(uri), options(env));
  }

  OverlayFileSystem open(String name, OverlayOptions options) throws IOException {
    synchronized (FILE_SYSTEMS) {
      if (FILE_SYSTEMS.containsKey(name)) {
        throw new FileSystemAlreadyExistsException(name);
      }
      Overlay overlay;
      try {
        overlay = Overlay.open(options);
      } catch (OverlayOptionException e) {
        throw optionFailure(e);
      } catch (PosixException e) {
        FileSystemException x = new FileSystemException(name, null, e.getMessage());
        x.initCause(e);
        throw x;
      }
      OverlayFileSystem fs = new OverlayFileSystem(this, name, overlay);
      FILE_SYSTEMS.put(name, fs);
      return fs;
    }
  }

  /** A layer directory that cannot be used, reported against that directory with the option that named it. */
  private static FileSystemException optionFailure(OverlayOptionException e) {
    FileSystemException x = e.errno() == Errno.ENOENT
        ? new NoSuchFileException(e.path(), null, e.getMessage())
        : new FileSystemException(e.path(), null, e.getMessage());
    x.initCause(e);
    return x;
  }

  /** The overlay options {@code env} gives; a bad one is an {@code IllegalArgumentException} naming it. */
  static OverlayOptions options(Map<String, ?> env) {
    OverlayOptions.Builder b = OverlayOptions.builder();
    try {
      for (Map.Entry<String, ?> e : env.entrySet()) {
        String key = e.getKey();
        Object value = e.getValue();
        if (value instanceof Path p) {
          layer(b, key, p);
        } else if (value instanceof Collection<?> c && key.equals("lowerdir")) {
          for (Object each : c) {
            b.lower(each instanceof Path p ? p : Path.of(each.toString()));
          }
        } else if (value instanceof Boolean flag) {
          b.option(key, flag ? "on" : "off");
        } else {
          b.option(key, value == null ? null : value.toString());
        }
      }
      return b.build();
    } catch (OverlayOptionException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static void layer(OverlayOptions.Builder b, String key, Path p) {
    switch (key) {
      case "lowerdir" -> b.lower(p);
      case "upperdir" -> b.upper(p);
      case "workdir" -> b.work(p);
      default -> throw new IllegalArgumentException(key + ": a path is given, but " + key + " takes none");
    }
  }

  void closed(OverlayFileSystem fs) {
    FILE_SYSTEMS.remove(fs.name(), fs);
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    String name = fileSystemName(uri);
    OverlayFileSystem fs = FILE_SYSTEMS.get(name);
    if (fs == null) {
      throw new FileSystemNotFoundException(uri.toString());
    }
    return fs;
  }

  @Override
  public Path getPath(URI uri) {
    checkScheme(uri);
    String ssp = uri.getRawSchemeSpecificPart();
    int bang = ssp.indexOf('!');
    if (bang < 0) {
      throw new IllegalArgumentException("no path in " + uri + " (expected overlay:NAME!/PATH)");
    }
    String name = PathBytes.decode(PathBytes.percentDecode(ssp.substring(0, bang)));
    OverlayFileSystem fs = FILE_SYSTEMS.get(name);
    if (fs == null) {
      throw new FileSystemNotFoundException(uri.toString());
    }
    byte[] path = PathBytes.percentDecode(ssp.substring(bang + 1));
    if (path.length == 0 || path[0] != '/') {
      throw new IllegalArgumentException("the path of " + uri + " is not absolute");
    }
    return fs.getPath(path);
  }

  private static String fileSystemName(URI uri) {
    checkScheme(uri);
    String ssp = uri.getRawSchemeSpecificPart();
    if (ssp.indexOf('!') >= 0) {
      throw new IllegalArgumentException("a file system URI names no path: " + uri);
    }
    String name = PathBytes.decode(PathBytes.percentDecode(ssp));
    if (name.isEmpty()) {
      throw new IllegalArgumentException("no file system name in " + uri);
    }
    return name;
  }

  private static void checkScheme(URI uri) {
    if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not an overlay URI: " + uri);
    }
    if (uri.getRawFragment() != null) {
      throw new IllegalArgumentException("an overlay URI has no fragment: " + uri);
    }
  }

  static OverlayPath check(Path path) {
    if (!(path instanceof OverlayPath p)) {
      throw new ProviderMismatchException("not an overlay path: " + path);
    }
    return p;
  }

  static boolean followLinks(LinkOption... options) {
    boolean follow = true;
    for (LinkOption option : options) {
      if (option == LinkOption.NOFOLLOW_LINKS) {
        follow = false;
      } else if (option == null) {
        throw new NullPointerException();
      } else {
        throw new UnsupportedOperationException("unsupported link option " + option);
      }
    }
    return follow;
  }

  private static DirectoryView view(OverlayPath p) {
    return p.getFileSystem().rootView();
  }

  // ---------------------------------------------------------------- files and directories

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    OverlayPath p = check(path);
    return view(p).newFileChannel(p, options, attrs);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
      throws IOException {
    OverlayPath p = check(dir);
    if (filter == null) {
      throw new NullPointerException("filter");
    }
    return view(p).newDirectoryStream(p, p, filter, true);
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    OverlayPath p = check(dir);
    view(p).createDirectory(p, attrs);
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
    OverlayPath p = check(link);
    view(p).createSymbolicLink(p, check(target), attrs);
  }

  @Override
  public void createLink(Path link, Path existing) throws IOException {
    OverlayPath p = check(link);
    OverlayPath e = check(existing);
    if (e.getFileSystem() != p.getFileSystem()) {
      throw Errors.of(Errno.EXDEV, "link", link, existing);
    }
    view(p).createLink(p, e);
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    OverlayPath p = check(link);
    return view(p).readSymbolicLink(p);
  }

  @Override
  public void delete(Path path) throws IOException {
    OverlayPath p = check(path);
    view(p).delete(p, DirectoryView.Delete.ANY);
  }

  @Override
  public boolean deleteIfExists(Path path) throws IOException {
    OverlayPath p = check(path);
    return view(p).delete(p, DirectoryView.Delete.ANY, true);
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    Copier.copy(check(source), check(target), options);
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    Copier.move(check(source), check(target), options);
  }

  // ---------------------------------------------------------------- questions

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    OverlayPath p = check(path);
    if (!(path2 instanceof OverlayPath q) || q.getFileSystem() != p.getFileSystem()) {
      return false;
    }
    return view(p).isSameFile(p, q);
  }

  @Override
  public boolean isHidden(Path path) {
    OverlayPath name = check(path).getFileName();
    return name != null && name.bytes().length > 0 && name.bytes()[0] == '.';
  }

  @Override
  public FileStore getFileStore(Path path) throws IOException {
    OverlayPath p = check(path);
    p.getFileSystem().find(p, true).close();
    return p.getFileSystem().store();
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    OverlayPath p = check(path);
    view(p).checkAccess(p, modes);
  }

  @Override
  public boolean exists(Path path, LinkOption... options) {
    OverlayPath p = check(path);
    return view(p).exists(p, followLinks(options));
  }

  // ---------------------------------------------------------------- attributes

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    OverlayPath p = check(path);
    return AttributeViews.view(view(p).ref(p, followLinks(options)), type);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    OverlayPath p = check(path);
    checkAttributesType(type);
    return (A) AttributeViews.attributes(view(p).ref(p, followLinks(options)));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributesIfExists(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    OverlayPath p = check(path);
    checkAttributesType(type);
    return (A) view(p).readAttributesIfExists(p, followLinks(options));
  }

  private static void checkAttributesType(Class<?> type) {
    if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
      throw new UnsupportedOperationException("no attributes of type " + type.getName());
    }
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    OverlayPath p = check(path);
    return AttributeViews.read(view(p).ref(p, followLinks(options)), attributes);
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
    OverlayPath p = check(path);
    AttributeViews.set(view(p).ref(p, followLinks(options)), attribute, value);
  }
}
