package dev.layerfs.nio;

import dev.layerfs.core.Caller;
import dev.layerfs.core.Node;
import dev.layerfs.core.Overlay;
import dev.layerfs.posix.PosixException;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One merged view of an overlay's layers, as a {@link FileSystem}: it owns the engine, turns paths into nodes, and
 * tracks what it handed out (channels, streams, watch services) so that closing the file system closes them too.
 */
final class OverlayFileSystem extends FileSystem {
  private static final Set<String> VIEWS = Set.of("basic", "posix", "unix", "owner", "user");

  private final OverlayFileSystemProvider provider;
  private final String name;
  private final Overlay overlay;
  private final Caller caller;
  private final PathResolver resolver;
  private final OverlayPath root;
  private final OverlayPath empty;
  private final OverlayFileStore store;
  private final Watchers watchers;
  private final DirectoryView rootView;
  private final Set<Closeable> resources = ConcurrentHashMap.newKeySet();
  private volatile boolean open = true;

  OverlayFileSystem(OverlayFileSystemProvider provider, String name, Overlay overlay) {
    this.provider = provider;
    this.name = name;
    this.overlay = overlay;
    this.caller = Caller.process();
    this.resolver = new PathResolver(overlay);
    this.root = OverlayPath.of(this, new byte[] {'/'}, "/");
    this.empty = OverlayPath.of(this, new byte[0], "");
    this.store = new OverlayFileStore(this);
    this.watchers = new Watchers(this);
    this.rootView = new DirectoryView(this, overlay.root());
  }

  // ---------------------------------------------------------------- FileSystem

  @Override
  public OverlayFileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() throws IOException {
    if (!open) {
      return;
    }
    synchronized (this) {
      if (!open) {
        return;
      }
      open = false;
    }
    IOException failure = null;
    for (Closeable c : new ArrayList<>(resources)) {
      try {
        c.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    watchers.close();
    overlay.close();
    provider.closed(this);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isReadOnly() {
    return overlay.isReadOnly();
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    checkOpen();
    return List.of(root);
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    checkOpen();
    return List.of(store);
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return VIEWS;
  }

  @Override
  public OverlayPath getPath(String first, String... more) {
    if (more.length == 0) {
      return OverlayPath.of(this, first);
    }
    StringBuilder joined = new StringBuilder(first);
    for (String part : more) {
      if (!part.isEmpty()) {
        if (!joined.isEmpty()) {
          joined.append('/');
        }
        joined.append(part);
      }
    }
    return OverlayPath.of(this, joined.toString());
  }

  /** A path from raw bytes, for names that are not UTF-8. */
  OverlayPath getPath(byte[] bytes) {
    return OverlayPath.of(this, bytes.clone(), PathBytes.decode(bytes));
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    int colon = syntaxAndPattern.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected syntax:pattern, got " + syntaxAndPattern);
    }
    String syntax = syntaxAndPattern.substring(0, colon);
    String pattern = syntaxAndPattern.substring(colon + 1);
    Pattern regex = switch (syntax.toLowerCase(Locale.ROOT)) {
      case "glob" -> Pattern.compile(Glob.toRegex(pattern));
      case "regex" -> Pattern.compile(pattern);
      default -> throw new UnsupportedOperationException("unknown path matcher syntax " + syntax);
    };
    return path -> regex.matcher(path.toString()).matches();
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    return Principals.LOOKUP;
  }

  @Override
  public WatchService newWatchService() {
    checkOpen();
    return watchers.newService();
  }

  @Override
  public String toString() {
    return "overlay file system " + name + " (" + overlay.options() + ")";
  }

  // ---------------------------------------------------------------- for the provider and its helpers

  String name() {
    return name;
  }

  Overlay overlay() {
    return overlay;
  }

  Caller caller() {
    return caller;
  }

  OverlayPath root() {
    return root;
  }

  OverlayPath emptyPath() {
    return empty;
  }

  OverlayFileStore store() {
    return store;
  }

  Watchers watchers() {
    return watchers;
  }

  /** The operations on this view's paths, relative ones taken from the root. */
  DirectoryView rootView() {
    return rootView;
  }

  URI toUri(OverlayPath absolute) {
    return URI.create(provider.getScheme() + ":" + PathBytes.percentEncode(PathBytes.encode(name), true) + "!"
        + PathBytes.percentEncode(absolute.bytes(), true));
  }

  void checkOpen() {
    if (!open) {
      throw new ClosedFileSystemException();
    }
  }

  void checkWritable() {
    checkOpen();
    if (overlay.isReadOnly()) {
      throw new ReadOnlyFileSystemException();
    }
  }

  /** The node {@code path} names, resolved from the root; close the answer to give its references back. */
  PathResolver.Found find(OverlayPath path, boolean followFinal) throws IOException {
    checkOpen();
    return resolver.find(overlay.root(), path, followFinal);
  }

  /** As {@link #find}, but relative paths start at {@code base}, a directory whose reference the caller holds. */
  PathResolver.Found find(Node base, OverlayPath path, boolean followFinal) throws IOException {
    checkOpen();
    return resolver.find(base, path, followFinal);
  }

  PathResolver.Found findIfExists(Node base, OverlayPath path, boolean followFinal) throws IOException {
    checkOpen();
    return resolver.findIfExists(base, path, followFinal);
  }

  PathResolver.Found borrowed(Node node) {
    return resolver.borrowed(node);
  }

  /** The directory holding the last name of {@code path}, and that name; null for the root or the empty path. */
  PathResolver.Entry entry(Node base, OverlayPath path) throws IOException {
    checkOpen();
    return resolver.entry(base, path);
  }

  OverlayPath realPath(OverlayPath path, boolean follow) throws IOException {
    if (!follow) {
      OverlayPath normal = path.toAbsolutePath().normalize();
      find(normal, false).close();
      return normal;
    }
    try (PathResolver.Found found = find(path, true)) {
      OverlayPath real = root;
      for (byte[] n : found.realNames()) {
        real = real.resolve(n);
      }
      return real;
    }
  }

  /** Maps an engine failure, reporting a closed file system as such rather than as the engine's EIO. */
  IOException translate(PosixException e, Path file) {
    return translate(e, file, null);
  }

  IOException translate(PosixException e, Path file, Path other) {
    checkOpen();
    return Errors.translate(e, file, other);
  }

  /** Registers something to close with the file system; it unregisters itself when closed first. */
  void opened(Closeable resource) {
    resources.add(resource);
    if (!open) {
      resources.remove(resource);
      try {
        resource.close();
      } catch (IOException ignored) {
        // Closing because the file system closed meanwhile; the caller gets ClosedFileSystemException.
      }
      throw new ClosedFileSystemException();
    }
  }

  void closed(Closeable resource) {
    resources.remove(resource);
  }
}
