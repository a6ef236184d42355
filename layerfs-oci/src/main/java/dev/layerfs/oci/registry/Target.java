package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.ImageReference;

/**
 * What a request is about, carried along so that every error can name the registry, repository and reference.
 *
 * @param registry the registry as written in references; credentials are looked up by it
 * @param host the host[:port] serving the registry API
 * @param repository the repository, empty for registry-wide requests such as {@code /v2/}
 * @param display how messages name the target, e.g. {@code localhost:5000/team/app:1.0}
 */
record Target(String registry, String host, String repository, String display) {

  static Target of(ImageReference reference) {
    return new Target(reference.registry(), reference.registryHost(), reference.repository(), reference.toString());
  }

  /** The registry as a whole, for requests such as {@code GET /v2/} that concern no repository. */
  static Target registry(String registry) {
    return new Target(registry, ImageReference.apiHost(registry), "", registry);
  }

  /** The same repository, described as {@code what} in it, e.g. a blob digest. */
  Target about(String what) {
    return new Target(registry, host, repository, registry + "/" + repository + "@" + what);
  }

  /** The API path of a repository resource, e.g. {@code /v2/team/app/manifests/1.0}. */
  String apiPath(String kind, String reference) {
    return "/v2/" + repository + "/" + kind + "/" + reference;
  }

  String pullScope() {
    return "repository:" + repository + ":pull";
  }

  String pushScope() {
    return "repository:" + repository + ":pull,push";
  }
}
