package dev.layerfs.cli.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.store.ExportFormat;
import dev.layerfs.oci.store.ExportOptions;
import dev.layerfs.oci.store.GcResult;
import dev.layerfs.oci.store.ImportOptions;
import dev.layerfs.oci.store.LayerHistory;
import dev.layerfs.oci.store.LayerStore;
import dev.layerfs.oci.store.StoredImage;
import dev.layerfs.oci.store.StoredLayer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layerfs image}: images in the layer store, in Docker's vocabulary. */
@Command(name = "image", description = "Manage the images of the layer store.", mixinStandardHelpOptions = true,
    subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Inspect.class,
        ImageCommand.Rm.class, ImageCommand.Export.class, ImageCommand.History.class, ImageCommand.Tag.class})
public final class ImageCommand {

  @Command(name = "import", aliases = "load", mixinStandardHelpOptions = true, description = {
      "Import the images of a docker-save tar, an OCI layout directory or an OCI archive.",
      "Archives may be gzip- or zstd-compressed. Blobs are checked against their digests and layers against their diff IDs; layers the store has are",
      "reused, so an interrupted import continues when run again."})
  static final class Import implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;
    @Mixin ProgressOptions progress;

    @Parameters(paramLabel = "FILE|DIR", description = "The archive or layout to import.")
    Path source;

    @Option(names = "--name", paramLabel = "NAME[:TAG]", description = "Name the image (the archive must hold one).")
    String name;

    @Mixin PlatformOptions platform;

    @Override
    public Integer call() throws IOException {
      ImportOptions options = ImportOptions.DEFAULTS.withPlatform(platform.platform());
      if (name != null) {
        options = options.withName(ImageReference.parse(name));
      }
      PrintWriter out = spec.commandLine().getOut();
      for (StoredImage image : store.open().importImages(source, options, progress.progress())) {
        if (image.names().isEmpty()) {
          out.println("Loaded image ID: " + image.id());
        }
        for (String n : image.shortNames()) {
          out.println("Loaded image: " + n);
        }
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "ls", aliases = {"list", "images"}, mixinStandardHelpOptions = true,
      description = "List images: one line per name, untagged images as <none>.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;

    @Option(names = {"-q", "--quiet"}, description = "Print image IDs only.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      PrintWriter out = spec.commandLine().getOut();
      List<StoredImage> images = s.images();
      if (output.json) {
        ArrayNode list = OutputOptions.array();
        for (StoredImage image : images) {
          ObjectNode o = list.addObject();
          o.put("id", image.id().toString());
          o.put("manifestDigest", image.manifestDigest().toString());
          image.names().forEach(n -> o.withArray("names").add(n.toString()));
          o.put("created", image.config().created() == null ? null : image.config().created().toString());
          o.put("size", size(s, image));
          o.put("layers", image.diffIds().size());
        }
        OutputOptions.print(out, list);
        return 0;
      }
      if (quiet) {
        images.stream().map(StoredImage::shortId).distinct().forEach(out::println);
        out.flush();
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (StoredImage image : images) {
        String created = Sizes.age(image.config().created());
        String size = Sizes.human(size(s, image));
        if (image.names().isEmpty()) {
          rows.add(List.of("<none>", "<none>", image.shortId(), created, size));
        }
        for (String name : image.shortNames()) {
          int colon = name.lastIndexOf(':');
          boolean tagged = colon > name.lastIndexOf('/');
          rows.add(List.of(tagged ? name.substring(0, colon) : name, tagged ? name.substring(colon + 1) : "<none>",
              image.shortId(), created, size));
        }
      }
      out.print(Sizes.table(List.of("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"), rows));
      out.flush();
      return 0;
    }
  }

  /** The uncompressed size of an image's layers, as {@code docker images} shows it. */
  static long size(LayerStore store, StoredImage image) throws IOException {
    long total = 0;
    for (StoredLayer layer : store.layersOf(image)) {
      total += Math.max(0, layer.tarSize());
    }
    return total;
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "Print images' details as JSON: names, IDs, config, and each layer's blob and directory.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Names or IDs.")
    List<String> images;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      ArrayNode list = OutputOptions.array();
      for (String name : images) {
        StoredImage image = s.image(name);
        ObjectNode o = list.addObject();
        o.put("Id", image.id().toString());
        ArrayNode tags = o.putArray("RepoTags");
        image.names().forEach(n -> tags.add(n.toString()));
        o.put("ManifestDigest", image.manifestDigest().toString());
        o.put("ManifestMediaType", image.manifestDescriptor().mediaType());
        o.put("Created", image.config().created() == null ? null : image.config().created().toString());
        o.put("Architecture", image.config().architecture());
        o.put("Os", image.config().os());
        o.set("Config", OutputOptions.json().readTree(image.config().toJson()).path("config"));
        o.put("Size", size(s, image));
        ArrayNode layers = o.putArray("Layers");
        List<StoredLayer> stored = s.layersOf(image);
        for (int i = 0; i < stored.size(); i++) {
          Descriptor blob = image.manifest().layers().get(i);
          ObjectNode l = layers.addObject();
          l.put("DiffID", stored.get(i).diffId().toString());
          l.put("Blob", blob.digest().toString());
          l.put("MediaType", blob.mediaType());
          l.put("CompressedSize", blob.size());
          l.put("Size", stored.get(i).tarSize());
          l.put("DiskUsage", stored.get(i).allocatedBytes());
          l.put("Directory", stored.get(i).directory().toString());
        }
      }
      OutputOptions.print(spec.commandLine().getOut(), list);
      return 0;
    }
  }

