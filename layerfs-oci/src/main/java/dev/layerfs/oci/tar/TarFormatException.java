package dev.layerfs.oci.tar;

import java.io.IOException;

/**
 * Signals a malformed, truncated or over-limit archive, so that callers can tell bad input from I/O failure and
 * the message always points at the entry and the byte offset at fault.
 */
public final class TarFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long offset;

  private TarFormatException(String message, long offset) {
    super(message);
    this.offset = offset;
  }

  static TarFormatException at(long offset, byte[] entryName, String problem) {
    String where = entryName.length == 0 ? "header" : "entry '" + Names.display(entryName) + "'";
    return new TarFormatException(where + " at offset " + offset + ": " + problem, offset);
  }

  /** Returns the byte offset in the uncompressed archive of the header of the entry at fault. */
  public long offset() {
    return offset;
  }
}
