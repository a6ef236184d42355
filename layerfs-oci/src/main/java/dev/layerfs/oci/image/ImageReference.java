package dev.layerfs.oci.image;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image name in Docker's syntax ({@code [registry/]repository[:tag][@digest]}), normalized the way Docker does
 * ({@code ubuntu} is {@code docker.io/library/ubuntu:latest}) so that equal images have equal references.
 */
public final class ImageReference {
  /** Docker Hub's name in references; its API lives at {@link #DOCKER_HUB_API_HOST}. */
  public static final String DOCKER_HUB = "docker.io";
  private static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";
  private static final String DEFAULT_TAG = "latest";
  private static final int MAX_NAME_LENGTH = 255;

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern HOST = Pattern.compile(
      "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
          + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");

  private final String registry;
  private final String repository;
  private final String tag;
  private final Digest digest;

  private ImageReference(String registry, String repository, String tag, Digest digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses a reference such as {@code ubuntu}, {@code localhost:5000/team/app:1.0} or {@code repo@sha256:…};
   * a reference without tag or digest gets the tag {@code latest}.
   */
  public static ImageReference parse(String reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.isEmpty()) {
      throw invalid(reference, "it is empty");
    }
    String rest = reference;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw invalid(reference, e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(reference, "tag '" + tag + "' must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
      }
    }
    String registry = DOCKER_HUB;
    String repository = rest;
    int slash = rest.indexOf('/');
    if (slash >= 0 && looksLikeHost(rest.substring(0, slash))) {
      registry = rest.substring(0, slash);
      repository = rest.substring(slash + 1);
      if (!HOST.matcher(registry).matches()) {
        throw invalid(reference, "registry '" + registry + "' is not a valid host[:port]");
      }
    }
    if (registry.equals("index.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (registry.equals(DOCKER_HUB) && repository.indexOf('/') < 0) {
      repository = "library/" + repository;
    }
    validateRepository(reference, repository);
    if (tag == null && digest == null) {
      tag = DEFAULT_TAG;
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  /** A reference to {@code repository} in {@code registry}, validated like a parsed one. */
  public static ImageReference of(String registry, String repository, String tag) {
    return parse(registry + "/" + repository + ":" + tag);
  }

  /** Docker's rule: the first component names a registry only if it has a dot or a port, or is localhost. */
  private static boolean looksLikeHost(String component) {
    return component.contains(".") || component.contains(":") || component.equals("localhost")
        || !component.equals(component.toLowerCase(Locale.ROOT));
  }

  private static void validateRepository(String reference, String repository) {
    if (repository.isEmpty()) {
      throw invalid(reference, "the repository name is empty");
    }
    if (!repository.equals(repository.toLowerCase(Locale.ROOT))) {
      throw invalid(reference, "repository name '" + repository + "' must be lowercase");
    }
    for (String component : repository.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw invalid(reference, "repository path component '" + component
            + "' must be lowercase letters and digits, separated by '.', '_', '__' or '-'");
      }
    }
    if (repository.length() > MAX_NAME_LENGTH) {
      throw invalid(reference, "repository name is longer than " + MAX_NAME_LENGTH + " characters");
    }
  }

  private static IllegalArgumentException invalid(String reference, String why) {
    return new IllegalArgumentException("invalid image reference '" + reference + "': " + why);
  }

  /** The registry as written in references, e.g. {@code docker.io} or {@code localhost:5000}. */
  public String registry() {
    return registry;
  }

  /** The host[:port] that serves the registry's API; differs from {@link #registry()} only for Docker Hub. */
  public String registryHost() {
    return apiHost(registry);
  }

  /** The host[:port] that serves the API of {@code registry} as written in references. */
  public static String apiHost(String registry) {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
  }

  /** The repository path, e.g. {@code library/ubuntu}. */
  public String repository() {
    return repository;
  }

  /** The tag, absent when the reference names a digest only. */
  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  /** The digest, present when the reference pins content. */
  public Optional<Digest> digest() {
    return Optional.ofNullable(digest);
  }

  /** What the registry API calls the reference: the digest when pinned (it wins over a tag), else the tag. */
  public String apiReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** The same repository at {@code newDigest}, without a tag. */
  public ImageReference withDigest(Digest newDigest) {
    return new ImageReference(registry, repository, null, Objects.requireNonNull(newDigest));
  }

  /** The same repository at {@code newTag}, without a digest. */
  public ImageReference withTag(String newTag) {
    return parse(registry + "/" + repository + ":" + newTag);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ImageReference that && registry.equals(that.registry)
        && repository.equals(that.repository) && Objects.equals(tag, that.tag) && Objects.equals(digest, that.digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registry, repository, tag, digest);
  }

  /** The fully qualified form, e.g. {@code docker.io/library/ubuntu:latest}. */
  @Override
  public String toString() {
    return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
