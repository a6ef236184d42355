package dev.layerfs.nio;

import dev.layerfs.core.Node;
import dev.layerfs.posix.Errno;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;

/**
 * Turns the engine's errno failures into the exceptions {@code java.nio.file} programs catch, naming the paths the
 * caller gave rather than the engine's internal ones; the engine's exception stays attached as the cause.
 */
final class Errors {
  private Errors() {}

  static FileSystemException translate(PosixException e, Path file) {
    return translate(e, file, null);
  }

  static FileSystemException translate(PosixException e, Path file, Path other) {
    String f = file == null ? null : file.toString();
    String o = other == null ? null : other.toString();
    String reason = Errno.describe(e.errno());
    FileSystemException x = switch (e.errno()) {
      case Errno.ENOENT -> new NoSuchFileException(f, o, null);
      case Errno.EEXIST -> new FileAlreadyExistsException(f, o, null);
      case Errno.ENOTEMPTY -> new DirectoryNotEmptyException(f);
      case Errno.ENOTDIR -> new NotDirectoryException(f);
      case Errno.EACCES, Errno.EPERM -> new AccessDeniedException(f, o, reason);
      case Errno.ELOOP -> new FileSystemLoopException(f);
      default -> new FileSystemException(f, o, reason);
    };
    x.initCause(e);
    return x;
  }

  /**
   * A failure the view finds itself, as the exception the same errno from the engine would give: every exception
   * of a view carries its errno (see {@link OverlayFs#errno}), so it can be compared with the kernel's overlay.
   */
  static FileSystemException of(int errno, String call, Path file) {
    return of(errno, call, file, null);
  }

  static FileSystemException of(int errno, String call, Path file, Path other) {
    return translate(new PosixException(errno, call, file.toString()), file, other);
  }

  static FileSystemException notLink(Path file) {
    NotLinkException x = new NotLinkException(file.toString());
    x.initCause(new PosixException(Errno.EINVAL, "readlink", file.toString()));
    return x;
  }

  /**
   * The exception for an engine call on a node that failed because another thread removed its name meanwhile:
   * the engine reaches a node's real file by path without holding its directory's lock, so between a removal's
   * whiteout and the node being marked stale, a call may meet the whiteout (a regular file that opens with ENXIO,
   * a directory that is ENOTDIR). Such a call takes effect after the removal: the file is gone.
   */
  static FileSystemException raced(PosixException e, Node node, Path file) {
    boolean gone = node.isStale()
        || (e.errno() == Errno.ENXIO && node.type() != Posix.S_IFCHR && node.type() != Posix.S_IFBLK)
        || (e.errno() == Errno.ENOTDIR && node.isDirectory());
    if (!gone) {
      return translate(e, file);
    }
    return of(Errno.ENOENT, e.call(), file);
  }

  static AtomicMoveNotSupportedException atomicMove(Path source, Path target, String reason) {
    AtomicMoveNotSupportedException x = new AtomicMoveNotSupportedException(source.toString(), target.toString(),
        reason);
    x.initCause(new PosixException(Errno.EXDEV, "rename", source.toString(), reason));
    return x;
  }
}
