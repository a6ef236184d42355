package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.layer.Trees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes what nothing refers to: blobs no image's manifest lists, layers no image's config (or container)
 * stacks, and whatever interrupted commands left in {@code tmp/}. The caller holds the store's collection lock
 * exclusively, so no session is adding content meanwhile.
 */
final class Collector {
  private final LayerStore store;
  private long layers;
  private long blobs;
  private long bytes;

  Collector(LayerStore store) {
    this.store = store;
  }

  GcResult collect() throws IOException {
    Set<String> liveBlobs = new HashSet<>();
    Set<String> liveLayers = new HashSet<>();
    for (Descriptor entry : IndexFile.read(store.root().resolve("index.json")).manifests()) {
      liveBlobs.add(entry.digest().hex());
      Manifest manifest = Manifest.fromJson(store.readBlob(entry.digest()));
      liveBlobs.add(manifest.config().digest().hex());
      manifest.layers().forEach(l -> liveBlobs.add(l.digest().hex()));
      ImageConfig config = ImageConfig.fromJson(store.readBlob(manifest.config().digest()));
      config.rootfs().diffIds().forEach(d -> liveLayers.add(d.hex()));
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(store.root().resolve("containers"))) {
      for (Path dir : dirs) {
        Path record = dir.resolve("container.json");
        if (Files.exists(record)) {
          StoreJson.read(record, StoreJson.ContainerRecord.class).diffIds()
              .forEach(d -> liveLayers.add(Digest.parse(d).hex()));
        }
      }
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(store.root().resolve("blobs/sha256"))) {
      for (Path file : files) {
        if (!liveBlobs.contains(file.getFileName().toString())) {
          bytes += Files.size(file);
          blobs++;
          Files.delete(file);
        }
      }
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(store.root().resolve("layers/sha256"))) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        String hex = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        if (liveLayers.contains(hex)) {
          continue;
        }
        if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          bytes += Trees.usage(entry).allocatedBytes();
          layers++;
        }
        Trees.delete(entry);
      }
    }
    for (String dir : List.of("tmp")) {
      try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(store.root().resolve(dir))) {
        for (Path leftover : leftovers) {
          Trees.delete(leftover);
        }
      }
    }
    try (DirectoryStream<Path> locks = Files.newDirectoryStream(store.root().resolve("locks"), "layer-*.lock")) {
      for (Path lock : locks) {
        Files.deleteIfExists(lock);
      }
    }
    return new GcResult(List.of(), layers, blobs, bytes);
  }
}
