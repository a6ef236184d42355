package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfs.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Runs {@code layerfs} commands in this JVM against one store, capturing what they print. */
final class Cli {
  private static final Object STREAMS = new Object();

  private final Path root;

  Cli(Path root) {
    this.root = root;
  }

  /** What a command printed and how it ended. */
  record Run(int exit, String out, String err, byte[] outBytes) {}

  /** Runs {@code layerfs ARGS --root ROOT}, adding {@code --root} after the subcommand path. */
  Run exec(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--root");
    all.add(root.toString());
    return raw(all.toArray(String[]::new));
  }

  /** Runs a command that must succeed and returns its standard output. */
  String run(String... args) {
    Run run = exec(args);
    assertEquals(0, run.exit(), () -> String.join(" ", args) + " failed:\n" + run.err() + run.out());
    return run.out();
  }

  /** Runs {@code layerfs ARGS} exactly as given. */
  static Run raw(String... args) {
    return withInput("", args);
  }

  /** Runs {@code layerfs ARGS} exactly as given, with {@code stdin} as its standard input. */
  static Run withInput(String stdin, String... args) {
    synchronized (STREAMS) {
      InputStream savedIn = System.in;
      PrintStream savedOut = System.out;
      PrintStream savedErr = System.err;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        int exit = Main.run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
            out.toByteArray());
      } finally {
        System.setIn(savedIn);
        System.setOut(savedOut);
        System.setErr(savedErr);
      }
    }
  }

  /** The entries of a store directory such as {@code layers/sha256}. */
  List<String> list(String dir) {
    try (Stream<Path> entries = Files.list(root.resolve(dir))) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path root() {
    return root;
  }
}
