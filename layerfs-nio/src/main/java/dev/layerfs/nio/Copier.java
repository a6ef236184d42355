package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.core.OpenDirectory;
import dev.layerfs.core.OpenFile;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.SetAttr;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.CopyOption;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;

/**
 * {@code Files.copy} and {@code Files.move} between paths of overlay views, with the JDK's semantics: a move within
 * one view is the engine's rename (so the kernel's whiteout and redirect rules apply), and becomes a copy and a
 * delete only where a rename cannot do it (EXDEV, or another view); a directory is moved that way only when
 * empty, as the JDK's own move does.
 *
 * <p>Data is copied with {@code copy_file_range}, so the upper filesystem may share extents instead of bytes.
 * Copies to or from other providers never come here: {@link java.nio.file.Files} does those itself.
 */
final class Copier {
  private static final long CHUNK = 1 << 20;

  private Copier() {}

  private record CopyFlags(boolean replace, boolean copyAttributes, boolean follow) {}

  static void copy(OverlayPath source, OverlayPath target, CopyOption... options) throws IOException {
    boolean replace = false;
    boolean attributes = false;
    boolean follow = true;
    for (CopyOption option : options) {
      if (option == StandardCopyOption.REPLACE_EXISTING) {
        replace = true;
      } else if (option == StandardCopyOption.COPY_ATTRIBUTES) {
        attributes = true;
      } else if (option == LinkOption.NOFOLLOW_LINKS) {
        follow = false;
      } else if (option == null) {
        throw new NullPointerException();
      } else {
        throw new UnsupportedOperationException("unsupported copy option " + option);
      }
    }
    copy(source, target, new CopyFlags(replace, attributes, follow));
  }

  private static void copy(OverlayPath source, OverlayPath target, CopyFlags flags) throws IOException {
    OverlayFileSystem from = source.getFileSystem();
    OverlayFileSystem to = target.getFileSystem();
    to.checkWritable();
    try (PathResolver.Found src = from.find(source, flags.follow)) {
      Stat st = FileRef.stat(from.overlay(), src.node, source);
      try (PathResolver.Entry entry = to.entry(to.overlay().root(), target)) {
        if (entry == null || entry.isDotOrDotDot()) {
          throw Errors.of(Errno.EEXIST, "copy", target);
        }
        if (!clearTarget(from, src.node, to, entry, target, flags.replace)) {
          return;
        }
        make(from, src.node, st, to, entry, source, target, flags.copyAttributes);
        to.watchers().created(entry.dir, entry.name);
      } catch (PosixException e) {
        throw to.translate(e, target, source);
      }
    }
  }

  /** Removes an existing target when replacing; false when it is the source itself (nothing to copy). */
  private static boolean clearTarget(OverlayFileSystem from, Node source, OverlayFileSystem to,
      PathResolver.Entry entry, OverlayPath target, boolean replace) throws IOException {
    Node existing = to.overlay().lookupIfExists(entry.dir, entry.name);
    if (existing == null) {
      return true;
    }
    try {
      if (from == to && (existing == source || (!existing.isDirectory() && existing.ino() == source.ino()))) {
        return false;
      }
      if (!replace) {
        throw Errors.of(Errno.EEXIST, "copy", target);
      }
      try {
        if (existing.isDirectory()) {
          to.overlay().rmdir(entry.dir, entry.name);
          to.watchers().removed(existing);
        } else {
          to.overlay().unlink(entry.dir, entry.name);
        }
      } catch (PosixException e) {
        if (e.errno() == Errno.ENOTEMPTY || e.errno() == Errno.EEXIST) {
          throw Errors.of(Errno.ENOTEMPTY, "rmdir", target);
        }
        if (e.errno() != Errno.ENOENT) {
          throw e;
        }
      }
      to.watchers().deleted(entry.dir, entry.name);
      return true;
    } finally {
      to.overlay().forget(existing, 1);
    }
  }

  /** Makes the copy: an empty directory, the same link, a device node, or a file with the same bytes. */
  private static void make(OverlayFileSystem from, Node source, Stat st, OverlayFileSystem to,
      PathResolver.Entry entry, OverlayPath sourcePath, OverlayPath target, boolean attributes)
      throws IOException {
    Overlay in = from.overlay();
    Overlay out = to.overlay();
    int perms = st.permissions();
    switch (st.type()) {
      case Posix.S_IFREG -> {
        try (OpenFile reader = openSource(from, source, sourcePath);
            OpenFile writer = out.create(entry.dir, entry.name, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL,
                perms, to.caller())) {
          copyData(reader, writer, st.size());
          if (attributes) {
            copyAttributes(in, source, st, out, writer.node());
          }
        }
      }
      case Posix.S_IFDIR -> finish(in, source, st, out, out.mkdir(entry.dir, entry.name, perms, to.caller()),
          attributes);
      case Posix.S_IFLNK -> finish(in, source, st, out,
          out.symlink(entry.dir, entry.name, in.readlink(source), to.caller()), attributes);
      default -> finish(in, source, st, out, out.mknod(entry.dir, entry.name, st.mode(), st.rdev(), to.caller()),
          attributes);
    }
  }

  private static OpenFile openSource(OverlayFileSystem from, Node source, OverlayPath path) throws IOException {
    try {
      return from.overlay().open(source, Posix.O_RDONLY);
    } catch (PosixException e) {
      from.checkOpen();
      throw Errors.raced(e, source, path);
    }
  }

  private static void finish(Overlay in, Node source, Stat st, Overlay out, Node made, boolean attributes)
      throws PosixException {
    try {
      if (attributes) {
        copyAttributes(in, source, st, out, made);
      }
    } finally {
      out.forget(made, 1);
    }
  }

