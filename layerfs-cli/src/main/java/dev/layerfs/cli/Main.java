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
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code layerfs} command: the tutorial's vocabulary for overlays, Docker's for layers and images. */
@Command(
    name = "layerfs",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "OverlayFS in Java: union mounts, an embeddable overlay and OCI layer tools.",
    subcommands = {
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
        CommandLine.HelpCommand.class})
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and answers the exit code; tests call this instead of {@link #main}. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(new Errors())
        .execute(MountCommand.dropIn(args));
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
