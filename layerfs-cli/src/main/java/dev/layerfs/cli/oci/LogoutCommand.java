package dev.layerfs.cli.oci;

import dev.layerfs.oci.registry.RegistryClient;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layerfs logout}: removes a registry's saved credentials. */
@Command(name = "logout", mixinStandardHelpOptions = true,
    description = "Remove the saved credentials of a registry from the auth files.")
public final class LogoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin RegistryOptions registry;

  @Parameters(paramLabel = "REGISTRY", description = "host[:port], as given to login.")
  String registryName;

  @Override
  public Integer call() throws IOException {
    String name = RegistryOptions.registryName(registryName);
    try (RegistryClient client = registry.client(name)) {
      if (!client.logout(name)) {
        throw new IOException("not logged in to " + name + ": no auth file has credentials for it");
      }
    }
    spec.commandLine().getOut().println("Removed login credentials for " + name);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
