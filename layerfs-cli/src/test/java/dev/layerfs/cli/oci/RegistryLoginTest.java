package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerfs.cli.Main;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.testing.LayerTar;
import dev.layerfs.oci.testing.LocalRegistry;
import dev.layerfs.oci.testing.OciLayouts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code layerfs login}, {@code logout}, {@code push} and {@code pull} against a real registry over TLS with a
 * self-signed certificate and htpasswd users, trusted as a user would: {@code --cert-dir} with the certificate, or
 * {@code --insecure}.
 */
class RegistryLoginTest {
  private static final String USER = "tester";
  private static final String PASSWORD = "s3cret-pass";

  @RegisterExtension
  static final LocalRegistry registry = LocalRegistry.tlsWithBasicAuth(USER, PASSWORD);

  @TempDir Path temp;

  @Test
  void loginSavesCheckedCredentialsThatPushAndPullUseUntilLogout() throws IOException {
    Path certs = Files.createDirectories(temp.resolve("certs.d"));
    Files.copy(registry.certificate(), certs.resolve("registry.crt"));
    Path authFile = temp.resolve("auth/config.json");
    String[] trust = {"--cert-dir", certs.toString(), "--authfile", authFile.toString()};
    Cli cli = new Cli(temp.resolve("store"));
    OciLayouts.write(temp.resolve("app"), "1", Compression.GZIP, List.of(new LayerTar().file("hello", "tls\n")));
    cli.run("image", "import", temp.resolve("app").toString());
    String ref = registry.address() + "/secure/app:1";

    Cli.Run wrong = Cli.withInput("wrong\n", with(trust, "login", registry.address(), "-u", USER, "--password-stdin"));
    assertEquals(1, wrong.exit());
    assertTrue(wrong.err().contains(registry.address() + " rejected the credentials of user 'tester'"), wrong.err());
    assertFalse(Files.exists(authFile), "a refused login saves nothing");

    Cli.Run noTerminal = Cli.raw(with(trust, "login", registry.address(), "-u", USER));
    assertEquals(2, noTerminal.exit());
    assertTrue(noTerminal.err().contains("no terminal to ask for the password of " + registry.address()
        + " on: use --username and --password-stdin"), noTerminal.err());

    Cli.Run noCredentials = cli.exec(with(trust, "push", "app:1", ref));
    assertEquals(1, noCredentials.exit());
    assertTrue(noCredentials.err().contains("there are no credentials for " + registry.address() + " (log in first"),
        noCredentials.err());

    Cli.Run login = Cli.withInput(PASSWORD + "\n",
        with(trust, "login", "https://" + registry.address() + "/v2/", "-u", USER, "--password-stdin"));
    assertEquals(0, login.exit(), login.err());
    assertEquals("Login Succeeded\n", login.out());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(authFile)));
    JsonNode saved = OutputOptions.json().readTree(authFile.toFile());
    assertEquals(Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)),
        saved.path("auths").path(registry.address()).path("auth").asText(), saved.toString());

    String digest = cli.run(with(trust, "push", "app:1", ref)).strip();
    Cli pulled = new Cli(temp.resolve("pulled"));
    assertTrue(pulled.run(with(trust, "pull", ref)).contains("Digest: " + digest));
    Cli insecure = new Cli(temp.resolve("insecure"));
    assertTrue(insecure.run("pull", ref, "--insecure", "--authfile", authFile.toString()).contains(digest));

    Cli.Run untrusted = new Cli(temp.resolve("untrusted")).exec("pull", ref, "--authfile", authFile.toString());
    assertEquals(1, untrusted.exit());
    assertTrue(untrusted.err().contains("TLS handshake with 127.0.0.1:" + registry.port() + " failed for " + ref),
        untrusted.err());
    assertTrue(untrusted.err().contains("--cert-dir") && untrusted.err().contains("--insecure"), untrusted.err());

    Cli.Run logout = Cli.raw("logout", registry.address(), "--authfile", authFile.toString());
    assertEquals(0, logout.exit(), logout.err());
    assertFalse(Files.readString(authFile).contains(registry.address()));
    Cli.Run again = Cli.raw("logout", registry.address(), "--authfile", authFile.toString());
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("not logged in to " + registry.address()), again.err());
    Cli.Run loggedOut = new Cli(temp.resolve("logged-out")).exec(with(trust, "pull", ref));
    assertEquals(1, loggedOut.exit());
    assertTrue(loggedOut.err().contains("unauthorized: manifest " + ref + " requires authentication and there are"
        + " no credentials for " + registry.address()), loggedOut.err());
  }

  /** Without {@code --authfile}, as a user runs it: credentials go to {@code $REGISTRY_AUTH_FILE}. */
  @Test
  void loginWritesTheFileNamedByRegistryAuthFile() throws Exception {
    Path authFile = temp.resolve("containers/auth.json");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "login", registry.address(), "--username", USER, "--password-stdin", "--insecure")
        .redirectErrorStream(true);
    builder.environment().put("REGISTRY_AUTH_FILE", authFile.toString());
    builder.environment().put("HOME", temp.toString());
    Process process = builder.start();
    process.getOutputStream().write((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), output);
    assertTrue(Files.readString(authFile).contains("\"" + registry.address() + "\""));
    assertFalse(Files.exists(temp.resolve(".docker/config.json")));
  }

  /** {@code command} followed by the {@code options}. */
  private static String[] with(String[] options, String... command) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(options));
    return all.toArray(String[]::new);
  }
}
