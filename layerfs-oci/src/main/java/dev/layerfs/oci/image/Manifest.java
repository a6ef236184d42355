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
 * A single-platform image, OCI or Docker v2 schema 2: a config and the layers that make its filesystem, bottom
 * first; fields this model does not know are kept so that re-writing a manifest does not drop them.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Manifest(
    @JsonProperty(value = "schemaVersion", required = true) int schemaVersion,
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("artifactType") String artifactType,
    @JsonProperty(value = "config", required = true) Descriptor config,
    @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty(value = "layers", required = true) List<Descriptor> layers,
    @JsonProperty("subject") Descriptor subject,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

  public Manifest {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("unsupported manifest schemaVersion " + schemaVersion + " (only 2 is)");
    }
    mediaType = Objects.requireNonNullElse(mediaType, "");
    if (!mediaType.isEmpty() && !MediaTypes.isManifest(mediaType)) {
      throw new IllegalArgumentException("a manifest cannot have mediaType " + mediaType);
    }
    artifactType = Objects.requireNonNullElse(artifactType, "");
    Objects.requireNonNull(config, "manifest needs a config");
    layers = CanonicalJson.listCopy(layers);
    annotations = CanonicalJson.sortedCopy(annotations);
    unknownFields = CanonicalJson.sortedCopy(unknownFields);
  }

  /** A manifest of {@code mediaType} ({@link MediaTypes#OCI_MANIFEST} or {@link MediaTypes#DOCKER_MANIFEST}). */
  public static Manifest of(String mediaType, Descriptor config, List<Descriptor> layers) {
    return new Manifest(2, mediaType, "", config, layers, null, Map.of(), Map.of());
  }

  /** Parses a manifest, with an error naming the faulty field when it is not one. */
  public static Manifest fromJson(byte[] json) throws ImageFormatException {
    return CanonicalJson.read(json, Manifest.class, "image manifest");
  }

  /** The canonical JSON of this manifest: equal manifests give equal bytes and so the same digest. */
  public byte[] toJson() {
    return CanonicalJson.write(this);
  }
}
