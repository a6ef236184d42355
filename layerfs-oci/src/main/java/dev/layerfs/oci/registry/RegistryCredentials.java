package dev.layerfs.oci.registry;

import java.util.Objects;

/** A user name and password (or access token) for one registry. */
public record RegistryCredentials(String username, String password) {
  public RegistryCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    if (username.isEmpty() || username.contains(":")) {
      throw new IllegalArgumentException("a registry user name must be non-empty and without ':'");
    }
  }

  /** Shows the user name only, so credentials never leak into logs. */
  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=***]";
  }
}
