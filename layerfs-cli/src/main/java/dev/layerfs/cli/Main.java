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
import java.util.Optional;
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
    named(line).ifPresentOrElse(main::addSubcommand, () -> SUBCOMMANDS.forEach(main::addSubcommand));
    return main.setExecutionExceptionHandler(new Errors()).execute(line);
  }

  /**
   * The subcommand the line names, when it names one other than help. Only that one is added to the command line:
   * picocli builds the model of every subcommand it is given by reflection, which took a third of a second (a tenth of
   * a push) for all of them. Help, suggestions for a misspelt name and the top-level options get all of them.
   */
  private static Optional<Class<?>> named(String[] line) {
    if (line.length == 0) {
      return Optional.empty();
    }
    return SUBCOMMANDS.stream()
        .filter(command -> command != CommandLine.HelpCommand.class)
        .filter(command -> {
          Command about = command.getAnnotation(Command.class);
          return about.name().equals(line[0]) || List.of(about.aliases()).contains(line[0]);
        })
        .findFirst();
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
