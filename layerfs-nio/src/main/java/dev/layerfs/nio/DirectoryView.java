package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.core.OpenDirectory;
import dev.layerfs.core.OpenFile;
import dev.layerfs.core.Overlay;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * The file operations of an overlay view, with relative paths taken from a base directory: the root for the file
 * system's own paths, the open directory for a {@link java.nio.file.SecureDirectoryStream}'s.
 *
 * <p>Each operation resolves its path once into engine nodes and works on those, and reports the change it made
 * to the view's watch services.
 */
final class DirectoryView {
  private final OverlayFileSystem fs;
  private final Overlay overlay;
  private final Node base;

  DirectoryView(OverlayFileSystem fs, Node base) {
    this.fs = fs;
    this.overlay = fs.overlay();
    this.base = base;
  }

  FileRef ref(OverlayPath path, boolean follow) {
    return FileRef.byPath(fs, base, path, follow);
  }

  // ---------------------------------------------------------------- files

  /**
   * Opens a file as {@code open(2)} would with the flags the options stand for: a write mode copies a lower file
   * up first, {@code CREATE} follows a dangling symlink to make its target, {@code CREATE_NEW} never follows one.
   */
  OverlayFileChannel newFileChannel(OverlayPath path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    OverlayFileChannel.Mode mode = OverlayFileChannel.Mode.of(options);
    int createMode = createMode(attrs, 0666);
    if (mode.write()) {
      fs.checkWritable();
    } else {
      fs.checkOpen();
    }
    OverlayFileChannel channel;
    if (mode.createNew()) {
      channel = createNew(path, mode, createMode);
    } else if (mode.create()) {
      channel = openOrCreate(path, mode, createMode);
    } else {
      channel = openExisting(path, mode);
    }
    fs.opened(channel);
    return channel;
  }

