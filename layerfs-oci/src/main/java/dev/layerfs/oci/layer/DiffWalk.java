package dev.layerfs.oci.layer;

import dev.layerfs.oci.tar.SparseMap;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarWriter;
import dev.layerfs.posix.DirEntry;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of {@link LayerDiff}: a depth-first walk of the upper directory, each directory's entries sorted by the
 * bytes of the names they are written under, through descriptors so that nothing in the upper directory (which a
 * container may still be changing) can make the walk follow a symlink.
 */
final class DiffWalk implements AutoCloseable {
  private static final byte[] DOT = {'.'};
  private static final byte[] WHITEOUT_PREFIX = {'.', 'w', 'h', '.'};
  private static final byte[] OPAQUE_MARKER = ".wh..wh..opq".getBytes(StandardCharsets.US_ASCII);

  private record Inode(long dev, long ino) {}

  /** A name in a directory being written: from the upper directory or, in a whole-contents copy, from below. */
  private record Child(byte[] name, byte[] written, Stat upper, boolean whiteout) {}

  private final int upperRoot;
  private final OverlayNamespace namespace;
  private final LowerLayers lowers;
  private final TarWriter tar;
  private final Map<Inode, byte[]> linked = new HashMap<>();
  private long entries;
  private long whiteouts;
  private long opaqueDirectories;
  private long redirectedDirectories;
  private long dataBytes;

  DiffWalk(Path upper, OverlayNamespace namespace, LowerLayers lowers, TarWriter tar) throws IOException {
    this.namespace = namespace;
    this.lowers = lowers;
    this.tar = tar;
    try {
      this.upperRoot = Fds.openDirectory(upper);
    } catch (PosixException e) {
      if (lowers != null) {
        lowers.close();
      }
      throw new IOException("upper directory " + upper + ": " + e.getMessage(), e);
    }
  }

  void run() throws IOException {
    try (LowerLayers.Stack below = lowers == null ? null : lowers.root()) {
      directory(upperRoot, below, EntryPath.ROOT, false);
    }
  }

  DiffResult result() {
    return new DiffResult(entries, whiteouts, opaqueDirectories, redirectedDirectories, dataBytes);
  }

  /**
   * Writes the entries of a directory. {@code upperFd} is -1 for a directory only the lower layers have; {@code
   * below} is the lower stack at this place, null when the lower layers are unknown; {@code whole} asks for the
   * merged contents (under a renamed directory) rather than the upper directory's changes.
   */
  private void directory(int upperFd, LowerLayers.Stack below, EntryPath path, boolean whole) throws IOException {
    List<Child> children = new ArrayList<>();
    Map<String, Boolean> names = new HashMap<>();
    if (upperFd >= 0) {
      for (DirEntry e : Posix.readDirectory(upperFd, DOT)) {
        Stat st = Posix.lstatat(upperFd, e.name());
        boolean whiteout = LowerLayers.isWhiteout(namespace, upperFd, e.name(), st);
        if (whiteout && whole) {
          names.put(key(e.name()), true);
          continue;
        }
        children.add(new Child(e.name(), whiteout ? concat(WHITEOUT_PREFIX, e.name()) : e.name(), st, whiteout));
        names.put(key(e.name()), true);
      }
    }
    if (whole && below != null && !below.isEmpty()) {
      for (byte[] name : lowers.names(below)) {
        if (!names.containsKey(key(name))) {
          children.add(new Child(name, name, null, false));
        }
      }
    }
    children.sort((a, b) -> Arrays.compareUnsigned(a.written, b.written));
    for (Child child : children) {
      if (child.upper == null) {
        lowerOnly(below, path, child.name);
      } else if (child.whiteout) {
        whiteouts++;
        emit(TarEntry.builder(TarEntry.Type.REGULAR, path.child(child.written).bytes()).mode(0)
            .mtime(instant(child.upper.mtime())).build());
      } else if (child.upper.isDirectory()) {
        upperDirectory(upperFd, child.name, child.upper, below, path, whole);
      } else {
        nonDirectory(upperFd, child.name, child.upper, path.child(child.name), below, -1);
      }
    }
  }

