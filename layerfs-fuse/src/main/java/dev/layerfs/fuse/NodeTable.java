package dev.layerfs.fuse;

import dev.layerfs.core.Node;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.OpenFile;
import dev.layerfs.fuse.raw.FuseException;
import dev.layerfs.posix.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node ids the kernel knows, each standing for one engine {@link Node} and counting the kernel's lookups of it,
 * so that FORGET can give exactly those references back to the engine and the table shrinks as the kernel forgets.
 *
 * <p>Ids are never reused, so a (node id, generation 0) pair is unique for the mount's life. Each entry remembers
 * the entry of the directory it was found in, which the bridge needs to tell the kernel about copy-ups of
 * ancestors; the kernel pins a directory's inode while it knows any child, so the parent entry outlives the child's.
 */
final class NodeTable {
  static final long ROOT_ID = 1;

  private final Overlay overlay;
  private final Entry root;
  private final ConcurrentHashMap<Long, Entry> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Node, Entry> byNode = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(ROOT_ID + 1);
  /**
   * Entries in the order they were added, oldest first: the candidates for {@link #oldest}. Forgotten entries
   * leave it when {@link #oldest} meets them or when they outnumber the live ones ({@link #sweep}): each pins its
   * engine node and, through its parent, the node's ancestors.
   */
  private final ConcurrentLinkedQueue<Entry> age = new ConcurrentLinkedQueue<>();
  /** The length of {@link #age}, kept as it changes (the queue's own size() is a walk). */
  private final AtomicInteger queued = new AtomicInteger();
  /** Taken by whoever takes entries out of {@link #age}, so {@link #queued} counts each removal once. */
  private final ReentrantLock ageLock = new ReentrantLock();

  NodeTable(Overlay overlay) {
    this.overlay = overlay;
    this.root = new Entry(ROOT_ID, overlay.root(), null, null);
    byId.put(ROOT_ID, root);
    byNode.put(overlay.root(), root);
  }

  /** How the open files of one node reach their data; fixed while any is open, as the kernel requires. */
  enum IoMode {
    /** Through the kernel's page cache of the FUSE inode, reads and writes served by the daemon. */
    CACHED,
    /** Straight to a backing file (FUSE passthrough): every open of the node shares that one file. */
    PASSTHROUGH
  }

  /** One node id: the engine node, the kernel's lookup count, and the node's open files. */
  static final class Entry {
    final long id;
    final Node node;
    /** The directory and name the node was last known by; changed by renames, under the bridge's rename lock. */
    volatile Entry parent;
    volatile byte[] name;
    private long lookups; // guarded by the table's byNode bin (compute)
    private List<OpenFile> opens; // guarded by this
    private IoMode ioMode; // guarded by this

    Entry(long id, Node node, Entry parent, byte[] name) {
      this.id = id;
      this.node = node;
      this.parent = parent;
      this.name = name;
    }

    /**
     * Registers an open file and answers the I/O mode all opens of the node must share: the one already in force,
     * or {@code wanted} for the first.
     */
    synchronized IoMode opened(OpenFile file, IoMode wanted) {
      if (opens == null || opens.isEmpty()) {
        opens = new ArrayList<>(1);
        ioMode = wanted;
      }
      opens.add(file);
      return ioMode;
    }

    synchronized void closed(OpenFile file) {
      if (opens != null) {
        opens.remove(file);
        if (opens.isEmpty()) {
          opens = null;
          ioMode = null;
        }
      }
    }

    /** Any open file of the node, for attributes of a node whose name is gone; null when none is open. */
    synchronized OpenFile anyOpen() {
      return opens == null || opens.isEmpty() ? null : opens.get(0);
    }

    /** The I/O mode of the node's open files, or null when none is open. */
    synchronized IoMode ioMode() {
      return ioMode;
    }
  }

  Entry root() {
    return root;
  }

  /** The entry of a node id the kernel sent; ESTALE for an id it was told to forget (a kernel bug, or a race). */
  Entry get(long id) throws FuseException {
    Entry e = byId.get(id);
    if (e == null) {
      throw FuseException.of(Errno.ESTALE);
    }
    return e;
  }

