package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.layer.Trees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The space a store takes, as {@code docker system df} shows it, and what sharing layers saves: every image and
 * every container would otherwise carry its own copy of its layers.
 *
 * @param images images in the store
 * @param activeImages images some container uses
 * @param imageBytes disk space of the layers and blobs images use (each counted once)
 * @param reclaimableImageBytes the part of it no container needs (removing the unused images frees it)
 * @param containers containers in the store
 * @param mountedContainers containers mounted by {@code container mount}
 * @param containerBytes disk space of the containers' upper layers
 * @param layers unpacked layers
 * @param layerBytes disk space of the unpacked layers
 * @param blobs blobs (compressed layers, configs, manifests)
 * @param blobBytes disk space of the blobs
 * @param unsharedLayerBytes what the layers would take if every image and every container had its own copy
 */
public record StoreUsage(int images, int activeImages, long imageBytes, long reclaimableImageBytes, int containers,
    int mountedContainers, long containerBytes, int layers, long layerBytes, int blobs, long blobBytes,
    long unsharedLayerBytes) {

  /** The space sharing saves: what unshared copies would take beyond the shared layers. */
  public long savedBytes() {
    return unsharedLayerBytes - layerBytes;
  }

  static StoreUsage of(LayerStore store) throws IOException {
    Map<Digest, Long> layerSize = new HashMap<>();
    for (StoredLayer layer : store.layers()) {
      layerSize.put(layer.diffId(), layer.allocatedBytes());
    }
    Map<Digest, Long> blobSize = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(store.root().resolve("blobs/sha256"))) {
      for (Path file : files) {
        Digest digest = LayerStore.parseHex(file.getFileName().toString());
        if (digest != null) {
          blobSize.put(digest, Files.size(file));
        }
      }
    }
    List<StoredImage> images = store.images();
    List<Container> containers = store.containers();
    Set<Digest> used = new HashSet<>();
    containers.forEach(c -> used.add(c.image()));
    Set<Digest> allImageContent = new HashSet<>();
    Set<Digest> neededContent = new HashSet<>();
    long unshared = 0;
    int active = 0;
    for (StoredImage image : images) {
      Set<Digest> content = contentOf(image);
      allImageContent.addAll(content);
      if (used.contains(image.manifestDigest())) {
        active++;
        neededContent.addAll(content);
      }
      unshared += sum(image.diffIds(), layerSize);
    }
    long containerBytes = 0;
    int mounted = 0;
    Map<Digest, StoredImage> byManifest = new HashMap<>();
    images.forEach(i -> byManifest.put(i.manifestDigest(), i));
    for (Container container : containers) {
      containerBytes += Trees.usage(container.upper()).allocatedBytes();
      mounted += container.mountpoint().isPresent() ? 1 : 0;
      StoredImage image = byManifest.get(container.image());
      if (image != null) {
        unshared += sum(image.diffIds(), layerSize);
      }
    }
    long imageBytes = size(allImageContent, layerSize, blobSize);
    long reclaimable = imageBytes - size(neededContent, layerSize, blobSize);
    long layerBytes = layerSize.values().stream().mapToLong(Long::longValue).sum();
    long blobBytes = blobSize.values().stream().mapToLong(Long::longValue).sum();
    return new StoreUsage(images.size(), active, imageBytes, reclaimable, containers.size(), mounted,
        containerBytes, layerSize.size(), layerBytes, blobSize.size(), blobBytes, unshared);
  }

  private static Set<Digest> contentOf(StoredImage image) {
    Set<Digest> content = new HashSet<>(image.diffIds());
    content.add(image.manifestDigest());
    content.add(image.id());
    for (Descriptor layer : image.manifest().layers()) {
      content.add(layer.digest());
    }
    return content;
  }

  private static long sum(List<Digest> diffIds, Map<Digest, Long> sizes) {
    return diffIds.stream().mapToLong(d -> sizes.getOrDefault(d, 0L)).sum();
  }

  private static long size(Set<Digest> content, Map<Digest, Long> layers, Map<Digest, Long> blobs) {
    long total = 0;
    for (Digest d : content) {
      total += layers.getOrDefault(d, 0L) + blobs.getOrDefault(d, 0L);
    }
    return total;
  }
}