  private void upperDirectory(int parentFd, byte[] name, Stat st, LowerLayers.Stack parentBelow, EntryPath parent,
      boolean whole) throws IOException {
    EntryPath path = parent.child(name);
    List<String> attrs = listXattrs(parentFd, name);
    boolean opaque = attrs.contains(namespace.opaque()) && LowerLayers.isOpaque(namespace, parentFd, name);
    byte[] redirect = opaque || !attrs.contains(namespace.redirect()) ? null
        : LowerLayers.readXattr(parentFd, name, namespace.redirect());
    LowerLayers.Stack below;
    boolean childWhole = whole;
    boolean marker;
    if (redirect != null) {
      if (lowers == null) {
        throw new IOException("upper directory '" + path.display() + "' was renamed from a lower directory ("
            + namespace.redirect() + "='" + Names.printable(redirect) + "'): its contents are in the lower "
            + "layers, so the layer must carry them all, and the diff needs the lower layers (--lower)");
      }
      below = lowers.redirected(parentBelow, redirect, path.display());
      childWhole = true;
      marker = !whole && lowerHasDirectory(parentBelow, name);
      redirectedDirectories++;
    } else if (opaque) {
      below = LowerLayers.Stack.empty();
      marker = !whole && (parentBelow == null || lowerHasDirectory(parentBelow, name));
    } else {
      below = parentBelow == null ? null : lowers.directory(parentBelow, name);
      marker = false;
    }
    try {
      emit(withXattrs(TarEntry.builder(TarEntry.Type.DIRECTORY, path.bytes()), parentFd, name, st, attrs).build());
      if (marker) {
        opaqueDirectories++;
        emit(TarEntry.builder(TarEntry.Type.REGULAR, path.child(OPAQUE_MARKER).bytes()).mode(0)
            .mtime(instant(st.mtime())).build());
      }
      int fd = Fds.openDirectory(parentFd, name);
      try {
        directory(fd, below, path, childWhole);
      } finally {
        Posix.closeQuietly(fd);
      }
    } finally {
      if (below != null) {
        below.close();
      }
    }
  }

  /** A name only the lower layers have, inside a renamed directory: written as the merged view shows it. */
  private void lowerOnly(LowerLayers.Stack below, EntryPath parent, byte[] name) throws IOException {
    try (LowerLayers.Found found = lowers.child(below, name)) {
      if (found == null) {
        return;
      }
      EntryPath path = parent.child(name);
      if (found.stat().isDirectory()) {
        emit(withXattrs(TarEntry.builder(TarEntry.Type.DIRECTORY, path.bytes()), found.parentFd(), name,
            found.stat(), listXattrs(found.parentFd(), name)).build());
        directory(-1, found.stack(), path, true);
      } else {
        nonDirectory(found.parentFd(), name, found.stat(), path, below, found.layer());
      }
    }
  }

  private boolean lowerHasDirectory(LowerLayers.Stack parentBelow, byte[] name) throws PosixException {
    if (parentBelow == null || parentBelow.isEmpty()) {
      return false;
    }
    try (LowerLayers.Found found = lowers.child(parentBelow, name)) {
      return found != null && found.stat().isDirectory();
    }
  }

  /**
   * Writes a non-directory that is in upper ({@code layer} -1) or in lower layer {@code layer}; {@code below} is the
   * lower stack of its directory, where the data of a metacopy file is looked for.
   */
  private void nonDirectory(int dirFd, byte[] name, Stat st, EntryPath path, LowerLayers.Stack below, int layer)
      throws IOException {
    int type = st.type();
    if (type == Posix.S_IFSOCK) {
      return;
    }
    if (st.nlink() > 1) {
      Inode inode = new Inode(st.dev(), st.ino());
      byte[] first = linked.get(inode);
      if (first != null) {
        emit(TarEntry.builder(TarEntry.Type.HARD_LINK, path.bytes()).linkTarget(first).mode(st.permissions())
            .uid(st.uid() & 0xffffffffL).gid(st.gid() & 0xffffffffL).mtime(instant(st.mtime())).build());
        return;
      }
      linked.put(inode, path.bytes());
    }
    List<String> attrs = listXattrs(dirFd, name);
    TarEntry.Builder entry = withXattrs(TarEntry.builder(typeOf(st, path), path.bytes()), dirFd, name, st, attrs);
    switch (type) {
      case Posix.S_IFREG -> {
        regular(dirFd, name, st, entry, path, below, layer, attrs.contains(namespace.metacopy()));
        return;
      }
      case Posix.S_IFLNK -> entry.linkTarget(Posix.readlinkat(dirFd, name));
      case Posix.S_IFCHR, Posix.S_IFBLK -> entry.device(Posix.major(st.rdev()), Posix.minor(st.rdev()));
      default -> {}
    }
    emit(entry.build());
  }

