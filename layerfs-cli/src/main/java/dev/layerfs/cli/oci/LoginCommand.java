package dev.layerfs.cli.oci;

import dev.layerfs.oci.registry.RegistryClient;
import dev.layerfs.oci.registry.RegistryCredentials;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layerfs login}: checks credentials against a registry and saves them where Docker and podman read them. */
@Command(name = "login", mixinStandardHelpOptions = true, description = {
    "Log in to a registry: the credentials are checked, then saved in the auth",
    "file in Docker's format (base64, mode 0600), where docker, podman and",
    "skopeo find them too."})
public final class LoginCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Parameters(paramLabel = "REGISTRY", description = "host[:port], e.g. ghcr.io, localhost:5000, docker.io.")
  String registryName;

  @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The user (asked for when not given).")
  String username;

  @Option(names = "--password-stdin", description = "Read the password (or token) from standard input.")
  boolean passwordStdin;

  @Override
  public Integer call() throws IOException {
    String name = RegistryOptions.registryName(registryName);
    Console console = System.console();
    String user = username;
    String password;
    if (passwordStdin) {
      if (user == null) {
        throw new IllegalArgumentException("--password-stdin needs --username");
      }
      password = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
    } else {
      if (console == null || !console.isTerminal()) {
        throw new IllegalArgumentException("no terminal to ask for the password of " + name
            + " on: use --username and --password-stdin");
      }
      if (user == null) {
        user = console.readLine("Username: ");
      }
      char[] typed = console.readPassword("Password: ");
      password = typed == null ? "" : new String(typed);
    }
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("login to " + name + ": the user name is empty");
    }
    if (password.isEmpty()) {
      throw new IllegalArgumentException("login to " + name + ": the password is empty");
    }
    try (RegistryClient client = registry.client(name)) {
      client.login(name, new RegistryCredentials(user, password));
    }
    spec.commandLine().getOut().println("Login Succeeded");
    spec.commandLine().getOut().flush();
    return 0;
  }
}
