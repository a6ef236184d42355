package dev.layerfs.cli.oci;

import dev.layerfs.oci.image.DigestAlgorithm;
import dev.layerfs.oci.image.DigestingOutputStream;
import dev.layerfs.oci.image.NonClosingOutputStream;
import dev.layerfs.oci.layer.ApplyResult;
import dev.layerfs.oci.layer.DiffResult;
import dev.layerfs.oci.layer.LayerApply;
import dev.layerfs.oci.layer.LayerDiff;
import dev.layerfs.oci.layer.OverlayNamespace;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layerfs layer}: OCI layer tars from and to directories in the kernel overlay's format. */
@Command(name = "layer", description = "Turn upper directories into OCI layers and OCI layers into layer directories.",
    mixinStandardHelpOptions = true, subcommands = {LayerCommand.Diff.class, LayerCommand.Apply.class})
public final class LayerCommand {

  /** {@code --lower} and {@code --userxattr}, shared by diff and apply. */
  static final class LayerOptions {
    @Option(names = "--lower", paramLabel = "DIR[:DIR...]", description = {
        "The lower layers, the top one first (repeat the option or separate with ':', as lowerdir= does)."})
    List<String> lowers = new ArrayList<>();

    @Option(names = "--userxattr", description = {
        "Overlay xattrs are user.overlay.* (the userxattr mount option), not trusted.overlay.*;",
        "the default when not running as root."})
    boolean userXattr;

    List<Path> lowerDirs() {
      List<Path> dirs = new ArrayList<>();
      for (String list : lowers) {
        for (String dir : list.split(":")) {
          if (dir.isEmpty()) {
            throw new IllegalArgumentException("--lower: empty layer in '" + list + "'");
          }
          dirs.add(Path.of(dir));
        }
      }
      return dirs;
    }

    OverlayNamespace namespace() {
      return userXattr ? OverlayNamespace.USER : OverlayNamespace.forThisProcess();
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true, description = {
      "Write the OCI layer tar of an upper directory (a container's changes in the kernel's format).",
      "Whiteouts become .wh. entries, opaque directories .wh..wh..opq, overlay xattrs are dropped.",
      "A directory renamed through the overlay (overlay.redirect) needs the lower layers (--lower).",
      "Entries are sorted and owner names left out, so equal changes give equal bytes."})
  static final class Diff implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin LayerOptions layers;

    @Parameters(index = "0", paramLabel = "UPPERDIR", description = "The upper directory.")
    Path upper;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path output;

    @Option(names = "--compress", paramLabel = "ALGO", defaultValue = "none",
        description = "gzip, zstd or none (default).")
    String compress;

    @Option(names = "--timestamp", paramLabel = "TIME", description = {
        "Set every time in the layer to TIME (seconds since the epoch, or ISO-8601);",
        "$SOURCE_DATE_EPOCH does the same when this is not given."})
    String timestamp;

    @Override
    public Integer call() throws IOException {
      Compression compression = compression(compress);
      TarWriter.TimePolicy times = timePolicy(timestamp);
      LayerDiff.Builder diff = LayerDiff.builder().namespace(layers.namespace()).times(times);
      if (!layers.lowers.isEmpty()) {
        diff.lowers(layers.lowerDirs());
      }
      if (output == null && ProgressOptions.isTerminal(1)) {
        throw new IllegalArgumentException("refusing to write a layer to a terminal: use -o FILE or a redirection");
      }
      Path temp = output == null ? null
          : output.toAbsolutePath().resolveSibling("." + output.getFileName() + ".partial-" + System.nanoTime());
      DigestingOutputStream tar;
      DiffResult result;
      try (OutputStream file = temp == null ? new NonClosingOutputStream(System.out) : Files.newOutputStream(temp)) {
        OutputStream compressed = compression.compress(new java.io.BufferedOutputStream(file, 1 << 16),
            Runtime.getRuntime().availableProcessors());
        tar = new DigestingOutputStream(compressed, DigestAlgorithm.SHA256);
        result = diff.build().write(upper, tar);
        tar.close();
        if (temp != null) {
          Files.move(temp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        if (temp != null) {
          Files.deleteIfExists(temp);
        }
      }
      PrintWriter err = spec.commandLine().getErr();
      err.println("diff ID " + tar.digest() + ": " + result.entries() + " entries, " + result.whiteouts()
          + " whiteouts, " + result.opaqueDirectories() + " opaque directories, " + result.redirectedDirectories()
          + " renamed directories, " + Sizes.human(result.dataBytes()) + " of data");
      err.flush();
      return 0;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true, description = {
      "Apply an OCI layer to a new directory in the kernel overlay's format.",
      "The layer is a plain, gzip or zstd tar ('-' reads stdin). .wh. entries become 0/0 character devices and",
      ".wh..wh..opq an opaque xattr, so mount -t overlay and layerfs mount use DIR as a layer. Hostile entries",
      "(.., absolute paths, paths through symlinks, links out of the layer, devices without root...) are refused;",
      "DIR appears only when the whole layer applied."})
  static final class Apply implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin LayerOptions layers;

    @Parameters(index = "0", paramLabel = "LAYER", description = "The layer tar, or '-' for stdin.")
    String layer;

    @Parameters(index = "1", paramLabel = "DIR", description = "The directory to create; it must not exist.")
    Path target;

    @Option(names = "--max-size", paramLabel = "BYTES", description = {
        "Refuse layers whose uncompressed size, or any file's size, exceeds BYTES (default 64 GiB)."})
    long maxSize = LayerApply.DEFAULT_MAX_BYTES;

    @Override
    public Integer call() throws IOException {
      LayerApply apply = LayerApply.builder().namespace(layers.namespace()).lowers(layers.lowerDirs())
          .maxBytes(maxSize).build();
      ApplyResult result;
      try (InputStream in = layer.equals("-") ? System.in : Files.newInputStream(Path.of(layer))) {
        result = apply.apply(in, target);
      }
      PrintWriter err = spec.commandLine().getErr();
      result.warnings().forEach(w -> err.println("warning: " + w));
      err.println("diff ID " + result.diffId() + ": " + result.entries() + " entries, " + result.whiteouts()
          + " whiteouts, " + result.opaqueDirectories() + " opaque directories");
      err.flush();
      return 0;
    }
  }


  static Compression compression(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "gzip" -> Compression.GZIP;
      case "zstd" -> Compression.ZSTD;
      case "none" -> Compression.NONE;
      default -> throw new IllegalArgumentException("--compress: '" + name + "' is not one of gzip, zstd, none");
    };
  }

  /** {@code --timestamp}, else {@code SOURCE_DATE_EPOCH}, else the files' own times. */
  static TarWriter.TimePolicy timePolicy(String timestamp) {
    String value = timestamp != null ? timestamp : System.getenv("SOURCE_DATE_EPOCH");
    if (value == null || value.isEmpty()) {
      return TarWriter.TimePolicy.keep();
    }
    return TarWriter.TimePolicy.fixedAt(parseTime(value, timestamp != null ? "--timestamp" : "SOURCE_DATE_EPOCH"));
  }

  static Instant parseTime(String value, String what) {
    try {
      return value.matches("-?[0-9]+") ? Instant.ofEpochSecond(Long.parseLong(value)) : Instant.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(what + ": '" + value + "' is neither seconds since the epoch nor an "
          + "ISO-8601 time such as 2024-01-01T00:00:00Z");
    }
  }
}