  /**
   * Writes a regular file with its data: a metacopy file's data from the lower file that holds it, as a mount
   * would read it (its size is already the data's).
   */
  private void regular(int dirFd, byte[] name, Stat st, TarEntry.Builder entry, EntryPath path,
      LowerLayers.Stack below, int layer, boolean metacopy) throws IOException {
    int fd;
    Stat holder;
    if (!metacopy) {
      fd = Posix.openat(dirFd, name, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK);
      holder = st;
    } else if (lowers == null) {
      throw new IOException("'" + path.display() + "' is a metacopy file (" + namespace.metacopy() + "): its data "
          + "is in the lower layers, so the diff needs them (--lower)");
    } else {
      LowerLayers.Data found = lowers.metacopyData(below, layer, name,
          LowerLayers.readXattr(dirFd, name, namespace.redirect()), path.display());
      fd = found.fd();
      holder = found.stat();
    }
    try {
      long size = st.size();
      SparseMap sparse = holder.blocks() * 512 < size ? sparseMap(fd, size) : null;
      entry.size(size).sparseMap(sparse);
      List<InputStream> parts = new ArrayList<>();
      if (sparse == null) {
        parts.add(Fds.input(fd, 0, size));
      } else {
        for (SparseMap.Region region : sparse.regions()) {
          parts.add(Fds.input(fd, region.offset(), region.length()));
        }
      }
      TarEntry built = entry.build();
      try (InputStream data = new SequenceInputStream(Collections.enumeration(parts))) {
        entries++;
        tar.write(built, data);
      }
      dataBytes += built.storedSize();
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  /** The data regions of a file with holes, or null when it has none worth recording. */
  private static SparseMap sparseMap(int fd, long size) throws PosixException {
    List<SparseMap.Region> regions = new ArrayList<>();
    long offset = 0;
    while (offset < size) {
      long data;
      try {
        data = Posix.lseek(fd, offset, Posix.SEEK_DATA);
      } catch (PosixException e) {
        if (e.errno() == Errno.ENXIO) {
          break;
        }
        throw e;
      }
      if (data >= size) {
        break;
      }
      long hole = Math.min(size, Posix.lseek(fd, data, Posix.SEEK_HOLE));
      regions.add(new SparseMap.Region(data, hole - data));
      offset = hole;
    }
    if (regions.size() == 1 && regions.getFirst().offset() == 0 && regions.getFirst().length() == size) {
      return null;
    }
    return new SparseMap(regions);
  }

  private static TarEntry.Type typeOf(Stat st, EntryPath path) throws IOException {
    return switch (st.type()) {
      case Posix.S_IFREG -> TarEntry.Type.REGULAR;
      case Posix.S_IFLNK -> TarEntry.Type.SYMLINK;
      case Posix.S_IFCHR -> TarEntry.Type.CHAR_DEVICE;
      case Posix.S_IFBLK -> TarEntry.Type.BLOCK_DEVICE;
      case Posix.S_IFIFO -> TarEntry.Type.FIFO;
      default -> throw new IOException("'" + path.display() + "' has an unknown file type "
          + Integer.toOctalString(st.type()));
    };
  }

  /** The names of an object's xattrs; none where the filesystem has none. */
  private static List<String> listXattrs(int dirFd, byte[] name) throws PosixException {
    try {
      return Xattrs.list(dirFd, name);
    } catch (PosixException e) {
      if (e.errno() == Errno.EOPNOTSUPP) {
        return List.of();
      }
      throw e;
    }
  }

  /**
   * Owner, mode, mtime and, of the xattrs named in {@code attrs}, those that belong in a layer (the overlay's own
   * dropped, escaped ones restored).
   */
  private TarEntry.Builder withXattrs(TarEntry.Builder entry, int dirFd, byte[] name, Stat st, List<String> attrs)
      throws PosixException {
    entry.mode(st.permissions()).uid(st.uid() & 0xffffffffL).gid(st.gid() & 0xffffffffL)
        .mtime(instant(st.mtime()));
    List<String> sorted = new ArrayList<>(attrs);
    Collections.sort(sorted);
    for (String attr : sorted) {
      String inTar = namespace.toTar(attr);
      if (inTar == null) {
        continue;
      }
      byte[] value = LowerLayers.readXattr(dirFd, name, attr);
      if (value != null) {
        entry.xattr(Xattrs.bytes(inTar), value);
      }
    }
    return entry;
  }

  private void emit(TarEntry entry) throws IOException {
    entries++;
    tar.write(entry);
  }

  private static Instant instant(Timespec t) {
    return Instant.ofEpochSecond(t.seconds(), t.nanos());
  }

  private static String key(byte[] name) {
    return new String(name, StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public void close() {
    Posix.closeQuietly(upperRoot);
    if (lowers != null) {
      lowers.close();
    }
  }
}
