package dev.layerfs.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The image config: how to run the image and which uncompressed layers (diff IDs) make its filesystem; the diff IDs
 * are what lets a runtime check the unpacked layers, independently of how they were compressed for transport.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageConfig(
    @JsonSerialize(using = JsonAdapters.TimeSerializer.class)
    @JsonDeserialize(using = JsonAdapters.TimeDeserializer.class)
    @JsonProperty("created") Instant created,
    @JsonProperty("author") String author,
    @JsonProperty(value = "architecture", required = true) String architecture,
    @JsonProperty(value = "os", required = true) String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant,
    @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("config") Config config,
    @JsonProperty(value = "rootfs", required = true) RootFs rootfs,
    @JsonProperty("history") List<History> history,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

  public ImageConfig {
    if (architecture == null || architecture.isEmpty() || os == null || os.isEmpty()) {
      throw new IllegalArgumentException("image config needs architecture and os");
    }
    author = Objects.requireNonNullElse(author, "");
    osVersion = Objects.requireNonNullElse(osVersion, "");
    osFeatures = CanonicalJson.listCopy(osFeatures);
    variant = Objects.requireNonNullElse(variant, "");
    config = Objects.requireNonNullElse(config, Config.EMPTY);
    Objects.requireNonNull(rootfs, "image config needs rootfs");
    history = CanonicalJson.listCopy(history);
    unknownFields = CanonicalJson.sortedCopy(unknownFields);
  }

  /** A minimal config for {@code platform} with the given uncompressed layer digests, bottom first. */
  public static ImageConfig of(Platform platform, List<Digest> diffIds) {
    return new ImageConfig(null, "", platform.architecture(), platform.os(), platform.osVersion(),
        platform.osFeatures(), platform.variant(), Config.EMPTY, RootFs.layers(diffIds), List.of(), Map.of());
  }

  /** Parses a config, with an error naming the faulty field when it is not one. */
  public static ImageConfig fromJson(byte[] json) throws ImageFormatException {
    return CanonicalJson.read(json, ImageConfig.class, "image config");
  }

  /** The canonical JSON of this config: equal configs give equal bytes and so the same digest. */
  public byte[] toJson() {
    return CanonicalJson.write(this);
  }

  /** The platform this config was built for. */
  public Platform platform() {
    return new Platform(architecture, os, osVersion, osFeatures, variant, Map.of());
  }

  /** The defaults a container of this image starts with. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Config(
      @JsonProperty("User") String user,
      @JsonSerialize(using = JsonAdapters.KeySetSerializer.class)
      @JsonDeserialize(using = JsonAdapters.KeySetDeserializer.class)
      @JsonProperty("ExposedPorts") SortedSet<String> exposedPorts,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonSerialize(using = JsonAdapters.KeySetSerializer.class)
      @JsonDeserialize(using = JsonAdapters.KeySetDeserializer.class)
      @JsonProperty("Volumes") SortedSet<String> volumes,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Labels") Map<String, String> labels,
      @JsonProperty("StopSignal") String stopSignal,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

    static final Config EMPTY = new Config(null, null, null, null, null, null, null, null, null, null);

    public Config {
      user = Objects.requireNonNullElse(user, "");
      exposedPorts = sortedSetCopy(exposedPorts);
      env = CanonicalJson.listCopy(env);
      entrypoint = CanonicalJson.listCopy(entrypoint);
      cmd = CanonicalJson.listCopy(cmd);
      volumes = sortedSetCopy(volumes);
      workingDir = Objects.requireNonNullElse(workingDir, "");
      labels = CanonicalJson.sortedCopy(labels);
      stopSignal = Objects.requireNonNullElse(stopSignal, "");
      unknownFields = CanonicalJson.sortedCopy(unknownFields);
    }

    private static SortedSet<String> sortedSetCopy(SortedSet<String> set) {
      return set == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(new TreeSet<>(set));
    }
  }

  /** The layers of the image's filesystem as digests of their uncompressed tars, bottom first. */
  public record RootFs(
      @JsonProperty(value = "type", required = true) String type,
      @JsonProperty(value = "diff_ids", required = true) List<Digest> diffIds,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

    public RootFs {
      if (!"layers".equals(type)) {
        throw new IllegalArgumentException("rootfs type must be \"layers\", not " + type);
      }
      diffIds = CanonicalJson.listCopy(diffIds);
      unknownFields = CanonicalJson.sortedCopy(unknownFields);
    }

    /** The only kind of rootfs there is: a stack of layers. */
    public static RootFs layers(List<Digest> diffIds) {
      return new RootFs("layers", diffIds, Map.of());
    }
  }

  /** One build step; {@code emptyLayer} marks steps (ENV, CMD…) that changed the config but added no layer. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record History(
      @JsonSerialize(using = JsonAdapters.TimeSerializer.class)
      @JsonDeserialize(using = JsonAdapters.TimeDeserializer.class)
      @JsonProperty("created") Instant created,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("author") String author,
      @JsonProperty("comment") String comment,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonProperty("empty_layer") boolean emptyLayer,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

    public History {
      createdBy = Objects.requireNonNullElse(createdBy, "");
      author = Objects.requireNonNullElse(author, "");
      comment = Objects.requireNonNullElse(comment, "");
      unknownFields = CanonicalJson.sortedCopy(unknownFields);
    }
  }
}
