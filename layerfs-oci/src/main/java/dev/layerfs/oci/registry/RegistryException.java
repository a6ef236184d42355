package dev.layerfs.oci.registry;

import java.io.IOException;

/**
 * A registry operation failed; the message names the registry, repository and reference concerned, and subclasses
 * tell apart the failures a user acts on differently.
 */
public class RegistryException extends IOException {
  RegistryException(String message) {
    super(message);
  }

  RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
