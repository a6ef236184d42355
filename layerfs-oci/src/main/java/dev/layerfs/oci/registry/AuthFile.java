package dev.layerfs.oci.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Docker's {@code config.json} and containers' {@code auth.json}, which share the {@code auths} format, so that
 * credentials saved by {@code docker login} or {@code podman login} work here and ours work there.
 */
final class AuthFile {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

  private AuthFile() {}

  /** {@code $REGISTRY_AUTH_FILE} first when set, then {@code ~/.docker/config.json}; logins go to the first. */
  static List<Path> defaultPaths() {
    return defaultPaths(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  static List<Path> defaultPaths(Map<String, String> environment, Path home) {
    List<Path> paths = new ArrayList<>();
    String registryAuthFile = environment.get("REGISTRY_AUTH_FILE");
    if (registryAuthFile != null && !registryAuthFile.isEmpty()) {
      paths.add(Path.of(registryAuthFile));
    }
    String dockerConfig = environment.get("DOCKER_CONFIG");
    paths.add(dockerConfig != null && !dockerConfig.isEmpty()
        ? Path.of(dockerConfig, "config.json") : home.resolve(".docker/config.json"));
    return List.copyOf(paths);
  }

  /** The credentials for {@code registry} in the first of {@code files} that has an entry for it. */
  static Optional<RegistryCredentials> lookup(List<Path> files, String registry) throws CredentialsException {
    for (Path file : files) {
      Optional<ObjectNode> config = read(file);
      if (config.isEmpty()) {
        continue;
      }
      JsonNode helper = config.get().path("credHelpers").path(registry);
      if (helper.isTextual()) {
        throw helperUnsupported(file, registry, "credHelpers names '" + helper.asText() + "'");
      }
      Optional<JsonNode> entry = entry(config.get(), registry);
      if (entry.isPresent()) {
        return Optional.of(credentials(file, registry, entry.get(), config.get()));
      }
    }
    return Optional.empty();
  }

  /** Saves credentials for {@code registry}, replacing any entry for it, readable by the owner only. */
  static void store(Path file, String registry, RegistryCredentials credentials) throws IOException {
    ObjectNode config = read(file).orElseGet(JSON::createObjectNode);
    removeEntries(config, registry);
    String auth = credentials.username() + ":" + credentials.password();
    config.withObjectProperty("auths").putObject(key(registry))
        .put("auth", Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
    write(file, config);
  }

  /** Removes the entries for {@code registry}; false when there were none. */
  static boolean remove(Path file, String registry) throws IOException {
    Optional<ObjectNode> config = read(file);
    if (config.isEmpty() || !removeEntries(config.get(), registry)) {
      return false;
    }
    write(file, config.get());
    return true;
  }

  private static Optional<ObjectNode> read(Path file) throws CredentialsException {
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (root == null || !root.isObject()) {
        throw new CredentialsException("auth file " + file + " is not a JSON object");
      }
      return Optional.of((ObjectNode) root);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (JsonProcessingException e) {
      throw new CredentialsException("auth file " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CredentialsException("cannot read auth file " + file + ": " + e, e);
    }
  }

  /** Writes through a private temporary file renamed over the old one, so a crash never leaves half a file. */
  private static void write(Path file, ObjectNode config) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.write(temporary, JSON.writeValueAsBytes(config));
      try {
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private static Optional<JsonNode> entry(ObjectNode config, String registry) {
    for (Map.Entry<String, JsonNode> entry : config.path("auths").properties()) {
      if (normalize(entry.getKey()).equals(normalize(registry))) {
        return Optional.of(entry.getValue());
      }
    }
    return Optional.empty();
  }

  private static boolean removeEntries(ObjectNode config, String registry) {
    boolean removed = false;
    if (config.get("auths") instanceof ObjectNode auths) {
      for (Iterator<String> keys = auths.fieldNames(); keys.hasNext(); ) {
        if (normalize(keys.next()).equals(normalize(registry))) {
          keys.remove();
          removed = true;
        }
      }
    }
    return removed;
  }

  private static RegistryCredentials credentials(Path file, String registry, JsonNode entry, ObjectNode config)
      throws CredentialsException {
    if (entry.hasNonNull("identitytoken")) {
      throw helperUnsupported(file, registry, "its entry holds an OAuth identitytoken");
    }
    if (entry.path("auth").isTextual() && !entry.path("auth").asText().isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(entry.path("auth").asText().trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new CredentialsException("auth file " + file + ": the 'auth' of " + registry + " is not base64", e);
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new CredentialsException(
            "auth file " + file + ": the 'auth' of " + registry + " does not decode to user:password");
      }
      return new RegistryCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
    if (entry.path("username").isTextual() && entry.path("password").isTextual()) {
      return new RegistryCredentials(entry.path("username").asText(), entry.path("password").asText());
    }
    if (config.path("credsStore").isTextual()) {
      throw helperUnsupported(file, registry, "credsStore names '" + config.path("credsStore").asText() + "'");
    }
    throw new CredentialsException("auth file " + file + ": the entry for " + registry + " has no credentials");
  }

  private static CredentialsException helperUnsupported(Path file, String registry, String why) {
    return new CredentialsException("auth file " + file + " keeps the credentials of " + registry
        + " in a credential helper (" + why + "), which is not supported: log in with layerfs, or put"
        + " \"auths\": {\"" + key(registry) + "\": {\"auth\": base64(user:password)}} in " + file);
  }

  /** Docker's key for Docker Hub is the old v1 URL; every other registry is keyed by host[:port]. */
  private static String key(String registry) {
    return registry.equals("docker.io") ? DOCKER_HUB_KEY : registry;
  }

  /** Keys may carry a scheme and a path ({@code https://host/v1/}); only host[:port] identifies the registry. */
  private static String normalize(String key) {
    String host = key.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
    int slash = host.indexOf('/');
    host = slash >= 0 ? host.substring(0, slash) : host;
    return switch (host) {
      case "index.docker.io", "registry-1.docker.io" -> "docker.io";
      default -> host;
    };
  }
}
