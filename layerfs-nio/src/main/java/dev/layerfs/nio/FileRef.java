package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.core.Overlay;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;

/**
 * The file an attribute view is about: a path found again at each call (as the JDK's views do, so a view outlives
 * renames of what it first named), or the directory a {@link java.nio.file.SecureDirectoryStream} holds open.
 */
final class FileRef {
  private final OverlayFileSystem fs;
  private final Node base;
  private final OverlayPath path;
  private final boolean follow;
  private final Node held;

  private FileRef(OverlayFileSystem fs, Node base, OverlayPath path, boolean follow, Node held) {
    this.fs = fs;
    this.base = base;
    this.path = path;
    this.follow = follow;
    this.held = held;
  }

  /** {@code path}, from {@code base} when relative. */
  static FileRef byPath(OverlayFileSystem fs, Node base, OverlayPath path, boolean follow) {
    return new FileRef(fs, base, path, follow, null);
  }

  /** A node whose reference the caller holds for as long as the view is used; {@code path} is for messages. */
  static FileRef byNode(OverlayFileSystem fs, Node node, OverlayPath path) {
    return new FileRef(fs, null, path, false, node);
  }

  interface Call<T> {
    T call(PathResolver.Found file) throws IOException;
  }

  /** Runs {@code call} on the file, with engine failures reported against the path. */
  <T> T apply(Call<T> call) throws IOException {
    PathResolver.Found found = held != null ? fs.borrowed(held) : fs.find(base, path, follow);
    try {
      return call.call(found);
    } catch (PosixException e) {
      throw fs.translate(e, path);
    } finally {
      found.close();
    }
  }

  /** The file's attributes. */
  Stat stat(PathResolver.Found file) throws IOException {
    return stat(fs.overlay(), file.node, path);
  }

  /**
   * {@code getattr}, checked against the node's type: a stat that meets the whiteout of a concurrent removal
   * (see {@link Errors#raced}) reports a character device, and the file is gone.
   */
  static Stat stat(Overlay overlay, Node node, OverlayPath path) throws IOException {
    Stat st;
    try {
      st = overlay.getattr(node);
    } catch (PosixException e) {
      throw Errors.raced(e, node, path);
    }
    if (st.type() != node.type()) {
      throw Errors.of(Errno.ENOENT, "stat", path);
    }
    return st;
  }

  Overlay overlay() {
    return fs.overlay();
  }

  OverlayPath path() {
    return path;
  }

  void checkWritable() {
    fs.checkWritable();
  }

  /** Reports an attribute change to the watch services, as inotify's IN_ATTRIB becomes ENTRY_MODIFY. */
  void modified(PathResolver.Found file) {
    if (file.parent != null) {
      fs.watchers().modified(file.parent, file.name);
    }
  }
}
