package dev.layerfs.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The platform an image runs on; it exists so that a multi-platform index can be narrowed to the one manifest this
 * machine can run, with the same spelling rules (x86_64 is amd64, aarch64 is arm64) that containerd applies.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Platform(
    @JsonProperty(value = "architecture", required = true) String architecture,
    @JsonProperty(value = "os", required = true) String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

  public Platform {
    requireText(architecture, "architecture");
    requireText(os, "os");
    osVersion = Objects.requireNonNullElse(osVersion, "");
    osFeatures = CanonicalJson.listCopy(osFeatures);
    variant = Objects.requireNonNullElse(variant, "");
    unknownFields = CanonicalJson.sortedCopy(unknownFields);
  }

  /** A platform such as linux/amd64. */
  public static Platform of(String os, String architecture) {
    return of(os, architecture, "");
  }

  /** A platform such as linux/arm/v7. */
  public static Platform of(String os, String architecture, String variant) {
    return new Platform(architecture, os, "", List.of(), variant, Map.of());
  }

  /** Parses {@code os/architecture[/variant]}, the form of {@code docker --platform}. */
  public static Platform parse(String platform) {
    String[] parts = platform.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || List.of(parts).contains("")) {
      throw new IllegalArgumentException(
          "invalid platform '" + platform + "': expected os/architecture[/variant], e.g. linux/arm64/v8");
    }
    return of(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
  }

  /** The platform of this JVM's machine, the default choice when pulling from a multi-platform index. */
  public static Platform host() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(" ", "");
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return of(os.startsWith("windows") ? "windows" : os, arch).normalized();
  }

  /** This platform in canonical spelling: architecture aliases resolved and default variants made explicit or dropped. */
  public Platform normalized() {
    String arch = switch (architecture.toLowerCase(Locale.ROOT)) {
      case "x86_64", "x86-64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "armhf", "armel", "arm" -> "arm";
      case "i386", "i686", "x86" -> "386";
      default -> architecture.toLowerCase(Locale.ROOT);
    };
    String normalizedVariant = switch (architecture.toLowerCase(Locale.ROOT)) {
      case "armhf" -> "v7";
      case "armel" -> "v6";
      default -> variant.matches("[0-9]+") ? "v" + variant : variant.toLowerCase(Locale.ROOT);
    };
    Integer level = variantLevel(arch, normalizedVariant);
    if (level != null && level == defaultLevel(arch)) {
      normalizedVariant = arch.equals("arm") ? "v7" : "";
    }
    return new Platform(arch, os.toLowerCase(Locale.ROOT), osVersion, osFeatures, normalizedVariant, unknownFields);
  }

  /**
   * Whether an image built for {@code candidate} runs on this platform: same OS and architecture, and a variant no
   * newer than this one (an arm/v7 machine runs arm/v6 images, an amd64/v3 machine runs plain amd64 images).
   */
  public boolean matches(Platform candidate) {
    return preference(candidate) >= 0;
  }

  /** How well {@code candidate} fits: -1 when it cannot run here, higher for closer variants. */
  int preference(Platform candidate) {
    Platform self = normalized();
    Platform other = candidate.normalized();
    if (!self.os.equals(other.os) || !self.architecture.equals(other.architecture)
        || (!self.osVersion.isEmpty() && !other.osVersion.isEmpty() && !self.osVersion.equals(other.osVersion))) {
      return -1;
    }
    if (self.variant.equals(other.variant)) {
      return Integer.MAX_VALUE;
    }
    Integer mine = variantLevel(self.architecture, self.variant);
    Integer theirs = variantLevel(other.architecture, other.variant);
    return mine != null && theirs != null && theirs <= mine ? theirs : -1;
  }

  /** The numeric level of a variant (v7 is 7, no variant is the architecture's baseline), or null when it has none. */
  private static Integer variantLevel(String arch, String variant) {
    Integer defaultLevel = defaultLevel(arch);
    if (defaultLevel == null) {
      return null;
    }
    if (variant.isEmpty()) {
      return defaultLevel;
    }
    return variant.matches("v[0-9]+") ? Integer.valueOf(variant.substring(1)) : null;
  }

  private static Integer defaultLevel(String arch) {
    return switch (arch) {
      case "amd64" -> 1;
      case "arm64" -> 8;
      case "arm" -> 7;
      default -> null;
    };
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("platform needs a non-empty " + field);
    }
  }

  /** The {@code os/architecture[/variant]} form. */
  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
