package dev.layerfs.core;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import dev.layerfs.posix.PosixException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The engine's lookups and merged readdir beside the same work done with java.nio on one plain directory: a file
 * at the bottom of a 20-layer stack, and 10,000 names spread over three layers with 1,000 of them whited out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EngineBenchmark {
  private static final List<String> PATH = List.of("usr", "lib", "pkg", "file.so");

  @Param("/var/tmp/layerfs-engine-bench")
  public String root;

  private Overlay deep;
  private Path nativeDeepFile;
  private Overlay wide;
  private Node wideDir;
  private Path nativeWideDir;

  @Setup
  public void build() throws IOException {
    Path base = Path.of(root);
    BenchTrees.delete(base);
    Files.createDirectories(base);
    deep = Overlay.open(BenchTrees.deepStack(base.resolve("deep"), 20, PATH));
    nativeDeepFile = BenchTrees.nativeDeep(base.resolve("native-deep"), PATH);
    wide = Overlay.open(BenchTrees.wideStack(base.resolve("wide")));
    wideDir = wide.lookup(wide.root(), Names.bytes("d"));
    nativeWideDir = BenchTrees.nativeWide(base.resolve("native-wide"));
  }

  @TearDown
  public void close() throws IOException {
    deep.close();
    wide.close();
    BenchTrees.delete(Path.of(root));
  }

  /** What a FUSE LOOKUP storm on a cold cache costs: every component asked of the layers again. */
  @Benchmark
  public Node lookupBottomOf20LayersUncached() throws PosixException {
    return deep.readLocked(() -> {
      Node n = deep.root();
      for (String part : PATH) {
        n = deep.lookups.resolve(n, Names.bytes(part));
      }
      return n;
    });
  }

  /** A lookup through the engine's node cache and the stat of the file found. */
  @Benchmark
  public long statBottomOf20LayersCached() throws PosixException {
    Node n = deep.root();
    for (String part : PATH) {
      Node child = deep.lookup(n, Names.bytes(part));
      deep.forget(child, 1);
      n = child;
    }
    return deep.getattr(n).ino();
  }

  @Benchmark
  public long statNative() throws IOException {
    return Files.readAttributes(nativeDeepFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
  }

  @Benchmark
  public void readdirMerged10k(Blackhole bh) throws PosixException {
    for (DirectoryListing.Entry e : wide.readDirectory(wideDir).entries()) {
      bh.consume(e);
    }
  }

  @Benchmark
  public void readdirNative10k(Blackhole bh) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(nativeWideDir)) {
      for (Path p : s) {
        bh.consume(p);
      }
    }
  }

  /** Builds the benchmark trees with plain java.nio, as any image tool would. */
  static final class BenchTrees {
    private BenchTrees() {}

    static OverlayOptions deepStack(Path base, int layers, List<String> path) throws IOException {
      OverlayOptions.Builder b = OverlayOptions.builder();
      for (int i = 0; i < layers; i++) {
        Path layer = base.resolve("l" + i);
        Path dir = layer;
        for (String part : path.subList(0, path.size() - 1)) {
          dir = Files.createDirectories(dir.resolve(part));
          Files.writeString(dir.resolve("other" + i), "x");
        }
        if (i == layers - 1) {
          Files.writeString(dir.resolve(path.get(path.size() - 1)), "bottom");
        }
        b.lower(layer);
      }
      return b.upper(Files.createDirectories(base.resolve("upper")))
          .work(Files.createDirectories(base.resolve("work"))).build();
    }

    static Path nativeDeep(Path base, List<String> path) throws IOException {
      Path dir = Files.createDirectories(base.resolve(String.join("/", path.subList(0, path.size() - 1))));
      return Files.writeString(dir.resolve(path.get(path.size() - 1)), "bottom");
    }

    /** As bench.sh's readdir set: l1 has 0–3999, l2 4000–7999, upper 8000–10999, and 1,000 are deleted. */
    static OverlayOptions wideStack(Path base) throws IOException {
      Path l1 = Files.createDirectories(base.resolve("l1/d"));
      Path l2 = Files.createDirectories(base.resolve("l2/d"));
      Path upper = Files.createDirectories(base.resolve("upper/d"));
      for (int i = 0; i < 11_000; i++) {
        Path dir = i < 4000 ? l1 : i < 8000 ? l2 : upper;
        Files.writeString(dir.resolve(String.format("n%05d", i)), "x".repeat(100));
      }
      OverlayOptions options = OverlayOptions.builder().lower(base.resolve("l2"), base.resolve("l1"))
          .upper(base.resolve("upper")).work(Files.createDirectories(base.resolve("work"))).build();
      try (Overlay o = Overlay.open(options)) {
        Node d = o.lookup(o.root(), Names.bytes("d"));
        for (int i : whitedOut()) {
          o.unlink(d, Names.bytes(String.format("n%05d", i)));
        }
      }
      return options;
    }

    static Path nativeWide(Path base) throws IOException {
      Path dir = Files.createDirectories(base);
      for (int i = 0; i < 11_000; i++) {
        if (!whitedOut().contains(i)) {
          Files.writeString(dir.resolve(String.format("n%05d", i)), "x".repeat(100));
        }
      }
      return dir;
    }

    private static List<Integer> whitedOut() {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        out.add(i);
        out.add(4000 + i);
      }
      return out;
    }

    static void delete(Path p) throws IOException {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        int fd = Posix.openat(Posix.AT_FDCWD, Names.bytes(p.getParent().toString()), Posix.O_PATH);
        try {
          WorkDir.removeTree(fd, Names.bytes(p.getFileName().toString()));
        } finally {
          Posix.closeQuietly(fd);
        }
      }
    }
  }
}