  private OverlayFileChannel createNew(OverlayPath path, OverlayFileChannel.Mode mode, int createMode)
      throws IOException {
    PathResolver.Entry entry = fs.entry(base, path);
    if (entry == null || entry.isDotOrDotDot()) {
      close(entry);
      throw Errors.of(Errno.EEXIST, "open", path);
    }
    try {
      OverlayFileChannel channel = created(path, entry, mode, createMode);
      if (channel == null) {
        throw Errors.of(Errno.EEXIST, "open", path);
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      entry.close();
      throw e;
    }
  }

  /** Creates the file; null when the name exists. The channel keeps the entry's references. */
  private OverlayFileChannel created(OverlayPath path, PathResolver.Entry entry, OverlayFileChannel.Mode mode,
      int createMode) throws IOException {
    OpenFile file;
    try {
      file = overlay.create(entry.dir, entry.name, mode.flags() | Posix.O_CREAT | Posix.O_EXCL, createMode,
          fs.caller());
    } catch (PosixException e) {
      if (e.errno() == Errno.EEXIST) {
        return null;
      }
      throw fs.translate(e, path);
    }
    fs.watchers().created(entry.dir, entry.name);
    return new OverlayFileChannel(fs, file, path, entry.dir, entry.name, entry, mode);
  }

  private OverlayFileChannel openOrCreate(OverlayPath path, OverlayFileChannel.Mode mode, int createMode)
      throws IOException {
    if (!fs.watchers().active()) {
      OverlayFileChannel channel = createOrOpen(path, mode, createMode);
      if (channel != null) {
        return channel;
      }
    }
    OverlayPath current = path;
    int links = 0;
    while (true) {
      PathResolver.Entry entry = fs.entry(base, current);
      if (entry == null || entry.isDotOrDotDot()) {
        close(entry);
        return openExisting(current, mode);
      }
      boolean kept = false;
      Node existing = null;
      try {
        existing = overlay.lookupIfExists(entry.dir, entry.name);
        if (existing == null) {
          OverlayFileChannel channel = created(path, entry, mode, createMode);
          kept = channel != null;
          if (kept) {
            return channel;
          }
          continue;
        }
        if (existing.type() == Posix.S_IFLNK && !mode.noFollow()) {
          if (++links > PathResolver.MAX_SYMLINKS) {
            throw Errors.of(Errno.ELOOP, "open", path);
          }
          OverlayPath target = fs.getPath(overlay.readlink(existing));
          OverlayPath parent = current.getParent();
          current = target.isAbsolute() || parent == null ? target : parent.resolve(target);
          continue;
        }
        OverlayFileChannel channel = open(path, existing, entry.dir, entry.name, entry, mode);
        kept = true;
        return channel;
      } catch (PosixException e) {
        throw fs.translate(e, path);
      } finally {
        if (existing != null) {
          overlay.forget(existing, 1);
        }
        if (!kept) {
          entry.close();
        }
      }
    }
  }

  /**
   * Creates or opens the file with one engine call, which looks the name up through the layers once; null when the
   * name is a symbolic link to follow (ELOOP), or was removed while being opened (ENXIO, see {@link Errors#raced}):
   * the step-by-step way handles both. Whether the file was made is not known, so this serves only views nobody
   * watches.
   */
  private OverlayFileChannel createOrOpen(OverlayPath path, OverlayFileChannel.Mode mode, int createMode)
      throws IOException {
    PathResolver.Entry entry = fs.entry(base, path);
    if (entry == null || entry.isDotOrDotDot()) {
      close(entry);
      return null;
    }
    try {
      OpenFile file = overlay.create(entry.dir, entry.name, mode.flags() | Posix.O_CREAT, createMode, fs.caller());
      return new OverlayFileChannel(fs, file, path, entry.dir, entry.name, entry, mode);
    } catch (PosixException e) {
      entry.close();
      if (e.errno() == Errno.ELOOP || e.errno() == Errno.ENXIO) {
        return null;
      }
      fs.checkOpen();
      throw Errors.translate(e, path);
    } catch (RuntimeException e) {
      entry.close();
      throw e;
    }
  }

  private OverlayFileChannel openExisting(OverlayPath path, OverlayFileChannel.Mode mode) throws IOException {
    PathResolver.Found found = fs.find(base, path, !mode.noFollow());
    try {
      return open(path, found.node, found.parent, found.name, found, mode);
    } catch (PosixException e) {
      found.close();
      throw fs.translate(e, path);
    } catch (IOException | RuntimeException e) {
      found.close();
      throw e;
    }
  }

  /** Opens an existing node; the channel keeps {@code references} (which keep {@code dir}) until it closes. */
  private OverlayFileChannel open(OverlayPath path, Node node, Node dir, byte[] name, AutoCloseable references,
      OverlayFileChannel.Mode mode) throws IOException {
    if (node.type() == Posix.S_IFLNK) {
      throw Errors.of(Errno.ELOOP, "open", path);
    }
    if (mode.write() && node.isDirectory()) {
      throw Errors.of(Errno.EISDIR, "open", path);
    }
    OpenFile file;
    try {
      file = overlay.open(node, mode.flags());
    } catch (PosixException e) {
      fs.checkOpen();
      throw Errors.raced(e, node, path);
    }
    if (mode.truncate()) {
      fs.watchers().modified(dir, name);
    }
    return new OverlayFileChannel(fs, file, path, dir, name, references, mode);
  }

  private static void close(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("releasing references cannot fail", e);
      }
    }
  }

  /** The mode bits from {@code posix:permissions} (or {@code unix:permissions}); other attributes are refused. */
  static int createMode(FileAttribute<?>[] attrs, int mode) {
    for (FileAttribute<?> attr : attrs) {
      if (attr.name().equals("posix:permissions") || attr.name().equals("unix:permissions")) {
        mode = OverlayFileAttributes.mode((Set<?>) attr.value());
      } else {
        throw new UnsupportedOperationException("'" + attr.name() + "' cannot be set when creating a file");
      }
    }
    return mode;
  }

  // ---------------------------------------------------------------- directories

  OverlayDirectoryStream newDirectoryStream(OverlayPath path, OverlayPath shown,
      DirectoryStream.Filter<? super Path> filter, boolean follow) throws IOException {
    PathResolver.Found found = fs.find(base, path, follow);
    try {
      if (!found.node.isDirectory()) {
        throw Errors.of(Errno.ENOTDIR, "opendir", shown);
      }
      OverlayDirectoryStream stream;
      OpenDirectory listing = null;
      try {
        listing = overlay.openDirectory(found.node);
        stream = new OverlayDirectoryStream(fs, shown, found, listing, filter);
      } catch (PosixException e) {
        closeQuietly(listing);
        fs.checkOpen();
        throw Errors.raced(e, found.node, shown);
      } catch (RuntimeException e) {
        closeQuietly(listing);
        throw e;
      }
      fs.opened(stream);
      return stream;
    } catch (IOException | RuntimeException e) {
      found.close();
      throw e;
    }
  }

  private static void closeQuietly(OpenDirectory listing) {
    if (listing != null) {
      listing.close();
    }
  }

  void createDirectory(OverlayPath path, FileAttribute<?>... attrs) throws IOException {
    int mode = createMode(attrs, 0777);
    fs.checkWritable();
    try (PathResolver.Entry entry = fs.entry(base, path)) {
      if (entry == null || entry.isDotOrDotDot()) {
        throw Errors.of(Errno.EEXIST, "mkdir", path);
      }
      overlay.forget(overlay.mkdir(entry.dir, entry.name, mode, fs.caller()), 1);
      fs.watchers().created(entry.dir, entry.name);
    } catch (PosixException e) {
      throw fs.translate(e, path);
    }
  }

  // ---------------------------------------------------------------- links

  void createSymbolicLink(OverlayPath link, OverlayPath target, FileAttribute<?>... attrs) throws IOException {
    if (attrs.length > 0) {
      throw new UnsupportedOperationException("a symbolic link has no attributes to set: " + attrs[0].name());
    }
    fs.checkWritable();
    try (PathResolver.Entry entry = fs.entry(base, link)) {
      if (entry == null || entry.isDotOrDotDot()) {
        throw Errors.of(Errno.EEXIST, "symlink", link);
      }
      overlay.forget(overlay.symlink(entry.dir, entry.name, target.bytes(), fs.caller()), 1);
      fs.watchers().created(entry.dir, entry.name);
    } catch (PosixException e) {
      throw fs.translate(e, link);
    }
  }

  /** A hard link; like {@code link(2)}, a symbolic link given as {@code existing} is linked itself. */
  void createLink(OverlayPath link, OverlayPath existing) throws IOException {
    fs.checkWritable();
    try (PathResolver.Found source = fs.find(base, existing, false);
        PathResolver.Entry entry = fs.entry(base, link)) {
      if (entry == null || entry.isDotOrDotDot()) {
        throw Errors.of(Errno.EEXIST, "link", link);
      }
      overlay.forget(overlay.link(source.node, entry.dir, entry.name), 1);
      fs.watchers().created(entry.dir, entry.name);
    } catch (PosixException e) {
      throw fs.translate(e, link, existing);
    }
  }

  OverlayPath readSymbolicLink(OverlayPath link) throws IOException {
    try (PathResolver.Found found = fs.find(base, link, false)) {
      if (found.node.type() != Posix.S_IFLNK) {
        throw Errors.notLink(link);
      }
      return fs.getPath(overlay.readlink(found.node));
    } catch (PosixException e) {
      throw fs.translate(e, link);
    }
  }

  // ---------------------------------------------------------------- removing and renaming

  /** What a delete may remove: {@link java.nio.file.Files#delete} takes either kind. */
  enum Delete {
    ANY,
    FILE,
    DIRECTORY
  }

  /** Removes a name; false when it did not exist and {@code ifExists} allowed that. */
  boolean delete(OverlayPath path, Delete kind, boolean ifExists) throws IOException {
    fs.checkWritable();
    try (PathResolver.Entry entry = fs.entry(base, path)) {
      if (entry == null) {
        throw Errors.of(Errno.EBUSY, "unlink", path);
      }
      Node node = overlay.lookupIfExists(entry.dir, entry.name);
      if (node == null) {
        if (ifExists) {
          return false;
        }
        throw Errors.of(Errno.ENOENT, "unlink", path);
      }
      try {
        boolean directory = kind == Delete.ANY ? node.isDirectory() : kind == Delete.DIRECTORY;
        if (directory) {
          overlay.rmdir(entry.dir, entry.name);
          fs.watchers().removed(node);
        } else {
          overlay.unlink(entry.dir, entry.name);
        }
      } finally {
        overlay.forget(node, 1);
      }
      fs.watchers().deleted(entry.dir, entry.name);
      return true;
    } catch (NoSuchFileException e) {
      if (ifExists) {
        return false;
      }
      throw e;
    } catch (PosixException e) {
      if (ifExists && e.errno() == Errno.ENOENT) {
        return false;
      }
      throw fs.translate(e, path);
    }
  }

  void delete(OverlayPath path, Delete kind) throws IOException {
    delete(path, kind, false);
  }

  /**
   * {@code rename(2)}: replaces an existing target of the same kind in one step (an empty directory, or any
   * non-directory), as {@link java.nio.file.StandardCopyOption#ATOMIC_MOVE} and secure directory streams ask.
   */
  void rename(OverlayPath source, DirectoryView targetView, OverlayPath target) throws IOException {
    rename(source, targetView, target, 0);
  }

  /** A rename with {@code renameat2} flags; answers nothing, reports the change to watchers. */
  void rename(OverlayPath source, DirectoryView targetView, OverlayPath target, int flags) throws IOException {
    fs.checkWritable();
    try (PathResolver.Entry from = fs.entry(base, source);
        PathResolver.Entry to = fs.entry(targetView.base, target)) {
      if (from == null || from.isDotOrDotDot() || to == null || to.isDotOrDotDot()) {
        throw Errors.of(Errno.EBUSY, "rename", source, target);
      }
      overlay.rename(from.dir, from.name, to.dir, to.name, flags);
      fs.watchers().deleted(from.dir, from.name);
      fs.watchers().created(to.dir, to.name);
    } catch (PosixException e) {
      throw fs.translate(e, e.errno() == Errno.EEXIST || e.errno() == Errno.ENOTEMPTY ? target : source,
          e.errno() == Errno.EEXIST || e.errno() == Errno.ENOTEMPTY ? null : target);
    }
  }

  // ---------------------------------------------------------------- questions

  boolean exists(OverlayPath path, boolean follow) {
    try (PathResolver.Found found = fs.findIfExists(base, path, follow)) {
      return found != null;
    } catch (IOException e) {
      return false;
    }
  }

  OverlayFileAttributes readAttributesIfExists(OverlayPath path, boolean follow) throws IOException {
    try (PathResolver.Found found = fs.findIfExists(base, path, follow)) {
      return found == null ? null : new OverlayFileAttributes(FileRef.stat(overlay, found.node, path));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Checks access with the file's mode bits, as {@code access(2)} does for the view's user: root may read and
   * write anything and execute what has an execute bit; nobody may write to a read-only view.
   */
  void checkAccess(OverlayPath path, AccessMode... modes) throws IOException {
    Stat st;
    try (PathResolver.Found found = fs.find(base, path, true)) {
      st = FileRef.stat(overlay, found.node, path);
    }
    int uid = fs.caller().uid();
    for (AccessMode m : modes) {
      if (m == AccessMode.WRITE && fs.isReadOnly()) {
        throw Errors.of(Errno.EROFS, "access", path);
      }
      int bit = switch (m) {
        case READ -> 4;
        case WRITE -> 2;
        case EXECUTE -> 1;
      };
      boolean allowed;
      if (uid == 0) {
        allowed = m != AccessMode.EXECUTE || st.isDirectory() || (st.mode() & 0111) != 0;
      } else {
        int shift = st.uid() == uid ? 6 : st.gid() == fs.caller().gid() ? 3 : 0;
        allowed = (st.mode() & (bit << shift)) != 0;
      }
      if (!allowed) {
        throw Errors.of(Errno.EACCES, "access", path);
      }
    }
  }

  boolean isSameFile(OverlayPath a, OverlayPath b) throws IOException {
    if (a.equals(b)) {
      return true;
    }
    try (PathResolver.Found first = fs.find(base, a, true);
        PathResolver.Found second = fs.find(base, b, true)) {
      return first.node == second.node || first.node.ino() == second.node.ino();
    }
  }
}
