package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.spi.FileSystemProvider;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening views through the provider, with no compile-time dependency, and finding them again by URI. */
class ProviderTest {
  @TempDir Path tmp;
  Path lower;
  Path upper;
  Path work;

  @BeforeEach
  void layers() throws IOException {
    lower = Files.createDirectory(tmp.resolve("lower"));
    upper = Files.createDirectory(tmp.resolve("upper"));
    work = Files.createDirectory(tmp.resolve("work"));
    Files.writeString(lower.resolve("file1.txt"), "hello from lower\n");
  }

  private Map<String, String> env() {
    return Map.of("lowerdir", lower.toString(), "upperdir", upper.toString(), "workdir", work.toString());
  }

  @Test
  void isFoundByTheServiceLoader() {
    List<FileSystemProvider> found = ServiceLoader.load(FileSystemProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.getScheme().equals("overlay")).toList();
    assertEquals(1, found.size());
    assertInstanceOf(OverlayFileSystemProvider.class, found.getFirst());
    assertTrue(FileSystemProvider.installedProviders().stream().anyMatch(p -> p.getScheme().equals("overlay")));
  }

  @Test
  void opensByUriWithKernelMountOptions() throws IOException {
    URI uri = URI.create("overlay:/provider-test/one");
    try (FileSystem fs = FileSystems.newFileSystem(uri, env())) {
      assertEquals("hello from lower\n", Files.readString(fs.getPath("/file1.txt")));
      assertSame(fs, FileSystems.getFileSystem(uri));
      assertThrows(FileSystemAlreadyExistsException.class, () -> FileSystems.newFileSystem(uri, env()));
      Path file = fs.getPath("/dir with space/ä");
      URI pathUri = file.toUri();
      assertEquals("overlay:/provider-test/one!/dir%20with%20space/%C3%A4", pathUri.toString());
      assertEquals(file, Paths.get(pathUri));
      assertEquals(file, Path.of(pathUri));
    }
    assertThrows(FileSystemNotFoundException.class, () -> FileSystems.getFileSystem(uri));
  }

  @Test
  void takesPathsListsAndFlagsAsValues() throws IOException {
    Path second = Files.createDirectory(tmp.resolve("second"));
    Files.writeString(second.resolve("file1.txt"), "hidden below\n");
    Files.writeString(second.resolve("only-below.txt"), "below\n");
    Map<String, Object> env = Map.of("lowerdir", List.of(lower, second), "upperdir", upper, "workdir", work,
        "ro", true);
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("overlay:/provider-test/typed"), env)) {
      assertTrue(fs.isReadOnly());
      assertEquals("hello from lower\n", Files.readString(fs.getPath("/file1.txt")));
      assertEquals("below\n", Files.readString(fs.getPath("/only-below.txt")));
    }
  }

  @Test
  void escapedLowerdirListsWorkLikeTheKernel() throws IOException {
    Path odd = Files.createDirectory(tmp.resolve("odd:name,x"));
    Files.writeString(odd.resolve("b.txt"), "b");
    String lowerdir = lower + ":" + odd.toString().replace(":", "\\:").replace(",", "\\,");
    try (FileSystem fs = FileSystems.newFileSystem(URI.create("overlay:/provider-test/escaped"),
        Map.of("lowerdir", lowerdir))) {
      assertEquals("b", Files.readString(fs.getPath("/b.txt")));
      assertTrue(fs.isReadOnly(), "no upper layer: read-only");
    }
  }

  @Test
  void badOptionsNameTheOption() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> FileSystems.newFileSystem(URI.create("overlay:/provider-test/bad"), Map.of("lowerdir",
            lower.toString(), "frobnicate", "yes")));
    assertTrue(unknown.getMessage().contains("frobnicate"), unknown.getMessage());
    IllegalArgumentException noWork = assertThrows(IllegalArgumentException.class,
        () -> FileSystems.newFileSystem(URI.create("overlay:/provider-test/bad"), Map.of("lowerdir",
            lower.toString(), "upperdir", upper.toString())));
    assertTrue(noWork.getMessage().contains("workdir"), noWork.getMessage());
    IllegalArgumentException noLower = assertThrows(IllegalArgumentException.class,
        () -> FileSystems.newFileSystem(URI.create("overlay:/provider-test/bad"), Map.of()));
    assertTrue(noLower.getMessage().contains("lowerdir"), noLower.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> FileSystems.newFileSystem(URI.create("overlay:/provider-test/bad!/path"), env()));
  }

  @Test
  void missingOrBadLayersNameTheDirectory() throws IOException {
    Path missing = tmp.resolve("missing");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> OverlayFs.builder().lower(missing)
        .build());
    assertEquals(missing.toString(), e.getFile());
    assertTrue(e.getMessage().contains("lowerdir"), e.getMessage());
    Path file = Files.writeString(tmp.resolve("file"), "");
    FileSystemException notDir = assertThrows(FileSystemException.class,
        () -> OverlayFs.builder().lower(lower).upper(file).work(work).build());
    assertTrue(notDir.getMessage().contains("upperdir"), notDir.getMessage());
    FileSystemException nested = assertThrows(FileSystemException.class,
        () -> OverlayFs.builder().lower(lower).upper(upper).work(upper.resolve(".")).build());
    assertTrue(nested.getMessage().contains("workdir"), nested.getMessage());
    assertFalse(Files.exists(work.resolve("work")), "nothing is written when a check fails");
  }

  @Test
  void builderNamesTheViewForUris() throws IOException {
    try (FileSystem fs = OverlayFs.builder().lower(lower).upper(upper).work(work).name("/built").build()) {
      assertSame(fs, FileSystems.getFileSystem(URI.create("overlay:/built")));
      assertEquals(fs.getPath("/file1.txt"), Path.of(URI.create("overlay:/built!/file1.txt")));
      assertSame(fs.provider(), FileSystemProvider.installedProviders().stream()
          .filter(p -> p.getScheme().equals("overlay")).findFirst().orElseThrow());
    }
  }

  @Test
  void closingTheViewClosesItsChannelsAndStreams() throws IOException {
    FileSystem fs = OverlayFs.builder().lower(lower).upper(upper).work(work).build();
    var channel = Files.newByteChannel(fs.getPath("/file1.txt"));
    var stream = Files.newDirectoryStream(fs.getPath("/"));
    assertTrue(fs.isOpen());
    fs.close();
    assertFalse(fs.isOpen());
    assertFalse(channel.isOpen());
    assertThrows(ClosedFileSystemException.class, () -> Files.readString(fs.getPath("/file1.txt")));
    assertThrows(ClosedFileSystemException.class, () -> Files.exists(fs.getPath("/file1.txt")) );
    stream.close();
    fs.close();
  }
}
