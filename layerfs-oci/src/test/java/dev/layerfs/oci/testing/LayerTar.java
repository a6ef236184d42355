package dev.layerfs.oci.testing;

import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarEntry.Type;
import dev.layerfs.oci.tar.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds layer tars entry by entry, hostile ones included: the writer takes any name the tests give it. */
public final class LayerTar {
  public static final Instant TIME = Instant.ofEpochSecond(1_600_000_000L, 123_456_789);

  private record Item(TarEntry entry, byte[] data) {}

  private final List<Item> items = new ArrayList<>();

  public LayerTar dir(String name) {
    return dir(name, 0755);
  }

  public LayerTar dir(String name, int mode) {
    return add(TarEntry.builder(Type.DIRECTORY, name).mode(mode).mtime(TIME).build(), new byte[0]);
  }

  public LayerTar file(String name, String content) {
    return file(utf8(name), utf8(content), 0644);
  }

  public LayerTar file(byte[] name, byte[] content, int mode) {
    return add(TarEntry.builder(Type.REGULAR, name).mode(mode).size(content.length).mtime(TIME).build(), content);
  }

  public LayerTar symlink(String name, String target) {
    return add(TarEntry.builder(Type.SYMLINK, name).mode(0777).linkTarget(target).mtime(TIME).build(), new byte[0]);
  }

  public LayerTar hardlink(String name, String target) {
    return add(TarEntry.builder(Type.HARD_LINK, name).mode(0644).linkTarget(target).mtime(TIME).build(),
        new byte[0]);
  }

  public LayerTar fifo(String name) {
    return add(TarEntry.builder(Type.FIFO, name).mode(0640).mtime(TIME).build(), new byte[0]);
  }

  public LayerTar charDevice(String name, int major, int minor) {
    return add(TarEntry.builder(Type.CHAR_DEVICE, name).mode(0666).device(major, minor).mtime(TIME).build(),
        new byte[0]);
  }

  /** A {@code .wh.} entry for {@code path}. */
  public LayerTar whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String name = path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return file(utf8(name), new byte[0], 0);
  }

  /** A {@code .wh..wh..opq} entry in {@code dir}. */
  public LayerTar opaque(String dir) {
    return file(utf8(dir + "/.wh..wh..opq"), new byte[0], 0);
  }

  public LayerTar add(TarEntry entry, byte[] data) {
    items.add(new Item(entry, data));
    return this;
  }

  /** The uncompressed archive. */
  public byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out);
    return out.toByteArray();
  }

  public byte[] compressed(Compression compression) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream c = compression.compress(out)) {
      write(c);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public Path writeTo(Path file) {
    try {
      return Files.write(file, bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(OutputStream out) {
    try {
      TarWriter tar = new TarWriter(out);
      for (Item item : items) {
        tar.write(item.entry, new ByteArrayInputStream(item.data));
      }
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
