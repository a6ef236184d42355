package dev.layerfs.oci.registry;

/** The registry refused the credentials, or needs some and none were configured: the fix is to log in. */
public final class UnauthorizedException extends RegistryException {
  UnauthorizedException(String message) {
    super(message);
  }
}
