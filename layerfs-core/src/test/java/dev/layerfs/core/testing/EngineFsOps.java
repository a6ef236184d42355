package dev.layerfs.core.testing;

import dev.layerfs.core.Caller;
import dev.layerfs.core.OpenDirectory;
import dev.layerfs.core.Node;
import dev.layerfs.core.OpenFile;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.SetAttr;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link FsOps} straight on the engine, resolving paths as the kernel's VFS would (symlinks in the middle of a
 * path followed, relative targets only), so it can be compared call for call with a mount.
 */
public final class EngineFsOps implements FsOps {
  private static final int MAX_SYMLINKS = 40;

  private final Overlay overlay;
  private final Caller caller;
  private final List<Node> held = new ArrayList<>();

  public EngineFsOps(Overlay overlay) {
    this.overlay = overlay;
    this.caller = Caller.process();
  }

  private record Parent(Node dir, byte[] name) {}

  /** Releases the references one operation took. */
  private void release() {
    for (Node n : held) {
      overlay.forget(n, 1);
    }
    held.clear();
  }

  private Node lookup(Node dir, byte[] name) throws PosixException {
    Node n = overlay.lookup(dir, name);
    held.add(n);
    return n;
  }

  private Node lookupOrNull(Node dir, byte[] name) throws PosixException {
    Node n = overlay.lookupIfExists(dir, name);
    if (n != null) {
      held.add(n);
    }
    return n;
  }

