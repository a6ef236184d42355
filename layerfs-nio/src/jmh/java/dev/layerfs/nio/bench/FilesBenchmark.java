package dev.layerfs.nio.bench;

import dev.layerfs.nio.OverlayFs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The overlay view on a stack of five lower layers and an upper layer, against plain {@code java.nio} on a directory
 * holding the same tree, for the operations programs do most: read a file, list a big directory, read an attribute,
 * write a new small file. Both run the same code; only the path's file system differs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FilesBenchmark {
  private static final int LAYERS = 5;
  private static final int ENTRIES_PER_LAYER = 2_000;
  private static final byte[] SMALL = new byte[128];

  @Param({"native", "overlay"})
  public String fileSystem;

  private Path tmp;
  private FileSystem overlay;
  private Path file;
  private Path bigDirectory;
  private Path attributeFile;
  private Path outDirectory;
  private long written;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    tmp = Files.createTempDirectory("layerfs-bench-");
    Path[] lowers = new Path[LAYERS];
    Path flat = Files.createDirectory(tmp.resolve("native"));
    for (int layer = 0; layer < LAYERS; layer++) {
      lowers[layer] = Files.createDirectory(tmp.resolve("lower" + layer));
      fill(lowers[layer], layer);
      fill(flat, layer);
    }
    byte[] data = new byte[4096];
    for (Path dir : new Path[] {lowers[LAYERS - 1], flat}) {
      Files.createDirectories(dir.resolve("usr/share/data"));
      Files.write(dir.resolve("usr/share/data/file-4k.bin"), data);
      Files.createDirectories(dir.resolve("etc"));
      Files.writeString(dir.resolve("etc/hostname"), "bench\n");
    }
    Path root;
    if (fileSystem.equals("overlay")) {
      overlay = OverlayFs.builder().lower(lowers).upper(Files.createDirectory(tmp.resolve("upper")))
          .work(Files.createDirectory(tmp.resolve("work"))).build();
      root = overlay.getPath("/");
    } else {
      root = flat;
    }
    file = root.resolve("usr/share/data/file-4k.bin");
    bigDirectory = root.resolve("merged");
    attributeFile = root.resolve("etc/hostname");
    outDirectory = root.resolve("out");
  }

  /** Every layer has 2,000 names of its own in {@code merged}, and an {@code out} directory. */
  private static void fill(Path layer, int index) throws IOException {
    Path merged = Files.createDirectories(layer.resolve("merged"));
    for (int i = 0; i < ENTRIES_PER_LAYER; i++) {
      Files.createFile(merged.resolve("l" + index + "-entry-" + i));
    }
    Files.createDirectories(layer.resolve("out"));
  }

  @TearDown(Level.Iteration)
  public void removeWrittenFiles() throws IOException {
    try (Stream<Path> list = Files.list(outDirectory)) {
      for (Path p : list.toList()) {
        Files.delete(p);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (overlay != null) {
      overlay.close();
    }
    Files.walkFileTree(tmp, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** A 4 KiB file from the bottom layer. */
  @Benchmark
  public byte[] readAllBytes() throws IOException {
    return Files.readAllBytes(file);
  }

  /** 10,000 names merged from five layers (one plain directory of 10,000 natively). */
  @Benchmark
  public int listDirectory(Blackhole hole) throws IOException {
    int count = 0;
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(bigDirectory)) {
      for (Path p : stream) {
        hole.consume(p);
        count++;
      }
    }
    return count;
  }

  @Benchmark
  public Object getAttribute() throws IOException {
    return Files.getAttribute(attributeFile, "size");
  }

  /** A new 128-byte file in a directory that all five lower layers have. */
  @Benchmark
  public Path writeNewFile() throws IOException {
    return Files.write(outDirectory.resolve("f" + written++), SMALL);
  }
}
