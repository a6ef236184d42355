package dev.layerfs.cli.oci;

import picocli.CommandLine.Command;

/** {@code layerfs ps}: {@code container ls}, as {@code docker ps} is {@code docker container ls}. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List containers (container ls).")
public final class PsCommand extends ContainerCommand.Ls {}
