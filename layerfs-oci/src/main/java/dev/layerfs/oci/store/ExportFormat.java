package dev.layerfs.oci.store;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The image formats {@code image export} writes, named as skopeo names its transports. */
public enum ExportFormat {
  /** An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/}). */
  OCI("oci"),
  /** An OCI layout as one tar file. */
  OCI_ARCHIVE("oci-archive"),
  /** What {@code docker save} writes and {@code docker load} reads: {@code manifest.json} and plain layer tars. */
  DOCKER_ARCHIVE("docker-archive");

  private final String spelling;

  ExportFormat(String spelling) {
    this.spelling = spelling;
  }

  public String spelling() {
    return spelling;
  }

  /** Parses {@code oci}, {@code oci-archive} or {@code docker-archive}. */
  public static ExportFormat parse(String text) {
    for (ExportFormat format : values()) {
      if (format.spelling.equals(text.toLowerCase(Locale.ROOT))) {
        return format;
      }
    }
    throw new IllegalArgumentException("unknown format '" + text + "': use one of "
        + Arrays.stream(values()).map(ExportFormat::spelling).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return spelling;
  }
}
