package dev.layerfs.oci.tar;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An entry with its stored data, the unit the tests write, read and compare. */
record Item(TarEntry entry, byte[] data) {

  static Item of(TarEntry entry) {
    return new Item(entry, new byte[0]);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Item(TarEntry e, byte[] d) && entry.equals(e) && Arrays.equals(data, d);
  }

  @Override
  public int hashCode() {
    return entry.hashCode();
  }

  @Override
  public String toString() {
    return entry + " +" + data.length + " bytes";
  }

  static byte[] write(List<Item> items) {
    return write(items, TarWriter.Options.DEFAULTS);
  }

  static byte[] write(List<Item> items, TarWriter.Options options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter writer = new TarWriter(out, options)) {
      for (Item item : items) {
        writer.write(item.entry(), new ByteArrayInputStream(item.data()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static List<Item> read(byte[] archive) throws IOException {
    return read(new ByteArrayInputStream(archive), TarLimits.DEFAULTS);
  }

  static List<Item> read(InputStream archive, TarLimits limits) throws IOException {
    List<Item> items = new ArrayList<>();
    try (TarReader reader = new TarReader(archive, limits)) {
      for (TarEntry entry = reader.next(); entry != null; entry = reader.next()) {
        items.add(new Item(entry, reader.content().readAllBytes()));
      }
    }
    return items;
  }

  /** Returns a sparse file's logical content: its data regions placed at their offsets, zeros in between. */
  byte[] expanded() {
    if (entry.sparseMap().isEmpty()) {
      return data;
    }
    byte[] file = new byte[Math.toIntExact(entry.size())];
    int at = 0;
    for (SparseMap.Region region : entry.sparseMap().get().regions()) {
      System.arraycopy(data, at, file, (int) region.offset(), (int) region.length());
      at += (int) region.length();
    }
    return file;
  }
}
