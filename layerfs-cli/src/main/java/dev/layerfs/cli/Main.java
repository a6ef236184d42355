package dev.layerfs.cli;

import dev.layerfs.cli.oci.CommitCommand;
import dev.layerfs.cli.oci.ContainerCommand;
import dev.layerfs.cli.oci.DfCommand;
import dev.layerfs.cli.oci.GcCommand;
import dev.layerfs.cli.oci.ImageCommand;
import dev.layerfs.cli.oci.LayerCommand;
import dev.layerfs.cli.oci.LoginCommand;
import dev.layerfs.cli.oci.LogoutCommand;
import dev.layerfs.cli.oci.PsCommand;
import dev.layerfs.cli.oci.PullCommand;
import dev.layerfs.cli.oci.PushCommand;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code layerfs} command: the tutorial's vocabulary for overlays, Docker's for layers and images. */
@Command(
    name = "layerfs",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "OverlayFS in Java: union mounts, an embeddable overlay and OCI layer tools.")
public final class Main {
  /** The subcommands, in the order help lists them. */
  private static final List<Class<?>> SUBCOMMANDS = List.of(
      TutorialCommand.class,
      MountCommand.class,
      UmountCommand.class,
      StatusCommand.class,
      InstallMountHelperCommand.class,
      LayerCommand.class,
      ImageCommand.class,
      ContainerCommand.class,
      PsCommand.class,
      CommitCommand.class,
      PullCommand.class,
      PushCommand.class,
      LoginCommand.class,
      LogoutCommand.class,
      DfCommand.class,
      GcCommand.class,
      CommandLine.HelpCommand.class);

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and answers the exit code; tests call this instead of {@link #main}. */
  public static int run(String... args) {
    String[] line = MountCommand.dropIn(args);
    CommandLine main = new CommandLine(new Main());
    subcommandsFor(line).forEach(main::addSubcommand);
    return main.setExecutionExceptionHandler(new Errors()).execute(line);
  }

  /**
   * The subcommands a line needs: the one it names (other than help), none for the version, else all of them (help,
   * suggestions for a misspelt name). picocli builds the model of every subcommand it is given by reflection, which
   * took a third of a second (a tenth of a push) for all of them.
   */
  private static List<Class<?>> subcommandsFor(String[] line) {
    if (line.length == 0) {
      return SUBCOMMANDS;
    }
    if (line.length == 1 && (line[0].equals("-V") || line[0].equals("--version"))) {
      return List.of();
    }
    return SUBCOMMANDS.stream()
        .filter(command -> command != CommandLine.HelpCommand.class)
        .filter(command -> {
          Command about = command.getAnnotation(Command.class);
          return about.name().equals(line[0]) || List.of(about.aliases()).contains(line[0]);
        })
        .<List<Class<?>>>map(List::of)
        .findFirst()
        .orElse(SUBCOMMANDS);
  }

  /** The version from the jar's manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"layerfs " + (v == null ? "development" : v)};
    }
  }
}