  private static void copyData(OpenFile reader, OpenFile writer, long size) throws PosixException {
    long done = 0;
    try {
      int in = reader.fd();
      int out = writer.fd();
      while (true) {
        long n = Posix.copyFileRange(in, done, out, done, Math.max(CHUNK, size - done));
        if (n == 0) {
          return;
        }
        done += n;
      }
    } catch (PosixException e) {
      if (e.errno() != Errno.EXDEV && e.errno() != Errno.EINVAL && e.errno() != Errno.ENOSYS
          && e.errno() != Errno.EOPNOTSUPP) {
        throw e;
      }
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(CHUNK);
      while (true) {
        long n = reader.read(buffer, done);
        if (n == 0) {
          return;
        }
        long written = 0;
        while (written < n) {
          written += writer.write(buffer.asSlice(written, n - written), done + written);
        }
        done += n;
      }
    }
  }

  /**
   * Owner, mode, extended attributes and times, in the JDK's order; owner and attributes the caller may not set
   * (not root, or a namespace the filesystem refuses) are skipped, as the JDK skips them.
   */
  private static void copyAttributes(Overlay in, Node source, Stat st, Overlay out, Node target)
      throws PosixException {
    try {
      out.setattr(target, SetAttr.owner(st.uid(), st.gid()));
    } catch (PosixException e) {
      if (e.errno() != Errno.EPERM) {
        throw e;
      }
    }
    if (st.type() != Posix.S_IFLNK) {
      out.setattr(target, SetAttr.mode(st.permissions()));
    }
    for (String name : in.listxattr(source)) {
      try {
        out.setxattr(target, name, in.getxattr(source, name), 0);
      } catch (PosixException e) {
        if (e.errno() != Errno.EPERM && e.errno() != Errno.EOPNOTSUPP && e.errno() != Errno.ENODATA) {
          throw e;
        }
      }
    }
    out.setattr(target, SetAttr.times(st.atime(), st.mtime()));
  }

  // ---------------------------------------------------------------- move

  static void move(OverlayPath source, OverlayPath target, CopyOption... options) throws IOException {
    boolean atomic = false;
    boolean replace = false;
    for (CopyOption option : options) {
      if (option == StandardCopyOption.ATOMIC_MOVE) {
        atomic = true;
      } else if (option == StandardCopyOption.REPLACE_EXISTING) {
        replace = true;
      } else if (option == LinkOption.NOFOLLOW_LINKS) {
        continue;
      } else if (option == null) {
        throw new NullPointerException();
      } else {
        throw new UnsupportedOperationException("unsupported move option " + option);
      }
    }
    OverlayFileSystem fs = source.getFileSystem();
    fs.checkWritable();
    target.getFileSystem().checkWritable();
    if (target.getFileSystem() != fs) {
      if (atomic) {
        throw Errors.atomicMove(source, target, "the paths are in different overlay views");
      }
      copyAndDelete(source, target, replace);
      return;
    }
    DirectoryView view = fs.rootView();
    if (atomic) {
      try {
        view.rename(source, view, target, 0);
      } catch (IOException e) {
        if (OverlayFs.errno(e) == Errno.EXDEV) {
          throw Errors.atomicMove(source, target, "the overlay cannot rename this directory (redirect_dir is off)");
        }
        throw e;
      }
      return;
    }
    if (sameFile(fs, source, target)) {
      return;
    }
    try {
      view.rename(source, view, target, replace ? 0 : Posix.RENAME_NOREPLACE);
    } catch (IOException e) {
      int errno = OverlayFs.errno(e);
      if (replace && (errno == Errno.EISDIR || errno == Errno.ENOTDIR)) {
        view.delete(target, DirectoryView.Delete.ANY);
        view.rename(source, view, target, Posix.RENAME_NOREPLACE);
      } else if (errno == Errno.EXDEV) {
        copyAndDelete(source, target, replace);
      } else {
        throw e;
      }
    }
  }

  /**
   * Whether both paths name one file, so the move does nothing; false when either cannot be resolved, since the
   * rename that follows then reports why, in the kernel's order (source parent, target parent, source, target).
   */
  private static boolean sameFile(OverlayFileSystem fs, OverlayPath source, OverlayPath target) {
    Node root = fs.overlay().root();
    try (PathResolver.Found s = fs.findIfExists(root, source, false);
        PathResolver.Found t = s == null ? null : fs.findIfExists(root, target, false)) {
      return t != null && (s.node == t.node || (!s.node.isDirectory() && s.node.ino() == t.node.ino()));
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a directory lists nothing but "." and "..": read until its first other entry, however large it is. */
  private static boolean isEmptyDirectory(OverlayFileSystem fs, Node dir) throws PosixException {
    boolean[] found = {false};
    try (OpenDirectory listing = fs.overlay().openDirectory(dir)) {
      listing.read(0, (name, ino, type, next) -> {
        found[0] = !Names.isDotOrDotDot(name);
        return !found[0];
      });
    }
    return !found[0];
  }

  /** A move that a rename cannot do: copy everything about the file, then delete the source. */
  private static void copyAndDelete(OverlayPath source, OverlayPath target, boolean replace) throws IOException {
    OverlayFileSystem fs = source.getFileSystem();
    try (PathResolver.Found src = fs.find(source, false)) {
      if (src.node.isDirectory() && !isEmptyDirectory(fs, src.node)) {
        throw Errors.of(Errno.ENOTEMPTY, "move", source);
      }
    } catch (PosixException e) {
      throw fs.translate(e, source);
    }
    copy(source, target, new CopyFlags(replace, true, false));
    fs.rootView().delete(source, DirectoryView.Delete.ANY);
  }
}
