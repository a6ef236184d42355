package dev.layerfs.cli.oci;

import picocli.CommandLine.Command;

/** {@code layerfs commit}: {@code container commit}, as {@code docker commit} is. */
@Command(name = "commit", mixinStandardHelpOptions = true,
    description = "Make a new image of a container's changes (container commit).")
public final class CommitCommand extends ContainerCommand.Commit {}
