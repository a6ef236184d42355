package dev.layerfs.oci.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the command-line tools the tests compare with or set up with (openssl, htpasswd, skopeo, mount). */
final class Commands {
  private Commands() {}

  /** Runs {@code command} to completion and returns its output; a non-zero exit fails with that output. */
  static String run(String... command) throws IOException, InterruptedException {
    Process tool = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (tool.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed:\n" + output);
    }
    return output;
  }
}
