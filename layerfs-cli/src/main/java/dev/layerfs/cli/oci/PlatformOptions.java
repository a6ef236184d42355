package dev.layerfs.cli.oci;

import dev.layerfs.oci.image.Platform;
import picocli.CommandLine.Option;

/** {@code --platform}: which image of a multi-platform index to take, for import and pull. */
public final class PlatformOptions {
  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "The image to take from a multi-platform index (default: this machine's).")
  String platform;

  Platform platform() {
    return platform == null ? Platform.host() : Platform.parse(platform);
  }
}
