package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import dev.layerfs.oci.registry.FetchedManifest;
import dev.layerfs.oci.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;

/**
 * Pulls an image from a registry into the store, with the same checks and the same result as an import of that
 * image: the manifest for this platform, its config, then every layer blob whose layer the store lacks, a few at a
 * time, each layer unpacked (bottom first) as soon as the layers below it are in, while its blob still arrives.
 * Blob digests are verified while the bytes stream in, layers against their diff IDs as they are unpacked; a blob
 * that does not match is discarded and fails the pull, so nothing unverified enters the store.
 *
 * <p>Blobs are downloaded into the store's temporary directory (resuming dropped connections with Range requests)
 * and moved into {@code blobs/} once verified; the image is named only when all of it is stored, so an interrupted
 * pull leaves nothing visible and the next one reuses every layer already unpacked.
 */
final class ImagePuller {
  private static final int MAX_CONFIG = 16 << 20;

  private final LayerStore store;
  private final StoreSession session;
  private final RegistryClient client;
  private final Progress progress;

  ImagePuller(LayerStore store, StoreSession session, RegistryClient client, Progress progress) {
    this.store = store;
    this.session = session;
    this.client = client;
    this.progress = progress;
  }

  StoredImage pull(ImageReference reference, Platform platform) throws IOException {
    FetchedManifest fetched = client.fetchManifest(reference, platform);
    Manifest manifest = fetched.manifest();
    byte[] configBytes = config(reference, manifest.config());
    ImageConfig config = ImageConfig.fromJson(configBytes);
    List<Digest> diffIds = config.rootfs().diffIds();
    if (diffIds.size() != manifest.layers().size()) {
      throw new IOException(reference + ": the manifest " + fetched.digest() + " has " + manifest.layers().size()
          + " layers but its config lists " + diffIds.size() + " diff IDs");
    }
    for (Descriptor layer : manifest.layers()) {
      if (!MediaTypes.isLayer(layer.mediaType())) {
        throw new IOException(reference + ": layer " + layer.digest() + " has media type " + layer.mediaType()
            + ", which is not a layer layerfs can unpack");
      }
    }
    long started = System.nanoTime();
    long received = layers(reference, manifest.layers(), diffIds);
    session.addBlob(manifest.config().mediaType(), configBytes);
    Descriptor stored = session.addBlob(fetched.mediaType(), fetched.content());
    List<ImageReference> names = reference.tag().map(tag -> List.of(reference.withTag(tag))).orElse(List.of());
    session.addImage(stored, names);
    progress.note(reference + ": " + received + " layer bytes received, " + manifest.layers().size() + " layers in "
        + String.format("%.2f s", (System.nanoTime() - started) / 1e9) + ", digest " + fetched.digest());
    return store.load(stored, names);
  }

  /** The config, from the store when it has it, else downloaded and verified. */
  private byte[] config(ImageReference reference, Descriptor config) throws IOException {
    if (store.hasBlob(config.digest())) {
      return store.readBlob(config.digest());
    }
    if (config.size() > MAX_CONFIG) {
      throw new IOException(reference + ": the config " + config.digest() + " claims " + config.size()
          + " bytes, more than an image config can be");
    }
    Path file = session.newStagingFile();
    try {
      client.pullBlob(reference, config, file, (blob, done, total) -> {});
      return Files.readAllBytes(file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Downloads the blobs of the layers the store lacks, {@link Transfers#PARALLEL} at a time, and unpacks each
   * layer in order as soon as the layers below it are in: from its stored blob when its download is complete,
   * else from the bytes as they arrive. Answers the bytes received.
   */
  private long layers(ImageReference reference, List<Descriptor> blobs, List<Digest> diffIds) throws IOException {
    Map<Integer, Future<Path>> downloads = new TreeMap<>();
    Map<Integer, ArrivingBlob> arriving = new TreeMap<>();
    List<Path> staged = new ArrayList<>();
    long received = 0;
    try (Transfers transfers = new Transfers()) {
      for (int i = 0; i < blobs.size(); i++) {
        Descriptor blob = blobs.get(i);
        if (store.hasBlob(blob.digest()) && store.layer(diffIds.get(i)).isPresent()) {
          continue;
        }
        Path file = session.newStagingFile();
        staged.add(file);
        String label = "layer " + diffIds.get(i).hex().substring(0, 12) + ": downloading";
        TransferTask task = new TransferTask(progress, label);
        ArrivingBlob download = new ArrivingBlob(blob, file, task);
        arriving.put(i, download);
        downloads.put(i, transfers.start(() -> download(reference, blob, file, task, download)));
      }
      for (int i = 0; i < blobs.size(); i++) {
        Descriptor blob = blobs.get(i);
        Future<Path> download = downloads.get(i);
        List<Digest> lowers = diffIds.subList(0, i);
        if (download == null) {
          session.addLayer(blob, diffIds.get(i), lowers, progress);
          continue;
        }
        boolean unpacked = !download.isDone()
            && unpackAsItArrives(blob, diffIds.get(i), lowers, arriving.get(i), download);
        session.adoptVerifiedBlob(blob, Transfers.await(download));
        received += blob.size();
        if (!unpacked) {
          session.addLayer(blob, diffIds.get(i), lowers, progress);
        }
      }
    } finally {
      for (Path file : staged) {
        Files.deleteIfExists(file);
      }
    }
    return received;
  }

  private Path download(ImageReference reference, Descriptor blob, Path file, TransferTask task,
      ArrivingBlob arriving) throws IOException {
    IOException failure = new IOException("the download of " + blob.digest() + " was cancelled");
    try (task) {
      client.pullBlob(reference, blob, file, arriving);
      failure = null;
      return file;
    } catch (IOException e) {
      failure = e;
      throw e;
    } finally {
      arriving.ended(failure);
    }
  }

  /**
   * Unpacks a layer from its download in progress; when that fails, the download's own failure (a digest
   * mismatch, a registry error) is the one that counts, and a download that succeeded after all (it started over,
   * say) leaves the layer to be unpacked from the stored blob.
   */
  private boolean unpackAsItArrives(Descriptor blob, Digest diffId, List<Digest> lowers, ArrivingBlob arriving,
      Future<Path> download) throws IOException {
    try (InputStream in = arriving.open()) {
      session.addLayerAsItArrives(blob, diffId, lowers, in, progress);
      return true;
    } catch (IOException e) {
      Transfers.await(download);
      progress.note("layer " + diffId.hex().substring(0, 12) + ": unpacking again from the downloaded blob ("
          + e.getMessage() + ")");
      return false;
    }
  }
}
