package dev.layerfs.oci.registry;

/** Content did not hash to the digest it was asked for; nothing of it was kept, since it cannot be trusted. */
public final class DigestMismatchException extends RegistryException {
  DigestMismatchException(String message) {
    super(message);
  }
}
