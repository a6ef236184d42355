package dev.layerfs.nio;

import dev.layerfs.core.OpenDirectory;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.PosixException;
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
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The entries of one directory, read from the engine's {@link OpenDirectory} a batch at a time as they are iterated
 * and filtered: a directory that merges nothing is streamed from its real directory (entries that exist throughout
 * are seen once, as POSIX readdir promises), a merged one comes from the snapshot the engine takes when the stream
 * opens; either way a directory of any size is listed without holding all its names.
 *
 * <p>As a {@link SecureDirectoryStream} it keeps its directory's node: relative paths given to it start there,
 * however the directory is renamed meanwhile.
 */
final class OverlayDirectoryStream implements SecureDirectoryStream<Path> {
  /** Names taken from the engine per read. */
  private static final int BATCH = 256;

  private final OverlayFileSystem fs;
  private final OverlayPath dir;
  private final PathResolver.Found found;
  private final DirectoryView view;
  private final OpenDirectory listing;
  private final Filter<? super Path> filter;
  private final ArrayDeque<byte[]> batch = new ArrayDeque<>();
  private long nextOffset;
  private boolean ended;
  private volatile boolean open = true;
  private boolean iterated;

  /** Opens the stream and reads its first batch, so that a directory that cannot be read fails here. */
  OverlayDirectoryStream(OverlayFileSystem fs, OverlayPath dir, PathResolver.Found found, OpenDirectory listing,
      Filter<? super Path> filter) throws PosixException {
    this.fs = fs;
    this.dir = dir;
    this.found = found;
    this.view = new DirectoryView(fs, found.node);
    this.listing = listing;
    this.filter = filter;
    fill();
  }

  /** Reads the next batch of names ("." and ".." left out) unless the directory has ended. */
  private void fill() throws PosixException {
    int[] taken = {0};
    listing.read(nextOffset, (name, ino, type, next) -> {
      if (taken[0] == BATCH) {
        return false;
      }
      taken[0]++;
      nextOffset = next;
      if (!Names.isDotOrDotDot(name)) {
        batch.add(name);
      }
      return true;
    });
    ended = taken[0] == 0;
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
      private Path next;

      @Override
      public boolean hasNext() {
        synchronized (OverlayDirectoryStream.this) {
          while (next == null && open && (!batch.isEmpty() || !ended)) {
            if (batch.isEmpty()) {
              try {
                fill();
              } catch (PosixException e) {
                throw new DirectoryIteratorException(fs.translate(e, dir));
              }
              continue;
            }
            Path candidate = dir.resolve(batch.poll());
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
      listing.close();
      batch.clear();
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
