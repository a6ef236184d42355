package dev.layerfs.cli.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layerfs.cli.MountTable;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.layer.Trees;
import dev.layerfs.oci.store.Change;
import dev.layerfs.oci.store.CommitOptions;
import dev.layerfs.oci.store.Container;
import dev.layerfs.oci.store.LayerStore;
import dev.layerfs.oci.store.StoredImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layerfs container}: writable layers over shared image layers, in Docker's and podman's vocabulary. */
@Command(name = "container", description = "Manage containers: an upper layer and a work directory over an image.",
    mixinStandardHelpOptions = true, subcommands = {ContainerCommand.Create.class, ContainerCommand.Ls.class,
        ContainerCommand.Mount.class, ContainerCommand.Umount.class, ContainerCommand.Diff.class,
        ContainerCommand.Commit.class, ContainerCommand.Rm.class})
public final class ContainerCommand {
  static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(30);

  /** Runs the FUSE mount; a seam so that tests can check the command line without the mount command. */
  private static final MountLauncher launcher = MountLauncher.thisJvm();

  @Command(name = "create", mixinStandardHelpOptions = true, description = {
      "Create a container of an image and print its ID.",
      "A container is an empty upper layer over the image's layers, which every container of the image shares."})
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A name or ID.")
    String image;

    @Parameters(index = "1", paramLabel = "NAME", description = "The container's name.")
    String name;

    @Override
    public Integer call() throws IOException {
      Container container = store.open().createContainer(image, name);
      spec.commandLine().getOut().println(container.id());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List containers.")
  static class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;

    @Option(names = {"-q", "--quiet"}, description = "Print names only.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
      List<Container> containers = store.open().containers();
      PrintWriter out = spec.commandLine().getOut();
      if (quiet) {
        containers.forEach(c -> out.println(c.name()));
        out.flush();
        return 0;
      }
      if (output.json) {
        ArrayNode list = OutputOptions.array();
        for (Container c : containers) {
          ObjectNode o = list.addObject();
          o.put("name", c.name());
          o.put("id", c.id());
          o.put("image", c.imageName());
          o.put("imageManifest", c.image().toString());
          o.put("created", c.created().toString());
          o.put("mountpoint", c.mountpoint().map(Path::toString).orElse(null));
          o.put("upper", c.upper().toString());
          o.put("size", Trees.usage(c.upper()).allocatedBytes());
          o.put("mountOptions", c.mountOptions());
        }
        OutputOptions.print(out, list);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (Container c : containers) {
        rows.add(List.of(c.id().substring(0, 12), c.imageName(), Sizes.age(c.created()),
            c.mountpoint().map(Path::toString).orElse(""), Sizes.human(Trees.usage(c.upper()).allocatedBytes()),
            c.name()));
      }
      out.print(Sizes.table(List.of("CONTAINER ID", "IMAGE", "CREATED", "MOUNTPOINT", "SIZE", "NAMES"), rows));
      out.flush();
      return 0;
    }
  }

  @Command(name = "mount", mixinStandardHelpOptions = true, description = {
      "Mount a container's merged view and print the mountpoint, as podman mount does.",
      "Runs the FUSE mount, layerfs mount -o lowerdir=…,upperdir=…,workdir=… MOUNTPOINT; MOUNTPOINT defaults to",
      "the container's merged/ directory."})
  static final class Mount implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(index = "0", paramLabel = "NAME", description = "The container.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MOUNTPOINT", description = "Where to mount it.")
    Path mountpoint;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      Container container = s.container(name);
      PrintWriter out = spec.commandLine().getOut();
      if (container.mountpoint().isPresent() && MountTable.isMountPoint(container.mountpoint().get())) {
        out.println(container.mountpoint().get());
        out.flush();
        return 0;
      }
      Path target = (mountpoint != null ? mountpoint : s.defaultMountpoint(container)).toAbsolutePath();
      String options = container.mountOptions();
      Path log = container.upper().resolveSibling("mount.log");
      long pid = launcher.mount(options, target, log, MOUNT_TIMEOUT);
      s.recordMount(container, target.toRealPath(), pid, options);
      out.println(target.toRealPath());
      out.flush();
      return 0;
    }
  }

  @Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true,
      description = "Unmount a container mounted by 'container mount' (with layerfs umount).")
  static final class Umount implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Parameters(paramLabel = "NAME", description = "The container.")
    String name;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      unmount(s, s.container(name));
      return 0;
    }
  }

  static void unmount(LayerStore store, Container container) throws IOException {
    Path mountpoint = container.mountpoint().orElseThrow(() -> new IOException("container " + container.name()
        + " is not mounted"));
    if (MountTable.isMountPoint(mountpoint)) {
      launcher.umount(mountpoint, MOUNT_TIMEOUT);
    }
    store.clearMount(container);
  }

  @Command(name = "diff", mixinStandardHelpOptions = true, description = {
      "List what a container changed in its image, as docker diff does.",
      "A added, C changed, D deleted."})
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(paramLabel = "NAME", description = "The container.")
    String name;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      for (Change change : store.open().changes(name)) {
        out.println(change);
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "commit", mixinStandardHelpOptions = true, description = {
      "Make a new image of a container's changes and print its ID.",
      "The new image is the container's image's layers plus one layer of the container's changes."})
  static class Commit implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;
    @Mixin ProgressOptions progress;

    @Parameters(index = "0", paramLabel = "NAME", description = "The container.")
    String name;

    @Parameters(index = "1", paramLabel = "IMAGE[:TAG]", description = "The new image's name.")
    String image;

    @Option(names = "--compress", paramLabel = "ALGO", defaultValue = "gzip",
        description = "The new layer's compression: gzip (default), zstd or none.")
    String compress;

    @Option(names = {"-a", "--author"}, paramLabel = "AUTHOR", description = "The author of the new image.")
    String author;

    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", description = "A comment for the history.")
    String message;

    @Option(names = "--timestamp", paramLabel = "TIME", description = {
        "Set the image's creation time and every file time in the new layer to TIME (reproducible commits);",
        "$SOURCE_DATE_EPOCH does the same when this is not given."})
    String timestamp;

    @Override
    public Integer call() throws IOException {
      String when = timestamp != null ? timestamp : System.getenv("SOURCE_DATE_EPOCH");
      Instant created = when == null || when.isEmpty() ? Instant.now()
          : LayerCommand.parseTime(when, timestamp != null ? "--timestamp" : "SOURCE_DATE_EPOCH");
      CommitOptions options = new CommitOptions(LayerCommand.compression(compress),
          LayerCommand.timePolicy(timestamp), created, author, message);
      StoredImage committed = store.open().commit(name, ImageReference.parse(image), options, progress.progress());
      spec.commandLine().getOut().println(committed.id());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true,
      description = "Remove containers and their upper layers; the image layers stay.")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "The containers.")
    List<String> names;

    @Option(names = {"-f", "--force"}, description = "Unmount mounted containers first.")
    boolean force;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      for (String name : names) {
        Container container = s.container(name);
        if (force && container.mountpoint().isPresent()) {
          unmount(s, container);
        }
        s.removeContainer(name);
        spec.commandLine().getOut().println(name);
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
