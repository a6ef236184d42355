package dev.layerfs.core;

import dev.layerfs.posix.Posix;

/**
 * Who asks for a new file, so it gets their owner, group and umask as it would on the kernel's overlay rather
 * than the daemon's.
 */
public record Caller(int uid, int gid, int umask) {
  /** This process, for embedded use: its effective ids and umask. */
  public static Caller process() {
    return new Caller(Posix.geteuid(), Posix.getegid(), Posix.umask());
  }
}
