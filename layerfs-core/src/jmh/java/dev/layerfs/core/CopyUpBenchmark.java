package dev.layerfs.core;

import dev.layerfs.posix.Names;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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

/**
 * Copy-up of a 1 GiB lower file (opened for writing, as {@code echo >> file} does) beside {@code Files.copy} of the
 * same file: on ext4 both copy with {@code copy_file_range}; on a filesystem with reflinks (xfs, btrfs: give its
 * directory as {@code root}) both clone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CopyUpBenchmark {
  private static final long SIZE = 1L << 30;

  @Param("/var/tmp/layerfs-copyup-bench")
  public String root;

  private Path base;
  private Path lowerFile;
  private Overlay overlay;
  private Node file;

  @Setup(Level.Trial)
  public void makeFile() throws IOException {
    base = Path.of(root);
    EngineBenchmark.BenchTrees.delete(base);
    Path lower = Files.createDirectories(base.resolve("lower"));
    lowerFile = lower.resolve("big");
    byte[] chunk = new byte[1 << 20];
    Random random = new Random(1);
    try (OutputStream out = Files.newOutputStream(lowerFile)) {
      for (long written = 0; written < SIZE; written += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
  }

  @Setup(Level.Invocation)
  public void freshUpper() throws IOException {
    EngineBenchmark.BenchTrees.delete(base.resolve("upper"));
    EngineBenchmark.BenchTrees.delete(base.resolve("work"));
    EngineBenchmark.BenchTrees.delete(base.resolve("copy"));
    overlay = Overlay.open(OverlayOptions.builder().lower(base.resolve("lower"))
        .upper(Files.createDirectories(base.resolve("upper")))
        .work(Files.createDirectories(base.resolve("work"))).build());
    file = overlay.lookup(overlay.root(), Names.bytes("big"));
    Posix.fsync(Posix.open(base.toString(), Posix.O_RDONLY));
  }

  @TearDown(Level.Invocation)
  public void closeOverlay() {
    overlay.close();
  }

  @TearDown(Level.Trial)
  public void removeAll() throws IOException {
    EngineBenchmark.BenchTrees.delete(base);
  }

  @Benchmark
  public void copyUp1GiB() throws Exception {
    try (OpenFile f = overlay.open(file, Posix.O_WRONLY | Posix.O_APPEND)) {
      f.sync(false);
    }
  }

  @Benchmark
  public void nativeCopy1GiB() throws IOException {
    Path copy = base.resolve("copy");
    Files.copy(lowerFile, copy, StandardCopyOption.REPLACE_EXISTING);
    int fd = Posix.open(copy.toString(), Posix.O_RDONLY);
    try {
      Posix.fsync(fd);
    } finally {
      Posix.closeQuietly(fd);
    }
  }
}
