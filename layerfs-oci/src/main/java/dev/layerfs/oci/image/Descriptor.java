package dev.layerfs.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A typed pointer to content: what it is, its digest and its size, which is all a registry or a layout needs to
 * fetch and verify it.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(
    @JsonProperty(value = "mediaType", required = true) String mediaType,
    @JsonProperty(value = "digest", required = true) Digest digest,
    @JsonProperty(value = "size", required = true) long size,
    @JsonProperty("urls") List<String> urls,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonProperty("platform") Platform platform,
    @JsonProperty("artifactType") String artifactType,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

  public Descriptor {
    if (mediaType == null || mediaType.isEmpty()) {
      throw new IllegalArgumentException("descriptor of " + digest + " needs a mediaType");
    }
    Objects.requireNonNull(digest, "descriptor needs a digest");
    if (size < 0) {
      throw new IllegalArgumentException("descriptor of " + digest + " has a negative size " + size);
    }
    urls = CanonicalJson.listCopy(urls);
    annotations = CanonicalJson.sortedCopy(annotations);
    artifactType = Objects.requireNonNullElse(artifactType, "");
    unknownFields = CanonicalJson.sortedCopy(unknownFields);
  }

  /** A plain descriptor, the common case for configs and layers. */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, List.of(), Map.of(), null, "", Map.of());
  }

  /** The descriptor of {@code content}, digested with SHA-256. */
  public static Descriptor of(String mediaType, byte[] content) {
    return of(mediaType, Digest.sha256(content), content.length);
  }

  /** This descriptor for an index entry that runs on {@code newPlatform}. */
  public Descriptor withPlatform(Platform newPlatform) {
    return new Descriptor(mediaType, digest, size, urls, annotations, newPlatform, artifactType, unknownFields);
  }
}
