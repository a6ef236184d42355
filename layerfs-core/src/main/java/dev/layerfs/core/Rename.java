package dev.layerfs.core;

import dev.layerfs.core.Node.Name;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import dev.layerfs.posix.Xattrs;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One rename, as the kernel's {@code ovl_rename} does it: both sides copied up, a whiteout left where a lower
 * layer still has the old name, an {@code overlay.redirect} on a directory that has lower layers (so its lower
 * contents follow it) and on a metacopy file (so it finds its data), and an opaque mark on an upper-only directory
 * moved into a merged one.
 *
 * <p>Runs under the tree write lock: the paths of the whole moved subtree change.
 */
final class Rename {
  private final Overlay o;
  private final Node oldDir;
  private final byte[] oldName;
  private final Node newDir;
  private final byte[] newName;
  private final boolean exchange;
  private final boolean noReplace;

  Rename(Overlay o, Node oldDir, byte[] oldName, Node newDir, byte[] newName, int flags) {
    this.o = o;
    this.oldDir = oldDir;
    this.oldName = oldName;
    this.newDir = newDir;
    this.newName = newName;
    this.exchange = (flags & Posix.RENAME_EXCHANGE) != 0;
    this.noReplace = (flags & Posix.RENAME_NOREPLACE) != 0;
  }

  void run() throws PosixException {
    Node src = o.lookups.child(oldDir, oldName, "rename");
    Node dst = o.lookups.childOrNull(newDir, newName);
    String where = "/" + Names.printable(Names.join(o.lookups.path(oldDir), oldName));
    if (exchange && dst == null) {
      throw new PosixException(Errno.ENOENT, "rename", "/" + Names.printable(Names.join(o.lookups.path(newDir),
          newName)));
    }
    if (noReplace && dst != null) {
      throw new PosixException(Errno.EEXIST, "rename", o.pathOf(dst));
    }
    if (src == dst || (dst != null && isOneUpperInode(src, dst))) {
      return;
    }
    checkNotIntoItself(src, newDir, where);
    if (dst != null && isAncestor(dst, src)) {
      throw new PosixException(exchange ? Errno.EINVAL : Errno.ENOTEMPTY, "rename", o.pathOf(dst));
    }
    o.protection.checkDelete(oldDir, src, "rename");
    if (dst == null) {
      o.protection.checkCreate(newDir, "rename");
    } else {
      o.protection.checkDelete(newDir, dst, "rename");
    }
    if (exchange) {
      checkNotIntoItself(dst, oldDir, where);
    } else if (dst != null && src.isDirectory() != dst.isDirectory()) {
      throw new PosixException(src.isDirectory() ? Errno.ENOTDIR : Errno.EISDIR, "rename", o.pathOf(dst));
    }
    boolean redirectSrc = src.isDirectory() && src.lowers.length > 0;
    boolean redirectDst = exchange && dst.isDirectory() && dst.lowers.length > 0;
    if ((redirectSrc || redirectDst) && o.options.redirectDir() != OverlayOptions.RedirectDir.ON) {
      throw new PosixException(Errno.EXDEV, "rename", where,
          "directory has lower layers and redirect_dir is not on");
    }
    boolean dstPureUpper = dst != null && dst.isPureUpper();
    DirectoryListing dstListing = !exchange && dst != null && dst.isDirectory() && !dstPureUpper
        ? o.changes.emptyDirectory(dst, "rename") : null;

    o.copyUp.ensureUpper(oldDir, CopyUp.Data.ALL);
    o.copyUp.ensureUpper(newDir, CopyUp.Data.ALL);
    o.copyUp.ensureUpper(src, CopyUp.Data.UNLESS_METACOPY);
    if (exchange) {
      o.copyUp.ensureUpper(dst, CopyUp.Data.UNLESS_METACOPY);
    }
    boolean sameDir = oldDir == newDir;
    if (redirectSrc || src.isMetacopy()) {
      setRedirect(o, src, sameDir, "rename");
    }
    if (redirectDst || (exchange && dst.isMetacopy())) {
      setRedirect(o, dst, sameDir, "rename");
    }
    if (!sameDir && src.hasConstIno()) {
      o.copyUp.markImpure(newDir, o.lookups.path(newDir));
    }
    if (exchange && !sameDir && dst.hasConstIno()) {
      o.copyUp.markImpure(oldDir, o.lookups.path(oldDir));
    }
    makeOpaqueIfMovedIntoMerge(src, newDir);
    if (exchange) {
      makeOpaqueIfMovedIntoMerge(dst, oldDir);
    }
    if (dstListing != null && dst.inUpper && !dstListing.upperWhiteouts().isEmpty()) {
      clearEmpty(dst);
    }
    renameUpper(src, dst);
    moveNodes(src, dst);
  }

