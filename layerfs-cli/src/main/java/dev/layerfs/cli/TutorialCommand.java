package dev.layerfs.cli;

import dev.layerfs.core.Caller;
import dev.layerfs.core.DirectoryListing;
import dev.layerfs.core.Node;
import dev.layerfs.core.OpenFile;
import dev.layerfs.core.Overlay;
import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import dev.layerfs.posix.Stat;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Replays the seed tutorial's seven steps on the engine, in-process, printing what {@code ls} and {@code cat} show
 * after each step, so anyone can see copy-up and whiteouts happen without a mount or root.
 */
@Command(name = "tutorial", description = {
    "Replay the OverlayFS tutorial on the layerfs engine in a temporary playground:",
    "lower/upper/work/merged, a new file, a copy-up, a whiteout, and the raw layers left behind."})
final class TutorialCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Build the playground in DIR (it must not exist) and keep it afterwards.")
  Path dir;

  private PrintWriter out;
  private Path lower;
  private Path upper;

  @Override
  public Integer call() throws IOException {
    out = spec.commandLine().getOut();
    Path playground = dir != null ? dir : Files.createTempDirectory("layerfs-tutorial");
    if (dir != null) {
      Files.createDirectory(dir);
    }
    try {
      run(playground);
    } finally {
      if (dir == null) {
        deleteTree(playground);
      } else {
        out.println();
        out.println("The playground stays in " + playground + "; as root, the kernel can mount its layers:");
        out.println("  mount -t overlay overlay -o lowerdir=" + playground.resolve("lower") + ",upperdir="
            + playground.resolve("upper") + ",workdir=" + playground.resolve("work") + " "
            + playground.resolve("merged"));
      }
      out.flush();
    }
    return 0;
  }

  private void run(Path playground) throws IOException {
    step(1, "Setup directories");
    shell("mkdir overlayfs && cd overlayfs && mkdir -p lower upper work merged");
    lower = Files.createDirectory(playground.resolve("lower"));
    upper = Files.createDirectory(playground.resolve("upper"));
    Path work = Files.createDirectory(playground.resolve("work"));
    Files.createDirectory(playground.resolve("merged"));

    step(2, "Add a file in the lower layer");
    shell("echo \"hello from lower\" > lower/file1.txt");
    Files.writeString(lower.resolve("file1.txt"), "hello from lower\n");
    shell("ls lower");
    list(lower);

    step(3, "Mount OverlayFS (here: open the layerfs engine on the layers, in this process)");
    String options = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
    shell("layerfs mount -o lowerdir=./lower,upperdir=./upper,workdir=./work ./merged");
    try (Overlay overlay = Overlay.open(OverlayOptions.parse(options))) {
      Merged merged = new Merged(overlay);
      shell("ls merged");
      merged.list();
      shell("cat merged/file1.txt");
      out.print(merged.read("file1.txt"));

      step(4, "Create a new file in the merged layer");
      shell("echo \"hello from upper\" > merged/file2.txt");
      merged.write("file2.txt", "hello from upper\n");
      showLayers(merged);
      note("New files go to upper.");

      step(5, "Modify an existing file (copy-on-write)");
      shell("echo \"changed in merged\" > merged/file1.txt");
      merged.write("file1.txt", "changed in merged\n");
      shell("cat lower/file1.txt");
      out.print(Files.readString(lower.resolve("file1.txt")));
      shell("cat upper/file1.txt");
      out.print(Files.readString(upper.resolve("file1.txt")));
      note("The file was copied from lower to upper, then modified = copy-on-write.");

      step(6, "Delete a file");
      shell("rm merged/file1.txt");
      merged.remove("file1.txt");
      showLayers(merged);
      note("OverlayFS hides lower's file1.txt using a special whiteout file (a character device 0/0).");

      step(7, "Unmount");
      shell("umount merged");
    }
    shell("ls lower upper merged");
    out.println("lower:");
    list(lower);
    out.println("upper:");
    list(upper);
    out.println("merged: (empty: the view is gone, the raw layers remain)");
  }

  private void showLayers(Merged merged) throws IOException {
    shell("ls lower");
    list(lower);
    shell("ls upper");
    list(upper);
    shell("ls merged");
    merged.list();
  }

  /** Lists a real directory as {@code ls -1} would, marking whiteouts so the step is visible. */
  private void list(Path real) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> entries = Files.list(real)) {
      for (Path p : entries.sorted().toList()) {
        Stat st = Posix.lstatat(Posix.AT_FDCWD, Names.bytes(p.toString()));
        boolean whiteout = st.isCharDevice() && st.rdev() == 0;
        lines.add(p.getFileName() + (whiteout ? "   (whiteout: character device 0/0)" : ""));
      }
    }
    lines.forEach(out::println);
  }

  private void step(int n, String title) {
    out.println();
    out.println("== Step " + n + ": " + title);
  }

  private void shell(String command) {
    out.println("$ " + command);
  }

  private void note(String text) {
    out.println("-> " + text);
  }

  /** The merged view through the engine's API, as a program would use it. */
  private final class Merged {
    private final Overlay overlay;
    private final Caller caller = Caller.process();

    Merged(Overlay overlay) {
      this.overlay = overlay;
    }

    void list() throws PosixException {
      DirectoryListing listing = overlay.readDirectory(overlay.root());
      List<String> names = new ArrayList<>();
      for (DirectoryListing.Entry e : listing.entries()) {
        if (!Names.isDotOrDotDot(e.name())) {
          names.add(Names.printable(e.name()));
        }
      }
      names.stream().sorted().forEach(out::println);
    }

    String read(String name) throws PosixException {
      Node node = overlay.lookup(overlay.root(), Names.bytes(name));
      try (OpenFile f = overlay.open(node, Posix.O_RDONLY); Arena arena = Arena.ofConfined()) {
        MemorySegment buf = arena.allocate(4096);
        long n = f.read(buf, 0);
        return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
      } finally {
        overlay.forget(node, 1);
      }
    }

    void write(String name, String text) throws PosixException {
      byte[] data = text.getBytes(StandardCharsets.UTF_8);
      try (OpenFile f = overlay.create(overlay.root(), Names.bytes(name),
              Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC, 0644, caller);
          Arena arena = Arena.ofConfined()) {
        f.write(arena.allocateFrom(ValueLayout.JAVA_BYTE, data), 0);
      }
    }

    void remove(String name) throws PosixException {
      overlay.unlink(overlay.root(), Names.bytes(name));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          p.toFile().setWritable(true);
          p.toFile().setExecutable(true);
        }
        Files.delete(p);
      }
    }
  }
}
