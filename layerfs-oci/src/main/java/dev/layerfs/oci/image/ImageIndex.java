package dev.layerfs.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A multi-platform image (OCI index or Docker manifest list): one manifest per platform, chosen by the puller. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageIndex(
    @JsonProperty(value = "schemaVersion", required = true) int schemaVersion,
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("artifactType") String artifactType,
    @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty(value = "manifests", required = true)
        List<Descriptor> manifests,
    @JsonProperty("subject") Descriptor subject,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

  public ImageIndex {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("unsupported index schemaVersion " + schemaVersion + " (only 2 is)");
    }
    mediaType = Objects.requireNonNullElse(mediaType, "");
    if (!mediaType.isEmpty() && !MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("an index cannot have mediaType " + mediaType);
    }
    artifactType = Objects.requireNonNullElse(artifactType, "");
    manifests = CanonicalJson.listCopy(manifests);
    annotations = CanonicalJson.sortedCopy(annotations);
    unknownFields = CanonicalJson.sortedCopy(unknownFields);
  }

  /** An index of {@code mediaType} ({@link MediaTypes#OCI_INDEX} or {@link MediaTypes#DOCKER_MANIFEST_LIST}). */
  public static ImageIndex of(String mediaType, List<Descriptor> manifests) {
    return new ImageIndex(2, mediaType, "", manifests, null, Map.of(), Map.of());
  }

  /** Parses an index, with an error naming the faulty field when it is not one. */
  public static ImageIndex fromJson(byte[] json) throws ImageFormatException {
    return CanonicalJson.read(json, ImageIndex.class, "image index");
  }

  /** The canonical JSON of this index: equal indexes give equal bytes and so the same digest. */
  public byte[] toJson() {
    return CanonicalJson.write(this);
  }

  /**
   * The image manifest that runs best on {@code platform}: an exact variant before an older compatible one, the
   * first listed on a tie; entries without a platform (such as attestations) never match.
   */
  public Optional<Descriptor> select(Platform platform) {
    return manifests.stream()
        .filter(entry -> entry.platform() != null && platform.matches(entry.platform()))
        .filter(entry -> MediaTypes.isManifest(entry.mediaType()))
        .max(Comparator.comparingInt((Descriptor entry) -> platform.preference(entry.platform()))
            .thenComparing(Comparator.comparingInt(manifests::indexOf).reversed()));
  }
}
