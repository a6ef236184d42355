package dev.layerfs.core;

import dev.layerfs.core.Node.Lower;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Timespec;
import dev.layerfs.posix.Xattrs;

/**
 * Creates, removes and changes names and attributes in the upper layer the way the kernel's overlay does: new
 * objects go straight into upper unless a whiteout holds the name (then they are built in the work dir and swapped
 * in), and removals leave a whiteout wherever a lower layer still has the name.
 *
 * <p>Every change to a directory's entries holds that directory's write lock.
 */
final class Changes {
  private final Overlay o;

  Changes(Overlay overlay) {
    this.o = overlay;
  }

  // ---------------------------------------------------------------- creating

  Node make(Node dir, byte[] name, int mode, long rdev, byte[] target, Caller caller, String call)
      throws PosixException {
    checkAbsent(dir, name, call);
    o.protection.checkCreate(dir, call);
    o.copyUp.ensureUpper(dir, CopyUp.Data.ALL);
    dir.dirLock.writeLock().lock();
    try {
      checkAbsent(dir, name, call);
      return new Creation(dir, name, mode, caller).make(rdev, target);
    } finally {
      dir.dirLock.writeLock().unlock();
    }
  }

  OpenFile createFile(Node dir, byte[] name, int flags, int mode, Caller caller) throws PosixException {
    Node existing;
    if (!dir.inUpper) {
      // An existing name is opened without copying its directory up; in an upper directory the check under the
      // lock below is the only one needed.
      existing = o.lookups.childOrNull(dir, name);
      if (existing != null) {
        return openExisting(existing, flags);
      }
      o.protection.checkCreate(dir, "create");
      o.copyUp.ensureUpper(dir, CopyUp.Data.ALL);
    }
    int dirFlags = o.protection.of(dir); // before the directory's lock: reading them takes its parent's
    dir.dirLock.writeLock().lock();
    try {
      existing = o.lookups.childOrNull(dir, name);
      if (existing == null) {
        if ((dirFlags & Protection.IMMUTABLE) != 0) {
          throw o.protection.refused("create", dir);
        }
        Creation c = new Creation(dir, name, Posix.S_IFREG | (mode & 07777), caller);
        return c.createOpen(flags);
      }
    } finally {
      dir.dirLock.writeLock().unlock();
    }
    return openExisting(existing, flags);
  }

  private OpenFile openExisting(Node existing, int flags) throws PosixException {
    if ((flags & Posix.O_EXCL) != 0) {
      throw new PosixException(Errno.EEXIST, "create", o.pathOf(existing));
    }
    if (existing.isDirectory()) {
      throw new PosixException(Errno.EISDIR, "create", o.pathOf(existing));
    }
    return OpenFile.open(o, existing, flags & ~(Posix.O_CREAT | Posix.O_EXCL));
  }

  Node link(Node source, Node dir, byte[] name) throws PosixException {
    checkAbsent(dir, name, "link");
    o.protection.checkCreate(dir, "link");
    o.protection.checkLinkSource(source);
    if (source.isDirectory()) {
      throw new PosixException(Errno.EPERM, "link", o.pathOf(source));
    }
    o.copyUp.ensureUpper(source, CopyUp.Data.UNLESS_METACOPY);
    o.copyUp.ensureUpper(dir, CopyUp.Data.ALL);
    dir.dirLock.writeLock().lock();
    try {
      checkAbsent(dir, name, "link");
      if (source.hasConstIno()) {
        o.copyUp.markImpure(dir, o.lookups.path(dir));
      }
      if (source.isMetacopy()) {
        Rename.setRedirect(o, source, false, "link");
      }
      return new Creation(dir, name, source.type, null).link(source);
    } finally {
      dir.dirLock.writeLock().unlock();
    }
  }

  private void checkAbsent(Node dir, byte[] name, String call) throws PosixException {
    Node existing = o.lookups.childOrNull(dir, name);
    if (existing != null) {
      throw new PosixException(Errno.EEXIST, call, o.pathOf(existing));
    }
  }

