package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.registry.BlobPushResult;
import dev.layerfs.oci.registry.RegistryClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.Optional;
import java.util.concurrent.Future;

/**
 * Pushes a stored image to a registry as the store keeps it: the compressed layer blobs and the config exactly as
 * received or committed, then the manifest's very bytes, so the image keeps its digest. Blobs the repository has
 * are not sent; one that an image in the store was named after in another repository of the same registry (it was
 * pulled from or pushed there) is first asked to be mounted from there, which sends no bytes either.
 */
final class ImagePusher {
  private final LayerStore store;
  private final RegistryClient client;
  private final Progress progress;

  ImagePusher(LayerStore store, RegistryClient client, Progress progress) {
    this.store = store;
    this.client = client;
    this.progress = progress;
  }

  Digest push(StoredImage image, ImageReference target) throws IOException {
    Map<Descriptor, String> blobs = new LinkedHashMap<>();
    List<Descriptor> layers = image.manifest().layers();
    for (int i = 0; i < layers.size(); i++) {
      Descriptor layer = layers.get(i);
      if (MediaTypes.isNondistributable(layer.mediaType())) {
        progress.note("layer " + layer.digest().hex().substring(0, 12) + ": not pushed, its media type "
            + layer.mediaType() + " says it is fetched from its own URLs");
        continue;
      }
      blobs.put(layer, "layer " + image.diffIds().get(i).hex().substring(0, 12));
    }
    blobs.put(image.manifest().config(), "config " + image.id().hex().substring(0, 12));
    Map<Digest, String> mountable = mountSources(target);
    long started = System.nanoTime();
    long sent = 0;
    try (Transfers transfers = new Transfers()) {
      Map<Descriptor, Future<Long>> uploads = new LinkedHashMap<>();
      blobs.forEach((blob, label) -> uploads.put(blob, transfers.start(() -> upload(target, blob, label,
          Optional.ofNullable(mountable.get(blob.digest()))))));
      for (Future<Long> upload : uploads.values()) {
        sent += Transfers.await(upload);
      }
    }
    Digest digest = client.pushManifest(target, image.manifestDescriptor().mediaType(),
        store.readBlob(image.manifestDigest()));
    progress.note(target + ": " + sent + " blob bytes sent, " + blobs.size() + " blobs in "
        + String.format("%.2f s", (System.nanoTime() - started) / 1e9) + ", digest " + digest);
    return digest;
  }

  /** Uploads one blob unless the registry has it or mounts it; answers the bytes sent. */
  private long upload(ImageReference target, Descriptor blob, String label, Optional<String> mountFrom)
      throws IOException {
    BlobPushResult result;
    try (TransferTask task = new TransferTask(progress, label + ": uploading")) {
      result = client.pushBlob(target, blob, store.blobPath(blob.digest()), mountFrom, task);
    }
    switch (result) {
      case ALREADY_PRESENT -> progress.note(label + ": already in " + target.registry() + "/" + target.repository());
      case MOUNTED -> progress.note(label + ": mounted from " + target.registry() + "/" + mountFrom.orElseThrow());
      case UPLOADED -> {
        return blob.size();
      }
    }
    return 0;
  }

  /**
   * Where in the target's registry each blob is known to be: the other repositories of that registry that images
   * in the store are named after.
   */
  private Map<Digest, String> mountSources(ImageReference target) throws IOException {
    Map<Digest, String> sources = new HashMap<>();
    Predicate<ImageReference> elsewhereInTarget =
        name -> name.registry().equals(target.registry()) && !name.repository().equals(target.repository());
    for (StoredImage image : store.imagesNamed(elsewhereInTarget)) {
      for (ImageReference name : image.names()) {
        if (elsewhereInTarget.test(name)) {
          List<Descriptor> blobs = new ArrayList<>(image.manifest().layers());
          blobs.add(image.manifest().config());
          blobs.forEach(blob -> sources.putIfAbsent(blob.digest(), name.repository()));
        }
      }
    }
    return sources;
  }
}