  private static List<byte[]> components(byte[] path) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= path.length; i++) {
      if (i == path.length || path[i] == '/') {
        if (i > start) {
          out.add(Arrays.copyOfRange(path, start, i));
        }
        start = i + 1;
      }
    }
    return out;
  }

  /** Walks to the directory holding the last component; intermediate symlinks are followed. */
  private Parent parent(byte[] path) throws PosixException {
    int[] budget = {MAX_SYMLINKS};
    List<byte[]> parts = components(path);
    if (parts.isEmpty()) {
      throw new PosixException(Errno.EBUSY, "resolve", "/");
    }
    List<Node> stack = new ArrayList<>(List.of(overlay.root()));
    for (int i = 0; i < parts.size() - 1; i++) {
      step(stack, parts.get(i), budget, true);
    }
    byte[] last = parts.get(parts.size() - 1);
    Node dir = stack.get(stack.size() - 1);
    if (!dir.isDirectory()) {
      throw new PosixException(Errno.ENOTDIR, "resolve", Names.printable(path));
    }
    if (Names.isDotOrDotDot(last)) {
      throw new PosixException(Errno.EINVAL, "resolve", Names.printable(path));
    }
    return new Parent(dir, last);
  }

  private void step(List<Node> stack, byte[] name, int[] budget, boolean follow) throws PosixException {
    Node dir = stack.get(stack.size() - 1);
    if (Arrays.equals(name, new byte[] {'.'})) {
      return;
    }
    if (Arrays.equals(name, new byte[] {'.', '.'})) {
      if (stack.size() > 1) {
        stack.remove(stack.size() - 1);
      }
      return;
    }
    if (!dir.isDirectory()) {
      throw new PosixException(Errno.ENOTDIR, "resolve", Names.printable(name));
    }
    Node child = lookup(dir, name);
    if (follow && child.type() == Posix.S_IFLNK) {
      if (--budget[0] < 0) {
        throw new PosixException(Errno.ELOOP, "resolve", Names.printable(name));
      }
      byte[] target = overlay.readlink(child);
      if (target.length > 0 && target[0] == '/') {
        throw new PosixException(Errno.EXDEV, "resolve", Names.printable(target), "absolute symlink in a test");
      }
      for (byte[] part : components(target)) {
        step(stack, part, budget, true);
      }
      return;
    }
    stack.add(child);
  }

  /** The node at a path, the final symlink followed when asked. */
  private Node resolve(byte[] path, boolean followFinal) throws PosixException {
    List<byte[]> parts = components(path);
    List<Node> stack = new ArrayList<>(List.of(overlay.root()));
    int[] budget = {MAX_SYMLINKS};
    for (int i = 0; i < parts.size(); i++) {
      step(stack, parts.get(i), budget, i < parts.size() - 1 || followFinal);
    }
    return stack.get(stack.size() - 1);
  }

  @Override
  public void write(byte[] path, byte[] data, boolean truncate) throws PosixException {
    try {
      Parent p = followToParent(path);
      Node node = lookupOrNull(p.dir(), p.name());
      int flags = Posix.O_WRONLY | Posix.O_NONBLOCK | (truncate ? Posix.O_TRUNC : 0);
      try (OpenFile f = node == null
          ? overlay.create(p.dir(), p.name(), flags | Posix.O_CREAT, 0644, caller)
          : overlay.open(checkNotDir(node, path), flags)) {
        write(f, data);
      }
    } finally {
      release();
    }
  }

  /** For open(O_CREAT): a final symlink is followed to the name it points at, which may not exist yet. */
  private Parent followToParent(byte[] path) throws PosixException {
    Parent p = parent(path);
    for (int i = 0; i < MAX_SYMLINKS; i++) {
      Node node = lookupOrNull(p.dir(), p.name());
      if (node == null || node.type() != Posix.S_IFLNK) {
        return p;
      }
      byte[] target = overlay.readlink(node);
      byte[] dirPath = overlay.rawPathOf(p.dir());
      p = parent(dirPath.length == 0 ? target : Names.join(dirPath, target));
    }
    throw new PosixException(Errno.ELOOP, "open", Names.printable(path));
  }

  private static Node checkNotDir(Node node, byte[] path) throws PosixException {
    if (node.isDirectory()) {
      throw new PosixException(Errno.EISDIR, "open", Names.printable(path));
    }
    return node;
  }

  private static void write(OpenFile f, byte[] data) throws PosixException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(Math.max(1, data.length));
      MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
      long done = 0;
      while (done < data.length) {
        done += f.write(buf.asSlice(done, data.length - done), done);
      }
    }
  }

  @Override
  public void append(byte[] path, byte[] data) throws PosixException {
    try (OpenFile f = overlay.open(checkNotDir(resolve(path, true), path), Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_APPEND)) {
      write(f, data);
    } finally {
      release();
    }
  }

  @Override
  public byte[] read(byte[] path) throws PosixException {
    try (OpenFile f = overlay.open(resolve(path, true), Posix.O_RDONLY | Posix.O_NONBLOCK); Arena arena = Arena.ofConfined()) {
      if (f.node().isDirectory()) {
        throw new PosixException(Errno.EISDIR, "read", Names.printable(path));
      }
      MemorySegment buf = arena.allocate(64 * 1024);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long pos = 0;
      while (true) {
        long n = f.read(buf, pos);
        if (n == 0) {
          return out.toByteArray();
        }
        out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
        pos += n;
      }
    } finally {
      release();
    }
  }

  @Override
  public void mkdir(byte[] path, int mode) throws PosixException {
    try {
      Parent p = parent(path);
      held.add(overlay.mkdir(p.dir(), p.name(), mode, caller));
    } finally {
      release();
    }
  }

  @Override
  public void rmdir(byte[] path) throws PosixException {
    try {
      Parent p = parent(path);
      overlay.rmdir(p.dir(), p.name());
    } finally {
      release();
    }
  }

  @Override
  public void unlink(byte[] path) throws PosixException {
    try {
      Parent p = parent(path);
      overlay.unlink(p.dir(), p.name());
    } finally {
      release();
    }
  }

  @Override
  public void rename(byte[] from, byte[] to, int flags) throws PosixException {
    try {
      Parent a = parent(from);
      Parent b = parent(to);
      overlay.rename(a.dir(), a.name(), b.dir(), b.name(), flags);
    } finally {
      release();
    }
  }

  @Override
  public void symlink(byte[] target, byte[] path) throws PosixException {
    try {
      Parent p = parent(path);
      held.add(overlay.symlink(p.dir(), p.name(), target, caller));
    } finally {
      release();
    }
  }

  @Override
  public void link(byte[] existing, byte[] path) throws PosixException {
    try {
      Node source = resolve(existing, false);
      Parent p = parent(path);
      held.add(overlay.link(source, p.dir(), p.name()));
    } finally {
      release();
    }
  }

  @Override
  public void mkfifo(byte[] path, int mode) throws PosixException {
    try {
      Parent p = parent(path);
      held.add(overlay.mknod(p.dir(), p.name(), Posix.S_IFIFO | mode, 0, caller));
    } finally {
      release();
    }
  }

  @Override
  public void chmod(byte[] path, int mode) throws PosixException {
    try {
      overlay.setattr(resolve(path, true), SetAttr.mode(mode));
    } finally {
      release();
    }
  }

  @Override
  public void chown(byte[] path, int uid, int gid) throws PosixException {
    try {
      overlay.setattr(resolve(path, true), SetAttr.owner(uid, gid));
    } finally {
      release();
    }
  }

  @Override
  public int getFlags(byte[] path) throws PosixException {
    try {
      return overlay.getFlags(flagged(resolve(path, false), path));
    } finally {
      release();
    }
  }

  @Override
  public void setFlags(byte[] path, int flags) throws PosixException {
    try {
      overlay.setFlags(flagged(resolve(path, false), path), flags);
    } finally {
      release();
    }
  }

  /** Only regular files and directories, as {@link FsOps#getFlags} says. */
  private static Node flagged(Node node, byte[] path) throws PosixException {
    if (node.type() != Posix.S_IFREG && !node.isDirectory()) {
      throw new PosixException(Errno.EOPNOTSUPP, "lsattr", Names.printable(path));
    }
    return node;
  }

  @Override
  public void utimes(byte[] path, Timespec atime, Timespec mtime) throws PosixException {
    try {
      overlay.setattr(resolve(path, false), SetAttr.times(atime, mtime));
    } finally {
      release();
    }
  }

  @Override
  public void truncate(byte[] path, long size) throws PosixException {
    try (OpenFile f = overlay.open(checkNotDir(resolve(path, true), path), Posix.O_WRONLY | Posix.O_NONBLOCK)) {
      f.truncate(size);
    } finally {
      release();
    }
  }

  @Override
  public void setxattr(byte[] path, String name, byte[] value) throws PosixException {
    try {
      overlay.setxattr(resolve(path, false), name, value, 0);
    } finally {
      release();
    }
  }

  @Override
  public void removexattr(byte[] path, String name) throws PosixException {
    try {
      overlay.removexattr(resolve(path, false), name);
    } finally {
      release();
    }
  }

  @Override
  public Stat lstat(byte[] path) throws PosixException {
    try {
      return overlay.getattr(resolve(path, false));
    } finally {
      release();
    }
  }

  @Override
  public List<byte[]> list(byte[] dir) throws PosixException {
    try {
      Node node = resolve(dir, false);
      List<byte[]> names = new ArrayList<>();
      // A few entries per read, as a frontend with a small buffer reads, so resuming at offsets is exercised too.
      try (OpenDirectory open = overlay.openDirectory(node)) {
        long[] next = {0};
        int[] taken = new int[1];
        do {
          taken[0] = 0;
          open.read(next[0], (name, ino, type, nextOffset) -> {
            if (taken[0] == 7) {
              return false;
            }
            taken[0]++;
            next[0] = nextOffset;
            if (!Names.isDotOrDotDot(name)) {
              names.add(name);
            }
            return true;
          });
        } while (taken[0] > 0);
      }
      return names;
    } finally {
      release();
    }
  }

  @Override
  public byte[] readlink(byte[] path) throws PosixException {
    try {
      return overlay.readlink(resolve(path, false));
    } finally {
      release();
    }
  }

  @Override
  public Map<String, byte[]> xattrs(byte[] path) throws PosixException {
    try {
      Node node = resolve(path, false);
      Map<String, byte[]> out = new LinkedHashMap<>();
      for (String name : overlay.listxattr(node)) {
        out.put(name, overlay.getxattr(node, name));
      }
      return out;
    } finally {
      release();
    }
  }
}
