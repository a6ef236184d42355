package dev.layerfs.nio.example;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The classic overlayfs tutorial ({@code mkdir lower upper work merged}, {@code mount -t overlay}, copy-up,
 * whiteout) replayed through {@code java.nio.file} with no mount and no root: each step prints what {@code ls}
 * and {@code cat} would show.
 *
 * <p>Run it with a directory to play in (it is created, and must be empty), or with none for a temporary one:
 * {@code java -m dev.layerfs.nio/dev.layerfs.nio.example.TutorialExample [dir]}. It needs nothing from this
 * module at compile time: the view is opened by URI, with the kernel's mount options as the environment.
 */
public final class TutorialExample {
  private final PrintStream out;

  private TutorialExample(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws IOException {
    Path playground = args.length > 0 ? Files.createDirectories(Path.of(args[0]))
        : Files.createTempDirectory("overlayfs-tutorial-");
    new TutorialExample(System.out).run(playground);
  }

  /** Runs the tutorial in {@code playground}, printing to {@code out}. */
  public static void run(Path playground, PrintStream out) throws IOException {
    new TutorialExample(out).run(playground);
  }

  private void run(Path playground) throws IOException {
    step("Step 1: Setup directories", "mkdir -p lower upper work");
    Path lower = Files.createDirectories(playground.resolve("lower"));
    Path upper = Files.createDirectories(playground.resolve("upper"));
    Path work = Files.createDirectories(playground.resolve("work"));

    step("Step 2: Add a file in the lower layer", "echo \"hello from lower\" > lower/file1.txt");
    Files.writeString(lower.resolve("file1.txt"), "hello from lower\n");
    ls("lower", lower);

    step("Step 3: Open the overlay (instead of mount -t overlay)",
        "FileSystems.newFileSystem(URI.create(\"overlay:/tutorial\"), Map.of(\"lowerdir\", …))");
    Map<String, String> options = Map.of("lowerdir", lower.toString(), "upperdir", upper.toString(), "workdir",
        work.toString());
    try (FileSystem merged = FileSystems.newFileSystem(URI.create("overlay:/tutorial-" + ProcessHandle.current()
        .pid() + "-" + System.nanoTime()), options)) {
      Path root = merged.getPath("/");
      ls("merged", root);
      cat("merged/file1.txt", root.resolve("file1.txt"));

      step("Step 4: Create a new file in the merged layer", "echo \"hello from upper\" > merged/file2.txt");
      Files.writeString(root.resolve("file2.txt"), "hello from upper\n");
      ls("lower", lower);
      ls("upper", upper);
      ls("merged", root);

      step("Step 5: Modify an existing file (copy-on-write)", "echo \"changed in merged\" > merged/file1.txt");
      Files.writeString(root.resolve("file1.txt"), "changed in merged\n");
      cat("lower/file1.txt", lower.resolve("file1.txt"));
      cat("upper/file1.txt", upper.resolve("file1.txt"));

      step("Step 6: Delete a file", "rm merged/file1.txt");
      Files.delete(root.resolve("file1.txt"));
      ls("merged", root);
      ls("lower", lower);
      ls("upper", upper);
    }

    step("Step 7: Close the view (instead of umount)", "merged.close()");
    out.println("The layers keep their raw files; the kernel's overlayfs can mount them and see the same tree.");
    ls("lower", lower);
    ls("upper", upper);
  }

  private void step(String title, String command) {
    out.println();
    out.println("== " + title);
    out.println("$ " + command);
  }

  /** Prints the names of a directory, sorted, as {@code ls} does, and marks whiteouts as {@code ls -l} shows them. */
  private void ls(String label, Path dir) throws IOException {
    List<Path> entries;
    try (Stream<Path> list = Files.list(dir)) {
      entries = list.sorted().toList();
    }
    StringBuilder line = new StringBuilder("$ ls " + label + "\n");
    for (Path entry : entries) {
      line.append(entry.getFileName());
      if (isWhiteout(entry)) {
        line.append("  (c--------- 0,0: a whiteout hiding the lower file)");
      }
      line.append('\n');
    }
    out.print(line);
  }

  private static boolean isWhiteout(Path p) throws IOException {
    if (p.getFileSystem() != FileSystems.getDefault()) {
      return false;
    }
    Map<String, Object> unix = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
    return ((Integer) unix.get("mode") & 0170000) == 0020000 && (Long) unix.get("rdev") == 0;
  }

  private void cat(String label, Path file) throws IOException {
    out.print("$ cat " + label + "\n" + Files.readString(file));
  }
}
