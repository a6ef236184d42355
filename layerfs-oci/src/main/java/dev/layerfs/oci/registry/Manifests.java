package dev.layerfs.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.DigestAlgorithm;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;

/**
 * Manifest and index requests: fetched ones are checked against the digest they were asked by (or that the
 * registry announced), so that a tampered manifest cannot smuggle in other layers.
 */
final class Manifests {
  /** The limit the distribution registry itself enforces; more is an attack or a mistake. */
  private static final int MAX_MANIFEST_SIZE = 4 * 1024 * 1024;
  private static final String ACCEPT = String.join(", ", MediaTypes.MANIFEST_TYPES);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryTransport transport;

  Manifests(RegistryTransport transport) {
    this.transport = transport;
  }

  FetchedManifest fetch(ImageReference reference) throws IOException {
    Target target = Target.of(reference);
    HttpResponse<InputStream> response = transport.send(
        Call.get(target, target.apiPath("manifests", reference.apiReference()), List.of(target.pullScope()))
            .header("Accept", ACCEPT), "manifest");
    if (response.statusCode() != 200) {
      throw ErrorResponses.failure(response, target, "manifest");
    }
    byte[] content;
    try (InputStream body = response.body()) {
      content = body.readNBytes(MAX_MANIFEST_SIZE + 1);
    }
    if (content.length > MAX_MANIFEST_SIZE) {
      throw new RegistryException(target.display() + ": the manifest is larger than " + MAX_MANIFEST_SIZE + " bytes");
    }
    Optional<Digest> announced = announcedDigest(response.headers());
    Optional<Digest> expected = reference.digest().or(() -> announced);
    Digest actual = Digest.of(expected.map(Digest::algorithm).orElse(DigestAlgorithm.SHA256), content);
    if (expected.isPresent() && !actual.equals(expected.get())) {
      throw new DigestMismatchException(target.display() + ": the manifest received hashes to " + actual
          + ", not to " + expected.get() + (reference.digest().isPresent() ? ", the digest asked for"
          : ", the Docker-Content-Digest the registry announced"));
    }
    return new FetchedManifest(actual, mediaType(response.headers(), content, target), content);
  }

  Optional<Descriptor> head(ImageReference reference) throws IOException {
    Target target = Target.of(reference);
    HttpResponse<InputStream> response = transport.send(
        Call.head(target, target.apiPath("manifests", reference.apiReference()), List.of(target.pullScope()))
            .header("Accept", ACCEPT), "manifest");
    if (response.statusCode() == 404) {
      RegistryTransport.discard(response);
      return Optional.empty();
    }
    if (response.statusCode() != 200) {
      throw ErrorResponses.failure(response, target, "manifest");
    }
    RegistryTransport.discard(response);
    Optional<Digest> digest = announcedDigest(response.headers());
    Optional<String> type = response.headers().firstValue("Content-Type").map(Manifests::withoutParameters)
        .filter(MediaTypes.MANIFEST_TYPES::contains);
    if (digest.isEmpty() || type.isEmpty()) {
      return Optional.of(fetch(reference).descriptor());
    }
    long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    return Optional.of(size >= 0 ? Descriptor.of(type.get(), digest.get(), size) : fetch(reference).descriptor());
  }

  Digest push(ImageReference reference, String mediaType, byte[] content) throws IOException {
    if (!MediaTypes.isManifest(mediaType) && !MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("cannot push a manifest of media type '" + mediaType + "'");
    }
    Target target = Target.of(reference);
    Digest digest = Digest.of(reference.digest().map(Digest::algorithm).orElse(DigestAlgorithm.SHA256), content);
    if (reference.digest().isPresent() && !reference.digest().get().equals(digest)) {
      throw new IllegalArgumentException("the manifest pushed to " + reference + " hashes to " + digest);
    }
    String tagOrDigest = reference.tag().orElse(digest.toString());
    HttpResponse<InputStream> response = transport.send(
        Call.send(target, "PUT", target.apiPath("manifests", tagOrDigest), BodyPublishers.ofByteArray(content),
            List.of(target.pushScope())).header("Content-Type", mediaType), "manifest");
    if (response.statusCode() != 201) {
      throw ErrorResponses.failure(response, target, "manifest");
    }
    RegistryTransport.discard(response);
    Optional<Digest> stored = announcedDigest(response.headers());
    if (stored.isPresent() && !stored.get().equals(digest)) {
      throw new DigestMismatchException(
          target.display() + ": the registry stored the manifest as " + stored.get() + ", not as " + digest);
    }
    return digest;
  }

  private static Optional<Digest> announcedDigest(HttpHeaders headers) {
    try {
      return headers.firstValue("Docker-Content-Digest").map(Digest::parse);
    } catch (IllegalArgumentException unsupported) {
      return Optional.empty();
    }
  }

  /** The Content-Type when it is a manifest type, else the document's own mediaType field or its shape. */
  private static String mediaType(HttpHeaders headers, byte[] content, Target target) throws RegistryException {
    String contentType = headers.firstValue("Content-Type").map(Manifests::withoutParameters).orElse("");
    if (MediaTypes.MANIFEST_TYPES.contains(contentType)) {
      return contentType;
    }
    JsonNode json;
    try {
      json = JSON.readTree(content);
    } catch (IOException e) {
      throw new RegistryException(target.display() + ": the manifest is not JSON: " + e.getMessage(), e);
    }
    String declared = json.path("mediaType").asText("");
    if (MediaTypes.MANIFEST_TYPES.contains(declared)) {
      return declared;
    }
    if (declared.isEmpty() && json.has("manifests")) {
      return MediaTypes.OCI_INDEX;
    }
    if (declared.isEmpty() && json.has("config") && json.path("schemaVersion").asInt() == 2) {
      return MediaTypes.OCI_MANIFEST;
    }
    throw new RegistryException(target.display() + ": unsupported manifest type '"
        + (declared.isEmpty() ? contentType : declared) + "' (Docker schema 1 images are not supported)");
  }

  private static String withoutParameters(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType).trim();
  }
}