  Node node(long id) throws FuseException {
    return get(id).node;
  }

  /** The entry of a node the kernel may know, or null. */
  Entry find(Node node) {
    return byNode.get(node);
  }

  /**
   * Counts one kernel lookup of {@code node}, found as {@code name} in {@code parent}; the caller has taken one
   * engine reference, which the entry now holds until FORGET. Answers the entry, new or existing.
   */
  Entry add(Node node, Entry parent, byte[] name) {
    if (node == root.node) {
      overlay.forget(node, 1);
      return root;
    }
    Entry entry = byNode.compute(node, (n, existing) -> {
      Entry e = existing != null ? existing : new Entry(nextId.getAndIncrement(), n, parent, name);
      e.lookups++;
      return e;
    });
    if (byId.putIfAbsent(entry.id, entry) == null) {
      queued.incrementAndGet();
      age.add(entry);
    }
    entry.parent = parent;
    entry.name = name;
    return entry;
  }

  /**
   * Up to {@code count} of the oldest entries the kernel still holds, other than the root and open files; they go to
   * the back of the line.
   */
  List<Entry> oldest(int count) {
    List<Entry> found = new ArrayList<>();
    ageLock.lock();
    try {
      oldestLocked(count, found);
    } finally {
      ageLock.unlock();
    }
    return found;
  }

  private void oldestLocked(int count, List<Entry> found) {
    for (int polled = 0; found.size() < count && polled < 4 * count; polled++) {
      Entry e = age.poll();
      if (e == null) {
        break;
      }
      if (byId.get(e.id) != e) {
        queued.decrementAndGet();
        continue; // forgotten
      }
      age.add(e);
      if (e.anyOpen() == null && e.parent != null) {
        found.add(e);
      }
    }
  }

  /**
   * The kernel forgets {@code count} lookups of {@code id}: they go back to the engine, and the id at zero.
   *
   * @return whether the id is gone
   */
  boolean forget(long id, long count) {
    Entry entry = byId.get(id);
    if (entry == null || entry == root || count <= 0) {
      return false;
    }
    boolean[] gone = new boolean[1];
    byNode.computeIfPresent(entry.node, (n, e) -> {
      if (e != entry) {
        return e;
      }
      long given = Math.min(count, e.lookups);
      e.lookups -= given;
      overlay.forget(n, given);
      if (e.lookups == 0) {
        gone[0] = true;
        return null;
      }
      return e;
    });
    if (gone[0]) {
      byId.remove(id, entry);
      if (queued.get() > 2 * byId.size() + SWEEP_SLACK) {
        sweep();
      }
    }
    return gone[0];
  }

  /** Forgotten entries that may still wait in the age queue before it is swept. */
  static final int SWEEP_SLACK = 1024;

  /**
   * Drops forgotten entries from the age queue. Run once they outnumber the live ones by {@link #SWEEP_SLACK}, so
   * each sweep's walk is paid for by as many forgets; under the limit {@link #oldest} never runs, and a mount that
   * creates and removes names, or whose kernel forgets on its own, would otherwise keep every entry it ever had.
   */
  private void sweep() {
    if (!ageLock.tryLock()) {
      return; // the trim thread is at it
    }
    try {
      age.removeIf(e -> {
        boolean forgotten = byId.get(e.id) != e;
        if (forgotten) {
          queued.decrementAndGet();
        }
        return forgotten;
      });
    } finally {
      ageLock.unlock();
    }
  }

  /** The length of the age queue, forgotten entries included. */
  int queued() {
    return queued.get();
  }

  /** Node ids the kernel holds, the root included. */
  int size() {
    return byId.size();
  }

  /** Gives every reference the kernel still holds back to the engine, once the session has ended. */
  void forgetAll() {
    for (Entry e : byId.values()) {
      if (e != root) {
        forget(e.id, Long.MAX_VALUE);
      }
    }
  }
}