  /**
   * Whether two names are links of one upper file, which the kernel's overlay gives one inode, so that the VFS
   * renames nothing (and succeeds). Links of a lower file get an overlay inode each (the kernel hashes them by lower
   * inode only with {@code index=on}): renaming one over another copies it up and leaves a whiteout, as for any
   * two files, although both show the same inode number.
   */
  private static boolean isOneUpperInode(Node src, Node dst) {
    return !src.isDirectory() && !dst.isDirectory() && src.inUpper && dst.inUpper && src.ino == dst.ino;
  }

  private static void checkNotIntoItself(Node dir, Node target, String where) throws PosixException {
    if (isAncestor(dir, target) || dir == target) {
      throw new PosixException(Errno.EINVAL, "rename", where, "cannot move a directory into itself");
    }
  }

  private static boolean isAncestor(Node dir, Node of) {
    if (!dir.isDirectory()) {
      return false;
    }
    for (Node n = of.parent; n != null; n = n.parent) {
      if (n == dir) {
        return true;
      }
    }
    return false;
  }

  /**
   * Records where the lower objects of a directory, or the data of a metacopy file, are before it moves (the
   * kernel's {@code ovl_set_redirect}): its name when it stays in its directory, else its absolute path, built from
   * each ancestor's own redirect as the kernel's {@code ovl_get_redirect} does. A hard link of a metacopy file
   * gets the absolute one. Call with the node still at its old name.
   */
  static void setRedirect(Overlay o, Node node, boolean sameDir, String call) throws PosixException {
    byte[] existing = node.redirect;
    if (existing != null && (sameDir || existing[0] == '/')) {
      return;
    }
    byte[] value = sameDir ? node.name : absoluteRedirect(node);
    if (value.length > Overlay.REDIRECT_MAX) {
      throw new PosixException(Errno.EXDEV, call, o.pathOf(node), "redirect longer than "
          + Overlay.REDIRECT_MAX + " bytes");
    }
    try (Layer.Location at = o.upper.locate(o.lookups.path(node))) {
      Xattrs.set(at.dirfd(), at.name(), o.xattrs.redirect, value, 0);
    } catch (PosixException e) {
      throw new PosixException(Errno.EXDEV, call, o.pathOf(node), "cannot set redirect: " + e.getMessage());
    }
    node.redirect = value;
  }