  /**
   * One new object: made in place in upper, or, where a whiteout holds the name, made in the work dir and
   * swapped in (a directory made over a whiteout is opaque, so the deleted lower one stays hidden).
   */
  private final class Creation {
    final Node dir;
    final byte[] name;
    final int mode;
    final Caller caller;
    final byte[] dirPath;
    final byte[] path;
    private Stat parent;
    /** What a default ACL of the parent gives the object, instead of the caller's umask; null without one. */
    final InheritedAcl inherited;
    boolean overWhiteout;

    Creation(Node dir, byte[] name, int mode, Caller caller) throws PosixException {
      this.dir = dir;
      this.name = name;
      this.caller = caller;
      this.dirPath = o.lookups.path(dir);
      this.path = Names.join(dirPath, name);
      if (caller == null) {
        this.inherited = null;
      } else {
        try (Layer.Location at = o.upper.locate(dirPath)) {
          this.inherited = InheritedAcl.of(at, mode, o.pathOf(dir));
        }
      }
      int perms = caller == null ? mode & 07777
          : inherited != null ? inherited.mode & 07777 : mode & 07777 & ~caller.umask();
      boolean sgidDir = (mode & Posix.S_IFMT) == Posix.S_IFDIR && (parent().mode() & Posix.S_ISGID) != 0;
      this.mode = (mode & Posix.S_IFMT) | perms | (sgidDir ? Posix.S_ISGID : 0);
    }

    /** The upper parent's stat, taken when first needed: a file made in place often needs none. */
    private Stat parent() throws PosixException {
      if (parent == null) {
        parent = o.upper.stat(dirPath);
      }
      return parent;
    }

    /** The system call that makes the object at a location; EEXIST there may mean a whiteout holds the name. */
    private interface Make<T> {
      T make(Layer.Location at) throws PosixException;
    }

    /**
     * Makes the object in place; when a whiteout holds the name (the call fails with EEXIST), makes it in the work
     * dir instead, to be swapped in. Trying first saves a lookup of the name on every create.
     */
    private <T> T attempt(Make<T> make, Layer.Location[] where) throws PosixException {
      Layer.Location at = o.upper.locate(path);
      try {
        where[0] = at;
        return make.make(at);
      } catch (PosixException e) {
        at.close();
        if (e.errno() != Errno.EEXIST || !isWhiteoutInUpper(path)) {
          throw e;
        }
      }
      overWhiteout = true;
      at = new Layer.Location(o.work.fd, o.work.tempName(), -1);
      where[0] = at;
      return make.make(at);
    }

    Node make(long rdev, byte[] target) throws PosixException {
      int type = mode & Posix.S_IFMT;
      Layer.Location[] where = new Layer.Location[1];
      attempt(at -> {
        switch (type) {
          case Posix.S_IFDIR -> Posix.mkdirat(at.dirfd(), at.name(), mode & 07777);
          case Posix.S_IFLNK -> Posix.symlinkat(target, at.dirfd(), at.name());
          case Posix.S_IFREG -> Posix.closeQuietly(
              Posix.openat(at.dirfd(), at.name(), Posix.O_CREAT | Posix.O_EXCL | Posix.O_WRONLY, mode & 07777));
          default -> Posix.mknodat(at.dirfd(), at.name(), mode, rdev);
        }
        return null;
      }, where);
      try (Layer.Location at = where[0]) {
        boolean opaque = type == Posix.S_IFDIR
            && (overWhiteout || (dir.isMerged() && o.options.redirectDir() == OverlayOptions.RedirectDir.ON));
        try {
          settle(at, -1, null);
          if (opaque) {
            Xattrs.set(at.dirfd(), at.name(), o.xattrs.opaque, OverlayXattrs.YES, 0);
          }
          Stat st = Posix.lstatat(at.dirfd(), at.name());
          publish(at);
          return added(st.ino(), opaque);
        } catch (PosixException e) {
          discard(at);
          throw e;
        }
      }
    }

