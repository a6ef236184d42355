package dev.layerfs.oci.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Runs the command-line tools the tests compare with or set up with; a missing tool fails naming the Debian package
 * that brings it, so that a machine without it fails loudly instead of skipping.
 */
final class Commands {
  private static final Map<String, String> PACKAGES = Map.of(
      "openssl", "openssl", "htpasswd", "apache2-utils", "skopeo", "skopeo", "mount", "mount",
      "/usr/bin/docker-registry", "docker-registry");

  private Commands() {}

  /** Runs {@code command} to completion and returns its output; a non-zero exit fails with that output. */
  static String run(String... command) throws IOException, InterruptedException {
    Process tool = start(new ProcessBuilder(List.of(command)).redirectErrorStream(true));
    String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (tool.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed:\n" + output);
    }
    return output;
  }

  /** Starts {@code builder}'s process; when its program is missing, the error says what to install. */
  static Process start(ProcessBuilder builder) throws IOException {
    String program = builder.command().getFirst();
    try {
      return builder.start();
    } catch (IOException e) {
      throw new IOException("cannot run " + program + "; the tests need it: apt-get install "
          + PACKAGES.getOrDefault(program, program), e);
    }
  }
}
