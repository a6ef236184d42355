package dev.layerfs.nio;

import dev.layerfs.core.DirectoryListing;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The merged entries of one directory, read once when the stream opens (the engine's snapshot, so entries are
 * neither lost nor repeated while the directory changes), filtered as they are iterated.
 *
 * <p>As a {@link SecureDirectoryStream} it keeps its directory's node: relative paths given to it start there,
 * however the directory is renamed meanwhile.
 */
final class OverlayDirectoryStream implements SecureDirectoryStream<Path> {
  private final OverlayFileSystem fs;
  private final OverlayPath dir;
  private final PathResolver.Found found;
  private final DirectoryView view;
  private final List<DirectoryListing.Entry> entries;
  private final Filter<? super Path> filter;
  private volatile boolean open = true;
  private boolean iterated;

  OverlayDirectoryStream(OverlayFileSystem fs, OverlayPath dir, PathResolver.Found found, DirectoryListing listing,
      Filter<? super Path> filter) {
    this.fs = fs;
    this.dir = dir;
    this.found = found;
    this.view = new DirectoryView(fs, found.node);
    this.entries = listing.entries();
    this.filter = filter;
  }

  @Override
  public synchronized Iterator<Path> iterator() {
    if (!open) {
      throw new IllegalStateException("directory stream is closed");
    }
    if (iterated) {
      throw new IllegalStateException("iterator already obtained");
    }
    iterated = true;
    return new Iterator<>() {
      private int index = 2;
      private Path next;

      @Override
      public boolean hasNext() {
        while (next == null && open && index < entries.size()) {
          Path candidate = dir.resolve(entries.get(index++).name());
          try {
            if (filter.accept(candidate)) {
              next = candidate;
            }
          } catch (IOException e) {
            throw new DirectoryIteratorException(e);
          }
        }
        return next != null && open;
      }

      @Override
      public Path next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Path result = next;
        next = null;
        return result;
      }
    };
  }

  @Override
  public void close() {
    synchronized (this) {
      if (!open) {
        return;
      }
      open = false;
    }
    found.close();
    fs.closed(this);
  }

  private void checkOpen() {
    fs.checkOpen();
    if (!open) {
      throw new ClosedDirectoryStreamException();
    }
  }

  private OverlayPath relative(Path path) {
    if (!(path instanceof OverlayPath p) || p.getFileSystem() != fs) {
      throw new ProviderMismatchException("not a path of " + fs + ": " + path);
    }
    return p;
  }

  @Override
  public SecureDirectoryStream<Path> newDirectoryStream(Path path, LinkOption... options) throws IOException {
    checkOpen();
    OverlayPath p = relative(path);
    return view.newDirectoryStream(p, dir.resolve(p), acceptAll(), OverlayFileSystemProvider.followLinks(options));
  }

  private static Filter<Path> acceptAll() {
    return p -> true;
  }

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
      FileAttribute<?>... attrs) throws IOException {
    checkOpen();
    return view.newFileChannel(relative(path), options, attrs);
  }

  @Override
  public void deleteFile(Path path) throws IOException {
    checkOpen();
    view.delete(relative(path), DirectoryView.Delete.FILE);
  }

  @Override
  public void deleteDirectory(Path path) throws IOException {
    checkOpen();
    view.delete(relative(path), DirectoryView.Delete.DIRECTORY);
  }

  @Override
  public void move(Path srcpath, SecureDirectoryStream<Path> targetdir, Path targetpath) throws IOException {
    checkOpen();
    if (!(targetdir instanceof OverlayDirectoryStream target) || target.fs != fs) {
      throw new ProviderMismatchException("not a directory stream of " + fs);
    }
    target.checkOpen();
    view.rename(relative(srcpath), target.view, target.relative(targetpath));
  }

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Class<V> type) {
    checkOpen();
    return AttributeViews.view(FileRef.byNode(fs, found.node, dir), type);
  }

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    checkOpen();
    return AttributeViews.view(view.ref(relative(path), OverlayFileSystemProvider.followLinks(options)), type);
  }
}
