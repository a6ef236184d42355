package dev.layerfs.oci.layer;

import java.io.IOException;

/**
 * A layer that must not be applied: its message names the entry at fault and why, so that a hostile or broken
 * layer is reported, never half-extracted (the target does not appear).
 */
public final class InvalidLayerException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String entry;

  InvalidLayerException(String entry, String problem) {
    super("layer entry '" + entry + "': " + problem);
    this.entry = entry;
  }

  InvalidLayerException(String entry, String problem, Throwable cause) {
    super("layer entry '" + entry + "': " + problem, cause);
    this.entry = entry;
  }

  /** The entry's name as the archive spells it, non-UTF-8 bytes shown as {@code \xNN}. */
  public String entry() {
    return entry;
  }
}
