package dev.layerfs.oci.registry;

/** The repository, tag, manifest or blob does not exist in the registry, or not for the requested platform. */
public final class NotFoundException extends RegistryException {
  NotFoundException(String message) {
    super(message);
  }
}