    OpenFile createOpen(int flags) throws PosixException {
      int keep = Posix.O_ACCMODE | Posix.O_APPEND | Posix.O_DSYNC | Posix.O_SYNC | Posix.O_DIRECT | Posix.O_NOATIME;
      int access = (flags & Posix.O_ACCMODE) == Posix.O_RDONLY ? (flags & keep) | Posix.O_RDWR : flags & keep;
      Layer.Location[] where = new Layer.Location[1];
      int fd = attempt(at -> Posix.openat(at.dirfd(), at.name(),
          access | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW, mode & 07777), where);
      try (Layer.Location at = where[0]) {
        try {
          Stat st = Posix.fstat(fd);
          if (settle(at, fd, st)) {
            st = Posix.fstat(fd);
          }
          if (overWhiteout) {
            publish(at);
            st = Posix.fstat(fd); // the rename changed its ctime
          }
          Node node = added(st.ino(), false);
          return new OpenFile(o, node, fd, flags, false, st);
        } catch (PosixException e) {
          Posix.closeQuietly(fd);
          discard(at);
          throw e;
        }
      }
    }

    Node link(Node source) throws PosixException {
      Layer.Location[] where = new Layer.Location[1];
      try (Layer.Location src = o.upper.locate(o.lookups.path(source))) {
        attempt(at -> {
          Posix.linkat(src.dirfd(), src.name(), at.dirfd(), at.name(), 0);
          return null;
        }, where);
      }
      try (Layer.Location at = where[0]) {
        publish(at);
      }
      Node node = new Node(dir, name, source.type, source.lowers, true);
      node.ino = source.ino;
      node.metacopy = source.metacopy;
      node.redirect = source.isMetacopy() ? source.redirect : null;
      o.lookups.insert(dir, node);
      return node;
    }

    /**
     * Gives the object the caller's owner (the parent's group under a setgid parent), the exact mode and, when built
     * in the work dir, the ACLs it inherits: the process umask, a build in the work dir and chown all may have
     * changed what the system call made.
     *
     * @param made the new object's stat when the caller has one: an object made in place with our group and a
     *     caller of our group keeps that group under a setgid parent or not, so the parent need not be asked
     * @return whether it changed the object
     */
    private boolean settle(Layer.Location at, int fd, Stat made) throws PosixException {
      if (caller == null) {
        return false;
      }
      boolean changed = false;
      int gid;
      int madeGid;
      if (made != null && !overWhiteout && made.gid() == o.egid && caller.gid() == o.egid) {
        gid = o.egid;
        madeGid = o.egid;
      } else {
        boolean parentSgid = (parent().mode() & Posix.S_ISGID) != 0;
        gid = parentSgid ? parent().gid() : caller.gid();
        madeGid = parentSgid && !overWhiteout ? parent().gid() : o.egid;
      }
      if (caller.uid() != o.euid || gid != madeGid) {
        if (fd >= 0) {
          Posix.fchownat(fd, new byte[0], caller.uid(), gid, Posix.AT_EMPTY_PATH);
        } else {
          Posix.fchownat(at.dirfd(), at.name(), caller.uid(), gid, Posix.AT_SYMLINK_NOFOLLOW);
        }
        changed = true;
      }
      int perms = mode & 07777;
      boolean symlink = (mode & Posix.S_IFMT) == Posix.S_IFLNK;
      if (!symlink && ((perms & o.processUmask) != 0 || (perms & (Posix.S_ISUID | Posix.S_ISGID)) != 0)) {
        if (fd >= 0) {
          Posix.fchmod(fd, perms);
        } else {
          Posix.fchmodat(at.dirfd(), at.name(), perms);
        }
        changed = true;
      }
      if (overWhiteout && inherited != null) {
        inherited.apply(at.dirfd(), at.name());
        changed = true;
      }
      return changed;
    }

    /** Moves an object built in the work dir over the whiteout; a directory is exchanged so it stays atomic. */
    private void publish(Layer.Location at) throws PosixException {
      if (!overWhiteout) {
        return;
      }
      try (Layer.Location dest = o.upper.locate(path)) {
        if ((mode & Posix.S_IFMT) == Posix.S_IFDIR) {
          Posix.renameat2(at.dirfd(), at.name(), dest.dirfd(), dest.name(), Posix.RENAME_EXCHANGE);
          Posix.unlinkat(at.dirfd(), at.name(), 0);
        } else {
          Posix.renameat2(at.dirfd(), at.name(), dest.dirfd(), dest.name(), 0);
        }
      }
    }

    private void discard(Layer.Location at) {
      try {
        WorkDir.removeTree(at.dirfd(), at.name());
      } catch (PosixException ignored) {
        // A leftover in upper is found by the next lookup; one in work is cleaned at the next start.
      }
    }

