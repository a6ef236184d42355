package dev.layerfs.oci.store;

import dev.layerfs.posix.Names;

/**
 * One change of a container against its image, as {@code docker diff} prints it: {@code A} added, {@code C}
 * changed, {@code D} deleted.
 *
 * @param kind what happened
 * @param path the path from the container's root, bytes without a leading slash
 */
public record Change(Kind kind, byte[] path) {
  /** The three kinds {@code docker diff} knows. */
  public enum Kind { ADDED, CHANGED, DELETED }

  /** The line {@code docker diff} prints, such as {@code C /etc}. */
  @Override
  public String toString() {
    return kind.name().charAt(0) + " /" + Names.printable(path);
  }
}
