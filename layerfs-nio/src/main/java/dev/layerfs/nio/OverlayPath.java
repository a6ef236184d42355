package dev.layerfs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A path in an overlay view, kept as the bytes Linux uses (like the JDK's {@code UnixPath}), so names that are not
 * UTF-8 survive every operation; {@link #toString} decodes them losslessly (see {@link PathBytes}).
 *
 * <p>The bytes are normalized only as far as the JDK does: no repeated or trailing slash. A relative path is
 * taken from the root, the view's only working directory.
 */
final class OverlayPath implements Path {
  private final OverlayFileSystem fs;
  private final byte[] path;
  /** Where each name starts; computed on first use. */
  private volatile int[] offsets;
  /** Each name as its own array, for the lookups of a path used many times; computed on first use. */
  private volatile byte[][] names;
  private String string;
  private int hash;

  private OverlayPath(OverlayFileSystem fs, byte[] normalized) {
    this.fs = fs;
    this.path = normalized;
  }

  /** A path from raw bytes; redundant slashes are removed, a NUL byte is an {@code InvalidPathException}. */
  static OverlayPath of(OverlayFileSystem fs, byte[] bytes, Object input) {
    return new OverlayPath(fs, PathBytes.normalizeSlashes(bytes, input));
  }

  static OverlayPath of(OverlayFileSystem fs, String s) {
    return of(fs, PathBytes.encode(s), s);
  }

  /** The path's bytes; not a copy, never to be changed. */
  byte[] bytes() {
    return path;
  }

  boolean isEmpty() {
    return path.length == 0;
  }

  /** The names of the path; not copies, never to be changed. The empty path has none here. */
  byte[][] names() {
    byte[][] result = names;
    if (result == null) {
      int[] offs = offsets();
      int count = isEmpty() ? 0 : offs.length;
      result = new byte[count][];
      for (int i = 0; i < count; i++) {
        result[i] = Arrays.copyOfRange(path, offs[i], end(i));
      }
      names = result;
    }
    return result;
  }

  private int[] offsets() {
    int[] result = offsets;
    if (result == null) {
      int count = 0;
      int n = path.length;
      for (int i = 0; i < n; i++) {
        if (path[i] != '/' && (i == 0 || path[i - 1] == '/')) {
          count++;
        }
      }
      if (n == 0) {
        count = 1;
      }
      result = new int[count];
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (path[i] != '/' && (i == 0 || path[i - 1] == '/')) {
          result[k++] = i;
        }
      }
      offsets = result;
    }
    return result;
  }

  private int end(int index) {
    int[] offs = offsets();
    return index + 1 < offs.length ? offs[index + 1] - 1 : path.length;
  }

  private OverlayPath slice(int from, int to) {
    return new OverlayPath(fs, Arrays.copyOfRange(path, from, to));
  }

  @Override
  public OverlayFileSystem getFileSystem() {
    return fs;
  }

  @Override
  public boolean isAbsolute() {
    return path.length > 0 && path[0] == '/';
  }

  @Override
  public OverlayPath getRoot() {
    return isAbsolute() ? fs.root() : null;
  }

  @Override
  public OverlayPath getFileName() {
    int count = getNameCount();
    if (count == 0) {
      return null;
    }
    if (count == 1 && !isAbsolute()) {
      return this;
    }
    return slice(offsets()[count - 1], path.length);
  }

  @Override
  public OverlayPath getParent() {
    int count = getNameCount();
    if (count == 0) {
      return null;
    }
    int cut = offsets()[count - 1] - 1;
    if (cut <= 0) {
      return getRoot();
    }
    return slice(0, cut);
  }

  @Override
  public int getNameCount() {
    return offsets().length;
  }

  @Override
  public OverlayPath getName(int index) {
    if (index < 0 || index >= getNameCount()) {
      throw new IllegalArgumentException("no name " + index + " in " + this);
    }
    return slice(offsets()[index], end(index));
  }

  @Override
  public OverlayPath subpath(int beginIndex, int endIndex) {
    if (beginIndex < 0 || beginIndex >= getNameCount() || endIndex > getNameCount() || beginIndex >= endIndex) {
      throw new IllegalArgumentException("no names " + beginIndex + ".." + endIndex + " in " + this);
    }
    return slice(offsets()[beginIndex], end(endIndex - 1));
  }

  @Override
  public boolean startsWith(Path other) {
    if (!(Objects.requireNonNull(other) instanceof OverlayPath that) || that.fs != fs) {
      return false;
    }
    if (isAbsolute() != that.isAbsolute() || that.path.length > path.length) {
      return false;
    }
    if (that.isEmpty()) {
      return isEmpty();
    }
    int count = that.getNameCount();
    if (count > getNameCount()) {
      return false;
    }
    if (count == 0) {
      return true;
    }
    for (int i = 0; i < count; i++) {
      if (!Arrays.equals(path, offsets()[i], end(i), that.path, that.offsets()[i], that.end(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean endsWith(Path other) {
    if (!(Objects.requireNonNull(other) instanceof OverlayPath that) || that.fs != fs) {
      return false;
    }
    if (that.isAbsolute()) {
      return equals(that);
    }
    if (that.isEmpty()) {
      return isEmpty();
    }
    int mine = getNameCount();
    int theirs = that.getNameCount();
    if (theirs > mine || isEmpty()) {
      return false;
    }
    for (int i = 0; i < theirs; i++) {
      int k = mine - theirs + i;
      if (!Arrays.equals(path, offsets()[k], end(k), that.path, that.offsets()[i], that.end(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public OverlayPath normalize() {
    byte[][] all = names();
    List<byte[]> kept = new ArrayList<>(all.length);
    boolean changed = false;
    for (byte[] name : all) {
      if (PathBytes.isDot(name)) {
        changed = true;
      } else if (PathBytes.isDotDot(name)) {
        if (!kept.isEmpty() && !PathBytes.isDotDot(kept.getLast())) {
          kept.removeLast();
          changed = true;
        } else if (isAbsolute()) {
          changed = true;
        } else {
          kept.add(name);
        }
      } else {
        kept.add(name);
      }
    }
    return changed ? join(isAbsolute(), kept) : this;
  }

  private OverlayPath join(boolean absolute, List<byte[]> parts) {
    int length = absolute ? 1 : 0;
    for (byte[] p : parts) {
      length += p.length + 1;
    }
    byte[] out = new byte[Math.max(length - 1, absolute ? 1 : 0)];
    int o = 0;
    if (absolute) {
      out[o++] = '/';
    }
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        out[o++] = '/';
      }
      byte[] p = parts.get(i);
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return new OverlayPath(fs, out);
  }

  @Override
  public OverlayPath resolve(Path other) {
    OverlayPath that = checkPath(other);
    if (that.isAbsolute() || isEmpty()) {
      return that;
    }
    if (that.isEmpty()) {
      return this;
    }
    return resolve(that.path);
  }

  @Override
  public OverlayPath resolve(String other) {
    return resolve(of(fs, other));
  }

  /** This path and one more relative part, given as bytes without leading slash. */
  OverlayPath resolve(byte[] relative) {
    if (isEmpty()) {
      return new OverlayPath(fs, relative);
    }
    boolean root = path.length == 1;
    byte[] out = Arrays.copyOf(path, path.length + (root ? 0 : 1) + relative.length);
    if (!root) {
      out[path.length] = '/';
    }
    System.arraycopy(relative, 0, out, out.length - relative.length, relative.length);
    return new OverlayPath(fs, out);
  }

  @Override
  public OverlayPath relativize(Path other) {
    OverlayPath that = checkPath(other);
    if (that.isAbsolute() != isAbsolute()) {
      throw new IllegalArgumentException("'" + other + "' and '" + this + "' are not both absolute or relative");
    }
    if (equals(that)) {
      return new OverlayPath(fs, new byte[0]);
    }
    if (isEmpty()) {
      return that;
    }
    byte[][] mine = names();
    byte[][] theirs = that.names();
    int common = 0;
    while (common < mine.length && common < theirs.length && Arrays.equals(mine[common], theirs[common])) {
      common++;
    }
    List<byte[]> parts = new ArrayList<>();
    for (int i = common; i < mine.length; i++) {
      parts.add(new byte[] {'.', '.'});
    }
    for (int i = common; i < theirs.length; i++) {
      parts.add(theirs[i]);
    }
    return join(false, parts);
  }

  @Override
  public URI toUri() {
    return fs.toUri(toAbsolutePath());
  }

  @Override
  public OverlayPath toAbsolutePath() {
    if (isAbsolute()) {
      return this;
    }
    return fs.root().resolve(path);
  }

  @Override
  public OverlayPath toRealPath(LinkOption... options) throws IOException {
    return fs.realPath(this, OverlayFileSystemProvider.followLinks(options));
  }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
      throws IOException {
    return fs.watchers().register(this, watcher, events, modifiers);
  }

  @Override
  public int compareTo(Path other) {
    return Arrays.compareUnsigned(path, ((OverlayPath) other).path);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OverlayPath that && that.fs == fs && Arrays.equals(path, that.path);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(path);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    String s = string;
    if (s == null) {
      s = PathBytes.decode(path);
      string = s;
    }
    return s;
  }

  private OverlayPath checkPath(Path other) {
    if (!(Objects.requireNonNull(other) instanceof OverlayPath that) || that.fs != fs) {
      throw new ProviderMismatchException("not a path of " + fs + ": " + other);
    }
    return that;
  }
}