    private Node added(long upperIno, boolean opaque) {
      Node node = new Node(dir, name, mode & Posix.S_IFMT, new Lower[0], true);
      node.ino = o.inodes.map(o.upper, upperIno);
      node.opaque = opaque;
      // No filesystem makes a new inode immutable or append-only (none inherits those flags), and it has no
      // overlay.protattr: known, so removing it soon after (a build's temporary files) reads neither.
      o.protection.changed(node, 0, false);
      o.lookups.insert(dir, node);
      return node;
    }
  }

  private boolean isWhiteoutInUpper(byte[] path) throws PosixException {
    Stat st = o.upper.statOrNull(path);
    return st != null && o.lookups.isWhiteout(o.upper, path, st);
  }

  // ---------------------------------------------------------------- removing

  void remove(Node dir, byte[] name, boolean directory) throws PosixException {
    String call = directory ? "rmdir" : "unlink";
    Node target = o.lookups.child(dir, name, call);
    o.protection.checkDelete(dir, target, call);
    if (target.isDirectory() != directory) {
      throw new PosixException(directory ? Errno.ENOTDIR : Errno.EISDIR, call, o.pathOf(target));
    }
    boolean lowerBelow = !target.inUpper || o.lookups.lowerPositive(dir, name);
    if (directory && (lowerBelow || !target.isPureUpper())) {
      emptyDirectory(target, call);
    }
    o.copyUp.ensureUpper(dir, CopyUp.Data.ALL);
    dir.dirLock.writeLock().lock();
    try {
      Node node = o.lookups.child(dir, name, call);
      if (node != target) {
        throw new PosixException(Errno.ENOENT, call, o.pathOf(target), "removed meanwhile");
      }
      DirectoryListing listing = directory && (lowerBelow || !node.isPureUpper()) ? emptyDirectory(node, call)
          : null;
      byte[] path = Names.join(o.lookups.path(dir), name);
      try (Layer.Location at = o.upper.locate(path)) {
        if (!lowerBelow) {
          if (listing != null) {
            removeWhiteouts(at, listing);
          }
          Posix.unlinkat(at.dirfd(), at.name(), directory ? Posix.AT_REMOVEDIR : 0);
        } else {
          replaceWithWhiteout(at, node.inUpper && directory, node.inUpper);
        }
      }
      o.lookups.detach(dir, name);
    } finally {
      dir.dirLock.writeLock().unlock();
    }
  }

  /** Checks a directory shows nothing (its whiteouts do not count) and answers its listing. */
  DirectoryListing emptyDirectory(Node node, String call) throws PosixException {
    DirectoryListing listing = MergedDirectory.list(o, node, true);
    if (listing.visibleCount() > 0) {
      throw new PosixException(Errno.ENOTEMPTY, call, o.pathOf(node));
    }
    return listing;
  }

  /**
   * Puts a whiteout at {@code at}: over an upper file in one rename; an upper directory is exchanged with it and
   * then removed from the work dir with the whiteouts it held.
   */
  void replaceWithWhiteout(Layer.Location at, boolean upperDirectory, boolean upperExists) throws PosixException {
    byte[] wh = o.work.newWhiteout();
    if (upperDirectory) {
      Posix.renameat2(o.work.fd, wh, at.dirfd(), at.name(), Posix.RENAME_EXCHANGE);
      o.work.remove(wh);
    } else {
      Posix.renameat2(o.work.fd, wh, at.dirfd(), at.name(), upperExists ? 0 : Posix.RENAME_NOREPLACE);
    }
  }

  void removeWhiteouts(Layer.Location dir, DirectoryListing listing) throws PosixException {
    if (listing.upperWhiteouts().isEmpty()) {
      return;
    }
    int fd = Posix.openat(dir.dirfd(), dir.name(), Posix.O_PATH | Posix.O_DIRECTORY | Posix.O_NOFOLLOW);
    try {
      for (byte[] wh : listing.upperWhiteouts()) {
        Posix.unlinkat(fd, wh, 0);
      }
    } finally {
      Posix.closeQuietly(fd);
    }
  }

  // ---------------------------------------------------------------- attributes

