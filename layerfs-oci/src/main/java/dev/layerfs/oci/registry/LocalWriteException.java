package dev.layerfs.oci.registry;

import java.io.IOException;

/**
 * Writing downloaded content to local storage failed (a full disk, a read-only directory); kept apart from
 * {@link RegistryException} because retrying the registry cannot fix it.
 */
public final class LocalWriteException extends IOException {
  LocalWriteException(String message, IOException cause) {
    super(message, cause);
  }
}
