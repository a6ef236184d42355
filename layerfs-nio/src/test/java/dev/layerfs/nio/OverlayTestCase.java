package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view of one lower layer (filled by {@link #fixture}) with an upper and a work directory, all in a temporary
 * directory. After each test the view is closed and the lower layer must be exactly as it was before.
 */
abstract class OverlayTestCase {
  @TempDir Path tmp;
  Path lower;
  Path upper;
  Path work;
  FileSystem fs;
  Path root;
  private String lowerDigest;

  @BeforeEach
  void openView() throws IOException {
    lower = Files.createDirectory(tmp.resolve("lower"));
    upper = Files.createDirectory(tmp.resolve("upper"));
    work = Files.createDirectory(tmp.resolve("work"));
    fixture(lower);
    lowerDigest = LayerDigest.of(lower);
    fs = OverlayFs.builder().lower(lower).upper(upper).work(work).build();
    root = fs.getPath("/");
  }

  /** Fills the lower layer before the view opens; nothing by default. */
  void fixture(Path lower) throws IOException {}

  @AfterEach
  void closeViewAndCheckLowerUntouched() throws IOException {
    if (fs == null) {
      return;
    }
    fs.close();
    assertEquals(lowerDigest, LayerDigest.of(lower), "the lower layer changed");
  }

  /** Writes a file into a layer on disk, making its directories. */
  static Path write(Path layer, String relative, String content) throws IOException {
    Path p = layer.resolve(relative);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content);
  }
}