  Stat setattr(Node node, SetAttr change) throws PosixException {
    if (change.size() != SetAttr.KEEP) {
      if (node.isDirectory()) {
        throw new PosixException(Errno.EISDIR, "truncate", o.pathOf(node));
      }
      if (node.type != Posix.S_IFREG) {
        throw new PosixException(Errno.EINVAL, "truncate", o.pathOf(node));
      }
    }
    o.protection.checkSetattr(node, change);
    if (change.mode() != SetAttr.KEEP && node.type == Posix.S_IFLNK) {
      throw new PosixException(Errno.EOPNOTSUPP, "chmod", o.pathOf(node));
    }
    o.copyUp.ensureUpper(node, change.size() == SetAttr.KEEP ? CopyUp.Data.UNLESS_METACOPY
        : change.size() == 0 ? CopyUp.Data.NONE : CopyUp.Data.ALL);
    onUpper(node, at -> applyAttributes(at, change));
    return o.lookups.attributes(node);
  }

  private static void applyAttributes(Layer.Location at, SetAttr change) throws PosixException {
    if (change.mode() != SetAttr.KEEP) {
      Posix.fchmodat(at.dirfd(), at.name(), change.mode() & 07777);
    }
    if (change.uid() != SetAttr.KEEP || change.gid() != SetAttr.KEEP) {
      Posix.fchownat(at.dirfd(), at.name(), change.uid(), change.gid(), Posix.AT_SYMLINK_NOFOLLOW);
    }
    if (change.size() != SetAttr.KEEP) {
      int fd = Posix.openat(at.dirfd(), at.name(), Posix.O_WRONLY | Posix.O_NOFOLLOW);
      try {
        Posix.ftruncate(fd, change.size());
      } finally {
        Posix.closeQuietly(fd);
      }
    }
    if (change.changesTimes()) {
      Timespec atime = change.atime() == null ? Timespec.OMIT : change.atime();
      Timespec mtime = change.mtime() == null ? Timespec.OMIT : change.mtime();
      Posix.utimensat(at.dirfd(), at.name(), atime, mtime, Posix.AT_SYMLINK_NOFOLLOW);
    }
  }

  void setxattr(Node node, String name, byte[] value, int flags) throws PosixException {
    o.protection.checkXattrWrite(node, "setxattr", name);
    checkUserXattrAllowed(node, name, "setxattr");
    o.copyUp.ensureUpper(node, CopyUp.Data.UNLESS_METACOPY);
    onUpper(node, at -> Xattrs.set(at.dirfd(), at.name(), o.xattrs.toReal(name), value, flags));
  }

  private interface UpperAction {
    void run(Layer.Location at) throws PosixException;
  }

  /** Runs an action on a copied-up node's upper object, guarded against a concurrent removal of its name. */
  private void onUpper(Node node, UpperAction action) throws PosixException {
    o.lookups.onTop(node, top -> {
      try (Layer.Location at = top.layer().locate(top.path())) {
        action.run(at);
      }
      return null;
    });
  }

  /** The VFS allows {@code user.*} attributes only on regular files and directories; changes elsewhere are EPERM. */
  private void checkUserXattrAllowed(Node node, String name, String call) throws PosixException {
    if (name.startsWith("user.") && node.type != Posix.S_IFREG && node.type != Posix.S_IFDIR) {
      throw new PosixException(Errno.EPERM, call + " " + name, o.pathOf(node));
    }
  }

  /** Removes an xattr; one the object does not have is ENODATA without a copy-up, as in the kernel. */
  void removexattr(Node node, String name) throws PosixException {
    o.protection.checkXattrWrite(node, "removexattr", name);
    checkUserXattrAllowed(node, name, "removexattr");
    String real = o.xattrs.toReal(name);
    byte[] present = o.lookups.onTop(node, top -> {
      try (Layer.Location at = top.layer().locate(top.path())) {
        return Xattrs.get(at.dirfd(), at.name(), real);
      }
    });
    if (present == null) {
      throw new PosixException(Errno.ENODATA, "removexattr " + Xattrs.printable(name), o.pathOf(node));
    }
    o.copyUp.ensureUpper(node, CopyUp.Data.UNLESS_METACOPY);
    onUpper(node, at -> Xattrs.remove(at.dirfd(), at.name(), real));
  }
}
