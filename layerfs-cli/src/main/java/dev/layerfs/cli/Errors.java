package dev.layerfs.cli;

import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns failures into one clear line on stderr and a non-zero exit code, instead of a stack trace: the message of a
 * layerfs exception already names the option, path or entry at fault. {@code LAYERFS_DEBUG=1} shows the trace.
 */
final class Errors implements IExecutionExceptionHandler {
  static final int FAILURE = 1;
  static final int USAGE = 2;

  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
    return report(cmd.getErr(), cmd.getCommandName(), e);
  }

  /** Prints the failure of {@code command} as one line and answers the exit code. */
  static int report(PrintWriter err, String command, Exception e) {
    err.println("layerfs " + command + ": " + describe(e));
    if (System.getenv("LAYERFS_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
    return status(e);
  }

  /** The exit code for a failure: {@link #USAGE} for bad arguments, else {@link #FAILURE}. */
  static int status(Exception e) {
    return e instanceof IllegalArgumentException ? USAGE : FAILURE;
  }

  static String describe(Throwable e) {
    if (e instanceof FileSystemException f && !(e instanceof PosixException)) {
      String reason = f.getReason() != null ? f.getReason() : switch (f) {
        case NoSuchFileException x -> "no such file or directory";
        case FileAlreadyExistsException x -> "already exists";
        case AccessDeniedException x -> "permission denied";
        case DirectoryNotEmptyException x -> "directory not empty";
        case NotDirectoryException x -> "not a directory";
        default -> f.getClass().getSimpleName();
      };
      return (f.getFile() == null ? "" : f.getFile() + ": ") + reason;
    }
    if (e instanceof PosixException || e instanceof IOException || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException) {
      return e.getMessage();
    }
    return e.toString();
  }
}
