package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.DigestAlgorithm;
import dev.layerfs.oci.image.DigestingOutputStream;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.NonClosingOutputStream;
import dev.layerfs.oci.internal.Pipe;
import dev.layerfs.oci.layer.ApplyResult;
import dev.layerfs.oci.layer.DiffResult;
import dev.layerfs.oci.layer.LayerApply;
import dev.layerfs.oci.layer.LayerDiff;
import dev.layerfs.oci.layer.Trees;
import dev.layerfs.oci.store.StoreJson.LayerRecord;
import dev.layerfs.oci.tar.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * {@code container commit}: the container's upper layer diffed against its image into a new layer, which is
 * compressed into a blob and unpacked into the store in the same pass (three threads joined by pipes: the diff,
 * the compressor, the unpacker), then a config and manifest naming the image's layers plus the new one.
 *
 * <p>The new layer is unpacked from the very bytes of the blob's tar, so its diff ID is checked twice over, and the
 * container's files are never shared with the image: a container keeps writing its upper layer in place.
 */
final class Committer {
  private static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

  private final LayerStore store;
  private final StoreSession session;
  private final CommitOptions options;
  private final Progress progress;

  Committer(LayerStore store, StoreSession session, CommitOptions options, Progress progress) {
    this.store = store;
    this.session = session;
    this.options = options;
    this.progress = progress;
  }

  StoredImage commit(Container container, ImageReference name) throws IOException {
    StoredImage base = imageOf(container);
    Path staging = Files.createTempDirectory(store.tmp(), "commit-");
    try {
      Path layerDir = Files.createDirectory(staging.resolve("layer"));
      Path blobFile = staging.resolve("blob");
      Layer layer = writeLayer(container, base, layerDir, blobFile);
      publish(layer, layerDir, blobFile);
      return publishImage(base, layer, container, name);
    } finally {
      Trees.delete(staging);
    }
  }

  private StoredImage imageOf(Container container) throws IOException {
    for (StoredImage image : store.images()) {
      if (image.manifestDigest().equals(container.image())) {
        return image;
      }
    }
    throw new IOException("container " + container.name() + " uses image " + container.image()
        + ", which is no longer in the store");
  }

  /** The new layer: its diff ID, its blob's descriptor and what unpacking it found. */
  private record Layer(Digest diffId, Descriptor blob, ApplyResult applied, DiffResult diff) {}

