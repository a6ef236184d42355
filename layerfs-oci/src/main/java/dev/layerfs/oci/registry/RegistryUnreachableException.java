package dev.layerfs.oci.registry;

/** No connection could be made to the registry (refused, unknown host, timed out), even after retrying. */
public final class RegistryUnreachableException extends RegistryException {
  RegistryUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