  private static byte[] absoluteRedirect(Node dir) {
    Deque<byte[]> parts = new ArrayDeque<>();
    for (Node d = dir; d.parent != null; d = d.parent) {
      byte[] part = d.redirect != null ? d.redirect : d.name;
      parts.push(part);
      if (part[0] == '/') {
        break;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      if (part[0] != '/') {
        out.write('/');
      }
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private void makeOpaqueIfMovedIntoMerge(Node dir, Node into) throws PosixException {
    if (!dir.isDirectory() || dir.lowers.length > 0 || dir.opaque || !into.isMerged()) {
      return;
    }
    try (Layer.Location at = o.upper.locate(o.lookups.path(dir))) {
      Xattrs.set(at.dirfd(), at.name(), o.xattrs.opaque, OverlayXattrs.YES, 0);
    } catch (PosixException e) {
      throw new PosixException(Errno.EXDEV, "rename", o.pathOf(dir), "cannot set opaque: " + e.getMessage());
    }
    dir.opaque = true;
  }

  /**
   * Replaces an upper directory that holds only whiteouts with an empty opaque one, as the kernel's
   * {@code ovl_clear_empty} does, so a rename can replace it in one step.
   */
  private void clearEmpty(Node dir) throws PosixException {
    byte[] tmp = o.work.tempName();
    int wd = o.work.fd;
    try (Layer.Location at = o.upper.locate(o.lookups.path(dir))) {
      Stat st = Posix.lstatat(at.dirfd(), at.name());
      Posix.mkdirat(wd, tmp, 0);
      for (String attr : Xattrs.list(at.dirfd(), at.name())) {
        byte[] value = Xattrs.get(at.dirfd(), at.name(), attr);
        if (value != null && !o.xattrs.isPrivate(attr)) {
          Xattrs.set(wd, tmp, attr, value, 0);
        }
      }
      Xattrs.set(wd, tmp, o.xattrs.opaque, OverlayXattrs.YES, 0);
      Posix.fchmodat(wd, tmp, st.permissions());
      o.copyUp.chown(wd, tmp, st.uid(), st.gid());
      Posix.utimensat(wd, tmp, st.atime(), st.mtime(), Posix.AT_SYMLINK_NOFOLLOW);
      Posix.renameat2(wd, tmp, at.dirfd(), at.name(), Posix.RENAME_EXCHANGE);
    }
    o.work.remove(tmp);
    dir.opaque = true;
  }

  /** The rename in upper, with the flags the kernel would pass to the upper filesystem. */
  private void renameUpper(Node src, Node dst) throws PosixException {
    byte[] from = Names.join(o.lookups.path(oldDir), oldName);
    byte[] to = Names.join(o.lookups.path(newDir), newName);
    try (Layer.Location f = o.upper.locate(from);
        Layer.Location t = o.upper.locate(to)) {
      if (exchange) {
        Posix.renameat2(f.dirfd(), f.name(), t.dirfd(), t.name(), Posix.RENAME_EXCHANGE);
        return;
      }
      boolean lowerAtOldName = o.lookups.lowerPositive(oldDir, oldName);
      Stat target = dst == null ? o.upper.statOrNull(to) : null;
      boolean targetIsWhiteout = target != null && o.lookups.isWhiteout(o.upper, to, target);
      if (lowerAtOldName && targetIsWhiteout) {
        Posix.renameat2(f.dirfd(), f.name(), t.dirfd(), t.name(), Posix.RENAME_EXCHANGE);
      } else if (lowerAtOldName) {
        renameLeavingWhiteout(f, t);
      } else if (src.isDirectory() && targetIsWhiteout) {
        Posix.renameat2(f.dirfd(), f.name(), t.dirfd(), t.name(), Posix.RENAME_EXCHANGE);
        Posix.unlinkat(f.dirfd(), f.name(), 0);
      } else {
        Posix.renameat2(f.dirfd(), f.name(), t.dirfd(), t.name(), 0);
      }
    }
  }

  /** {@code RENAME_WHITEOUT}, or a rename and then a whiteout where the filesystem cannot do it in one step. */
  private void renameLeavingWhiteout(Layer.Location from, Layer.Location to) throws PosixException {
    try {
      Posix.renameat2(from.dirfd(), from.name(), to.dirfd(), to.name(), Posix.RENAME_WHITEOUT);
    } catch (PosixException e) {
      if (e.errno() != Errno.EINVAL && e.errno() != Errno.EPERM && e.errno() != Errno.EOPNOTSUPP) {
        throw e;
      }
      Posix.renameat2(from.dirfd(), from.name(), to.dirfd(), to.name(), 0);
      o.changes.replaceWithWhiteout(from, false, false);
    }
  }

  private void moveNodes(Node src, Node dst) {
    oldDir.children.remove(new Name(oldName));
    if (dst != null) {
      newDir.children.remove(new Name(newName));
      if (!exchange) {
        dst.dead = true;
        o.uncached(1);
      }
    }
    src.parent = newDir;
    src.name = newName;
    newDir.children.put(new Name(newName), src);
    if (exchange) {
      dst.parent = oldDir;
      dst.name = oldName;
      oldDir.children.put(new Name(oldName), dst);
    }
  }
}