  @Command(name = "rm", aliases = {"remove", "rmi"}, mixinStandardHelpOptions = true, description = {
      "Remove image names, and images with their last name.",
      "An image goes when its last name (or its ID) is removed, with the layers and blobs no other image uses.",
      "An image a container uses stays."})
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Names or IDs.")
    List<String> images;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      PrintWriter out = spec.commandLine().getOut();
      for (String image : images) {
        GcResult result = s.removeImage(image);
        for (String u : result.untagged()) {
          out.println((u.startsWith("sha256:") ? "Deleted: " : "Untagged: ") + u);
        }
        if (result.layers() + result.blobs() > 0) {
          out.println("Freed " + result.layers() + " layers and " + result.blobs() + " blobs: "
              + Sizes.human(result.bytes()));
        }
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "export", aliases = "save", mixinStandardHelpOptions = true, description = {
      "Write an image as an OCI layout, an OCI archive or a docker-save tar.",
      "--format oci writes a layout directory (an OCI archive when TARGET ends in .tar), oci-archive a tar of one,",
      "docker-archive what docker load reads."})
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;
    @Mixin ProgressOptions progress;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A name or ID.")
    String image;

    @Parameters(index = "1", paramLabel = "FILE|DIR", description = "Where to write it.")
    Path target;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "oci",
        description = "oci (default), oci-archive or docker-archive.")
    String format;

    @Option(names = "--ref", paramLabel = "NAME", description = {
        "The image's org.opencontainers.image.ref.name in an OCI layout or archive (default: its tag),",
        "as skopeo oci:DIR:NAME and umoci --image DIR:NAME find it."})
    String ref;

    @Override
    public Integer call() throws IOException {
      ExportFormat chosen = ExportFormat.parse(format);
      if (chosen == ExportFormat.OCI && (target.toString().endsWith(".tar") || Files.isRegularFile(target))) {
        chosen = ExportFormat.OCI_ARCHIVE;
      }
      LayerStore s = store.open();
      StoredImage stored = s.image(image);
      s.exportImage(stored, chosen, target, new ExportOptions(ref), progress.progress());
      return 0;
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = {
      "Show an image's layers and what each does to its files, as dive does.",
      "Bytes added at new paths, changed (replacing a lower file), deleted (whiteouts, opaque directories), and",
      "wasted on files a later layer replaces or deletes."})
  static final class History implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin StoreOptions store;
    @Mixin OutputOptions output;

    @Parameters(paramLabel = "IMAGE", description = "A name or ID.")
    String image;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      List<LayerHistory> history = s.history(s.image(image));
      PrintWriter out = spec.commandLine().getOut();
      if (output.json) {
        ArrayNode list = OutputOptions.array();
        for (LayerHistory h : history) {
          ObjectNode o = list.addObject();
          o.put("diffId", h.diffId().toString());
          o.put("created", h.created() == null ? null : h.created().toString());
          o.put("createdBy", h.createdBy());
          o.put("size", h.size());
          o.put("added", h.added());
          o.put("changed", h.changed());
          o.put("deleted", h.deleted());
          o.put("wasted", h.wasted());
        }
        OutputOptions.print(out, list);
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      long wasted = 0;
      long total = 0;
      for (LayerHistory h : history.reversed()) {
        String by = h.createdBy().length() > 45 ? h.createdBy().substring(0, 44) + "…" : h.createdBy();
        rows.add(List.of(h.diffId().hex().substring(0, 12), Sizes.age(h.created()), by, Sizes.human(h.size()),
            Sizes.human(h.added()), Sizes.human(h.changed()), Sizes.human(h.deleted()), Sizes.human(h.wasted())));
        wasted += h.wasted();
        total += h.added() + h.changed();
      }
      out.print(Sizes.table(List.of("LAYER", "CREATED", "CREATED BY", "SIZE", "ADDED", "CHANGED", "DELETED",
          "WASTED"), rows));
      out.printf("Wasted: %s of %s of file data (%.1f%% efficient)%n", Sizes.human(wasted), Sizes.human(total),
          total == 0 ? 100.0 : 100.0 * (total - wasted) / total);
      out.flush();
      return 0;
    }
  }

  @Command(name = "tag", mixinStandardHelpOptions = true, description = "Give an image another name.")
  static final class Tag implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A name or ID.")
    String image;

    @Parameters(index = "1", paramLabel = "NAME[:TAG]", description = "The new name.")
    String name;

    @Override
    public Integer call() throws IOException {
      LayerStore s = store.open();
      s.tag(s.image(image), ImageReference.parse(name));
      return 0;
    }
  }
}
