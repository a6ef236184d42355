package dev.layerfs.core;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One name in the merged tree and the layer objects behind it, like a kernel dentry: frontends hold nodes (a FUSE
 * node id, an NIO path lookup) and the engine finds the real files from them.
 *
 * <p>A node's place in the tree ({@code parent}, {@code name}) changes only under the overlay's tree write lock,
 * so it can be read under the read lock. The upper path is the merged path; lower objects are found once at lookup
 * and never move, because lower layers never change.
 */
public final class Node {
  final int type;
  final Lower[] lowers;
  final ConcurrentHashMap<Name, Node> children;
  final ReentrantReadWriteLock dirLock;
  /** Frontend references (FUSE lookups, open handles) plus one per cached child. */
  final AtomicInteger refs = new AtomicInteger();

  Node parent;
  byte[] name;
  volatile long ino;
  volatile boolean inUpper;
  volatile boolean dead;
  volatile boolean opaque;
  volatile boolean impure;
  /** The upper directory records an origin: the kernel then always reads it merged, hiding whiteouts. */
  volatile boolean hasOrigin;
  /**
   * This object's {@code overlay.redirect} value (a name, or an absolute path), or null: a renamed directory's, or a
   * renamed or linked metacopy file's, where the lower objects behind it are.
   */
  volatile byte[] redirect;
  /**
   * For an upper regular file that holds only metadata ({@code overlay.metacopy}), whether its data is still in the
   * last of {@link #lowers}, as an open for writing or a truncation copies it up; shared with the nodes of hard
   * links made through this overlay, which share its upper inode. Null for any other node.
   */
  volatile Metacopy metacopy;
  volatile boolean recentlyUsed;
  /** The immutable/append-only flags ({@link Protection}), or -1 until first asked for. */
  volatile int protection = -1;
  /** The {@link Protection#generation} {@link #protection} was read at. */
  volatile long protectionGeneration;
  /** Every name in this directory's lower layers, once lookups missed often enough; see {@link LowerNames}. */
  volatile LowerNames lowerNames;
  /** Lookups the lower layers answered with nothing before {@link #lowerNames} was loaded. */
  final AtomicInteger lowerMisses = new AtomicInteger();

  private byte[] cachedPath;
  private long cachedPathGeneration = -1;

  Node(Node parent, byte[] name, int type, Lower[] lowers, boolean inUpper) {
    this.parent = parent;
    this.name = name;
    this.type = type;
    this.lowers = lowers;
    this.inUpper = inUpper;
    boolean dir = type == Posix.S_IFDIR;
    this.children = dir ? new ConcurrentHashMap<>() : null;
    this.dirLock = dir ? new ReentrantReadWriteLock() : null;
  }

  /** The inode number this overlay reports, stable across copy-up and restarts. */
  public long ino() {
    return ino;
  }

  /** The file type bits ({@code S_IFDIR}, {@code S_IFREG}, …). */
  public int type() {
    return type;
  }

  public boolean isDirectory() {
    return type == Posix.S_IFDIR;
  }

  /** True when the object has a copy in the upper layer (created there or copied up). */
  public boolean isUpper() {
    return inUpper;
  }

  /**
   * True when the object's data is in the upper layer: an upper object other than a metacopy file. A frontend may
   * then serve reads straight from the open file's descriptor, knowing no copy-up will replace it.
   */
  public boolean hasUpperData() {
    return inUpper && !isMetacopy();
  }

  /** True for an upper metacopy file whose data is still in a lower layer. */
  boolean isMetacopy() {
    Metacopy m = metacopy;
    return m != null && !m.dataCopiedUp;
  }

  /**
   * The lower file that holds a regular file's data when the top object holds only metadata (an upper or lower
   * metacopy file, the kernel's {@code lowerdata}), else null.
   */
  Lower lowerData() {
    if (type != Posix.S_IFREG || (inUpper ? !isMetacopy() : lowers.length < 2)) {
      return null;
    }
    return lowers[lowers.length - 1];
  }

  /** True when the object exists in some lower layer below its upper copy, or only there. */
  public boolean hasLower() {
    return lowers.length > 0;
  }

  /** True once the name was removed or replaced: only already open handles still reach the object. */
  public boolean isStale() {
    return dead;
  }

  boolean isRoot() {
    return parent == null;
  }

  /**
   * True for an upper object with nothing below and no origin: the kernel leaves such directories to the upper
   * filesystem (whiteouts inside them count as entries).
   */
  boolean isPureUpper() {
    return inUpper && lowers.length == 0 && !hasOrigin && parent != null;
  }

  /**
   * True when the inode number comes from a lower object (the kernel's {@code OVL_CONST_INO}): a directory with a
   * lower, or a non-directory whose lower is not a hard link that copy-up breaks.
   */
  boolean hasConstIno() {
    return lowers.length > 0 && (isDirectory() || lowers[0].nlink() <= 1);
  }

  /** True when the directory shows entries from lower layers. */
  boolean isMerged() {
    return inUpper && lowers.length > 0;
  }

  /** The merged path (and so the upper path); call under the tree lock. */
  byte[] path(long generation) {
    if (cachedPathGeneration == generation) {
      return cachedPath;
    }
    byte[] p = parent == null ? new byte[0] : Names.join(parent.path(generation), name);
    cachedPath = p;
    cachedPathGeneration = generation;
    return p;
  }

  /** The path for messages, such as {@code /a/b}. */
  String printablePath(long generation) {
    return "/" + Names.printable(path(generation));
  }

  @Override
  public String toString() {
    return "Node[" + (name == null ? "/" : Names.printable(name)) + ", ino " + ino + "]";
  }

  /** The data state of an upper metacopy file: set once its data is copied up. */
  static final class Metacopy {
    volatile boolean dataCopiedUp;
  }

  /** One lower-layer object behind a node: where it is and what it was when found. */
  record Lower(Layer layer, byte[] path, long ino, int nlink, boolean xwhiteouts) {}

  /** A name as a map key. */
  record Name(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Name other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return Names.printable(bytes);
    }
  }
}
