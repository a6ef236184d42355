package dev.layerfs.cli.oci;

import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.registry.PendingClient;
import dev.layerfs.oci.registry.RegistryClient;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** How to reach registries, shared by pull, push, login and logout: TLS trust, insecure registries, the auth file. */
public final class RegistryOptions {
  @Option(names = "--insecure", description = "Accept the registry's certificate unverified, or plain HTTP when it"
      + " does not speak TLS (loopback registries may always use plain HTTP, as with Docker).")
  boolean insecure;

  @Option(names = "--cert-dir", paramLabel = "DIR",
      description = "Also trust the CA certificates of the *.crt files in DIR, e.g. a registry's self-signed one.")
  Path certDir;

  @Option(names = "--authfile", paramLabel = "FILE",
      description = "Where credentials are kept (default: $REGISTRY_AUTH_FILE, else ~/.docker/config.json).")
  Path authFile;

  /** A client for {@code registry} (host[:port] as in references) with these options. */
  RegistryClient client(String registry) throws IOException {
    return builder(registry).build();
  }

  /**
   * A client for the registry of {@code reference} with these options, built and connected on another thread
   * while the command opens its store.
   */
  PendingClient connect(ImageReference reference) throws IOException {
    return PendingClient.start(builder(reference.registry()), reference);
  }

  private RegistryClient.Builder builder(String registry) throws IOException {
    RegistryClient.Builder builder = RegistryClient.builder();
    if (insecure) {
      builder.insecure(registry);
    }
    for (Path certificate : certificates()) {
      builder.extraCaCertificates(certificate);
    }
    if (authFile != null) {
      builder.authFiles(List.of(authFile));
    }
    return builder;
  }

  private List<Path> certificates() throws IOException {
    if (certDir == null) {
      return List.of();
    }
    if (!Files.isDirectory(certDir)) {
      throw new NoSuchFileException(certDir.toString(), null, "--cert-dir: no such directory");
    }
    List<Path> certificates = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(certDir, "*.crt")) {
      files.forEach(certificates::add);
    }
    if (certificates.isEmpty()) {
      throw new NoSuchFileException(certDir.toString(), null, "--cert-dir: the directory has no *.crt file");
    }
    certificates.sort(null);
    return certificates;
  }

  /**
   * The registry a user means, as references write it: {@code https://host:5000/v2/} is {@code host:5000}, and
   * Docker Hub's many names are {@code docker.io}.
   */
  static String registryName(String argument) {
    String host = argument.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
    int slash = host.indexOf('/');
    host = (slash >= 0 ? host.substring(0, slash) : host).toLowerCase(Locale.ROOT);
    if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
      host = ImageReference.DOCKER_HUB;
    }
    try {
      ImageReference.parse(host + "/registry-name-check");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + argument + "' is not a registry: give host[:port], e.g. "
          + "registry.example.com or localhost:5000");
    }
    if (!host.contains(".") && !host.contains(":") && !host.equals("localhost")) {
      throw new IllegalArgumentException("'" + argument + "' is not a registry: a registry name has a dot or a"
          + " port, or is localhost (e.g. registry.example.com, localhost:5000)");
    }
    return host;
  }
}
