package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The registry names {@code login} and {@code logout} take, as people write them. */
class RegistryOptionsTest {
  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
      "localhost:5000,                       localhost:5000",
      "https://registry.example.com/v2/,     registry.example.com",
      "http://127.0.0.1:5000,                127.0.0.1:5000",
      "docker.io,                            docker.io",
      "index.docker.io,                      docker.io",
      "https://index.docker.io/v1/,          docker.io",
      "registry-1.docker.io,                 docker.io",
      "GHCR.io,                              ghcr.io",
      "localhost,                            localhost",
  })
  void registryNamesAreNormalizedAsReferencesWriteThem(String argument, String name) {
    assertEquals(name, RegistryOptions.registryName(argument));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ubuntu", "exa_mple.com", "", "https://"})
  void whatIsNoRegistryIsRefusedNamingIt(String argument) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RegistryOptions.registryName(argument));
    assertTrue(e.getMessage().startsWith("'" + argument + "' is not a registry"), e.getMessage());
  }
}