  private Layer writeLayer(Container container, StoredImage base, Path layerDir, Path blobFile) throws IOException {
    List<Path> lowers = store.lowerDirectories(base.diffIds());
    Pipe toCompressor = new Pipe();
    Pipe toUnpacker = new Pipe();
    FutureTask<Descriptor> compressor = start("compress", () -> {
      try (InputStream in = toCompressor.source();
          FileChannel channel = FileChannel.open(blobFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        DigestingOutputStream digesting = new DigestingOutputStream(Channels.newOutputStream(channel),
            DigestAlgorithm.SHA256);
        try (OutputStream compressed = options.compression().compress(new NonClosingOutputStream(digesting),
            Runtime.getRuntime().availableProcessors())) {
          in.transferTo(compressed);
        }
        digesting.flush();
        channel.force(true);
        return Descriptor.of(mediaType(options.compression()), digesting.digest(), digesting.byteCount());
      } catch (Throwable t) {
        toCompressor.readerFailed(t);
        throw t;
      }
    });
    FutureTask<ApplyResult> unpacker = start("unpack", () -> {
      try (InputStream in = toUnpacker.source()) {
        return LayerApply.builder().namespace(store.namespace()).lowers(lowers).build().extract(in, layerDir);
      } catch (Throwable t) {
        toUnpacker.readerFailed(t);
        throw t;
      }
    });
    DigestingOutputStream tar = new DigestingOutputStream(new Fanout(toCompressor.sink(), toUnpacker.sink()),
        DigestAlgorithm.SHA256);
    DiffResult diff;
    try (Progress.Task task = progress.start("committing " + container.name(), -1)) {
      diff = LayerDiff.builder().namespace(store.namespace()).lowers(lowers).times(options.times()).build()
          .write(container.upper(), Streams.counted(tar, task));
      tar.close();
    } catch (IOException | RuntimeException e) {
      toCompressor.abort(e);
      toUnpacker.abort(e);
      join(compressor);
      join(unpacker);
      throw e;
    }
    Descriptor blob = result(compressor);
    ApplyResult applied = result(unpacker);
    Digest diffId = tar.digest();
    if (!applied.diffId().equals(diffId)) {
      throw new IOException("the new layer unpacked to " + applied.diffId() + " but was written as " + diffId);
    }
    return new Layer(diffId, blob, applied, diff);
  }

  private void publish(Layer layer, Path layerDir, Path blobFile) throws IOException {
    Durable.syncFilesystem(layerDir);
    try (StoreLock lock = StoreLock.exclusive(store.lockFile("layer-" + layer.diffId.hex() + ".lock"))) {
      if (store.layer(layer.diffId).isEmpty()) {
        Trees.Usage usage = Trees.usage(layerDir);
        Durable.write(store.layerRecord(layer.diffId), StoreJson.bytes(new LayerRecord(layer.diffId.toString(),
            layer.applied.tarSize(), usage.allocatedBytes(), usage.files(), options.created().toString())),
            store.tmp());
        Durable.move(layerDir, store.layerDirectory(layer.diffId));
      }
    }
    session.addBlob(layer.blob, blobFile);
  }

  private StoredImage publishImage(StoredImage base, Layer layer, Container container, ImageReference name)
      throws IOException {
    ImageConfig old = base.config();
    List<Digest> diffIds = new ArrayList<>(old.rootfs().diffIds());
    diffIds.add(layer.diffId);
    List<ImageConfig.History> history = new ArrayList<>(old.history());
    history.add(new ImageConfig.History(options.created(), "layerfs commit " + container.name(), options.author(),
        options.comment(), false, java.util.Map.of()));
    ImageConfig config = new ImageConfig(options.created(), options.author().isEmpty() ? old.author()
        : options.author(), old.architecture(), old.os(), old.osVersion(), old.osFeatures(), old.variant(),
        old.config(), ImageConfig.RootFs.layers(diffIds), history, old.unknownFields());
    Descriptor configBlob = session.addBlob(MediaTypes.OCI_CONFIG, config.toJson());
    List<Descriptor> layers = new ArrayList<>();
    for (Descriptor l : base.manifest().layers()) {
      layers.add(new Descriptor(ociLayerType(l.mediaType()), l.digest(), l.size(), l.urls(), l.annotations(),
          null, "", java.util.Map.of()));
    }
    layers.add(layer.blob);
    Descriptor manifest = session.addBlob(MediaTypes.OCI_MANIFEST,
        Manifest.of(MediaTypes.OCI_MANIFEST, configBlob, layers).toJson());
    session.addImage(manifest, List.of(name));
    progress.note("committed " + container.name() + " as " + StoredImage.shortName(name) + ": layer "
        + layer.diffId.hex().substring(0, 12) + ", " + layer.diff.entries() + " entries, " + layer.blob.size()
        + " bytes compressed");
    return store.load(manifest, List.of(name));
  }

  private static String mediaType(Compression compression) {
    return switch (compression) {
      case NONE -> MediaTypes.OCI_LAYER_TAR;
      case GZIP -> MediaTypes.OCI_LAYER_TAR_GZIP;
      case ZSTD -> MediaTypes.OCI_LAYER_TAR_ZSTD;
    };
  }

  /** The OCI spelling of a Docker layer type, since the new manifest is an OCI one. */
  private static String ociLayerType(String mediaType) {
    return switch (mediaType) {
      case MediaTypes.DOCKER_LAYER_TAR_GZIP -> MediaTypes.OCI_LAYER_TAR_GZIP;
      case MediaTypes.DOCKER_FOREIGN_LAYER_TAR_GZIP -> MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP;
      case DOCKER_LAYER_TAR -> MediaTypes.OCI_LAYER_TAR;
      default -> mediaType;
    };
  }

  private static <T> FutureTask<T> start(String what, Callable<T> work) {
    FutureTask<T> task = new FutureTask<>(work);
    Thread.ofPlatform().name("layerfs-commit-" + what).daemon().start(task);
    return task;
  }

  private static <T> T result(FutureTask<T> task) throws IOException {
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while committing");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(cause);
    }
  }

  private static void join(FutureTask<?> task) {
    try {
      task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // the writer's failure is the one reported
    }
  }

  /** Writes every chunk to each of several streams. */
  private static final class Fanout extends OutputStream {
    private final OutputStream[] outs;

    Fanout(OutputStream... outs) {
      this.outs = outs;
    }

    @Override
    public void write(int b) throws IOException {
      for (OutputStream out : outs) {
        out.write(b);
      }
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
      for (OutputStream out : outs) {
        out.write(buffer, offset, length);
      }
    }

    @Override
    public void close() throws IOException {
      for (OutputStream out : outs) {
        out.close();
      }
    }
  }
}
