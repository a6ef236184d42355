package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.DigestingInputStream;
import dev.layerfs.oci.image.DigestingOutputStream;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.layer.ApplyResult;
import dev.layerfs.oci.layer.LayerApply;
import dev.layerfs.oci.layer.Trees;
import dev.layerfs.oci.store.StoreJson.LayerRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Adds content to a {@link LayerStore}: verified blobs, unpacked layers and images. While a session is open the
 * store's collection lock is held shared, so {@link LayerStore#gc} waits rather than removing what the session has
 * added but no image names yet.
 *
 * <p>A puller adds each compressed blob ({@link #newStagingFile} to download into, then {@link #addBlob(Descriptor,
 * Path)}), unpacks each layer with its diff ID ({@link #addLayer}), adds the config and manifest ({@link
 * #addBlob(String, byte[])}) and finally names the image ({@link #addImage}). Everything it added before it was
 * interrupted is reused by the next attempt.
 */
public final class StoreSession implements AutoCloseable {
  private final LayerStore store;
  private final StoreLock lock;

  StoreSession(LayerStore store, StoreLock lock) {
    this.store = store;
    this.lock = lock;
  }

  public LayerStore store() {
    return store;
  }

  /** A path in the store's temporary directory, on its filesystem, for a download to write to. */
  public Path newStagingFile() {
    return store.tmp().resolve("blob-" + Long.toHexString(System.nanoTime()) + "-"
        + Long.toHexString(new java.security.SecureRandom().nextLong()));
  }

  /**
   * Adds the blob in {@code file} after checking its size and digest against {@code expected}; a file in the
   * store's temporary directory is moved in, any other is copied.
   */
  public Descriptor addBlob(Descriptor expected, Path file) throws IOException {
    boolean staged = file.toAbsolutePath().normalize().startsWith(store.tmp());
    if (store.hasBlob(expected.digest())) {
      if (staged) {
        Files.deleteIfExists(file);
      }
      return expected;
    }
    if (!staged) {
      try (InputStream in = Files.newInputStream(file)) {
        addBlob(expected, in, Progress.Task.NONE);
      }
      return expected;
    }
    long size = Files.size(file);
    Digest actual;
    try (DigestingInputStream in = new DigestingInputStream(Files.newInputStream(file),
        expected.digest().algorithm())) {
      in.transferTo(OutputStream.nullOutputStream());
      actual = in.digest();
    }
    check(expected, actual, size, file.toString());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Durable.move(file, store.blobFile(expected.digest()));
    return expected;
  }

  /**
   * Moves in a blob already checked against {@code expected} as it was written to {@code staged} (a file of the
   * store's temporary directory, forced to disk), such as a registry download: hashing it again would read every
   * byte twice.
   */
  void adoptVerifiedBlob(Descriptor expected, Path staged) throws IOException {
    if (store.hasBlob(expected.digest())) {
      Files.deleteIfExists(staged);
      return;
    }
    if (!staged.toAbsolutePath().normalize().startsWith(store.tmp()) || Files.size(staged) != expected.size()) {
      throw new IOException(staged + " is not a download of " + expected.digest() + " (" + expected.size()
          + " bytes) in " + store.tmp());
    }
    Durable.move(staged, store.blobFile(expected.digest()));
  }

  /** Adds a small blob, such as a manifest or a config, and returns its descriptor. */
  public Descriptor addBlob(String mediaType, byte[] content) throws IOException {
    Descriptor descriptor = Descriptor.of(mediaType, content);
    if (!store.hasBlob(descriptor.digest())) {
      addBlob(descriptor, new java.io.ByteArrayInputStream(content), Progress.Task.NONE);
    }
    return descriptor;
  }

  /** Adds the blob read from {@code content}, checked against {@code expected}. */
  public void addBlob(Descriptor expected, InputStream content, Progress.Task task) throws IOException {
    Path temp = newStagingFile();
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        DigestingOutputStream out = new DigestingOutputStream(Channels.newOutputStream(channel),
            expected.digest().algorithm());
        Streams.counted(content, task).transferTo(out);
        out.flush();
        check(expected, out.digest(), out.byteCount(), "the blob");
        channel.force(true);
      }
      Durable.move(temp, store.blobFile(expected.digest()));
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void check(Descriptor expected, Digest actual, long size, String what) throws IOException {
    if (size != expected.size() || !actual.equals(expected.digest())) {
      throw new IOException(what + " does not match its descriptor: expected " + expected.digest() + " ("
          + expected.size() + " bytes), got " + actual + " (" + size + " bytes)");
    }
  }

  /**
   * Unpacks the layer of a stored blob, unless the store has it already, and returns it; {@code diffId} (from the
   * image config) is checked against the uncompressed content. {@code lowers} are the diff IDs below it, bottom
   * first, which must be stored.
   */
  public StoredLayer addLayer(Descriptor blob, Digest diffId, List<Digest> lowers, Progress progress)
      throws IOException {
    return addLayer(blob, diffId, lowers, null, progress);
  }

  /**
   * Like {@link #addLayer(Descriptor, Digest, List, Progress)}, but when the blob is not stored yet it is read
   * once from {@code source}, both stored and unpacked in the same pass.
   */
  StoredLayer addLayer(Descriptor blob, Digest diffId, List<Digest> lowers, BlobSource source, Progress progress)
      throws IOException {
    String label = "layer " + diffId.hex().substring(0, 12);
    Optional<StoredLayer> existing = store.layer(diffId);
    if (existing.isPresent()) {
      if (!store.hasBlob(blob.digest())) {
        requireSource(blob, source);
        try (InputStream in = source.open(blob.digest());
            Progress.Task task = progress.start(label + ": copying blob", blob.size())) {
          addBlob(blob, in, task);
        }
      } else {
        progress.note(label + ": already stored");
      }
      return existing.get();
    }
    try (StoreLock layerLock = StoreLock.exclusive(store.lockFile("layer-" + diffId.hex() + ".lock"))) {
      existing = store.layer(diffId);
      if (existing.isPresent()) {
        return addLayer(blob, diffId, lowers, source, progress);
      }
      return unpack(blob, diffId, lowers, source, true, label, progress);
    }
  }

  /**
   * Unpacks a layer, unless the store has it, from {@code arriving}: the blob's bytes as a download in progress
   * delivers them. The blob is not stored: whoever downloads it adds it once it matched its digest, while the
   * layer is checked against its diff ID here, whatever bytes it was made of.
   */
  StoredLayer addLayerAsItArrives(Descriptor blob, Digest diffId, List<Digest> lowers, InputStream arriving,
      Progress progress) throws IOException {
    String label = "layer " + diffId.hex().substring(0, 12);
    try (StoreLock layerLock = StoreLock.exclusive(store.lockFile("layer-" + diffId.hex() + ".lock"))) {
      Optional<StoredLayer> existing = store.layer(diffId);
      if (existing.isPresent()) {
        progress.note(label + ": already stored");
        return existing.get();
      }
      return unpack(blob, diffId, lowers, digest -> arriving, false, label, progress);
    }
  }

  /** Unpacks a layer from its stored blob, else from {@code source}, storing the blob too when {@code keepBlob}. */
  private StoredLayer unpack(Descriptor blob, Digest diffId, List<Digest> lowers, BlobSource source,
      boolean keepBlob, String label, Progress progress) throws IOException {
    List<Path> lowerDirs = store.lowerDirectories(lowers);
    boolean stored = store.hasBlob(blob.digest());
    if (!stored) {
      requireSource(blob, source);
    }
    Path staging = Files.createTempDirectory(store.tmp(), "layer-" + diffId.hex().substring(0, 12) + "-");
    Path tempBlob = stored || !keepBlob ? null : newStagingFile();
    try {
      ApplyResult result;
      try (Progress.Task task = progress.start(label + ": unpacking", blob.size());
          InputStream raw = stored ? store.openBlob(blob.digest()) : source.open(blob.digest());
          FileChannel copy = tempBlob == null ? null
              : FileChannel.open(tempBlob, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        DigestingOutputStream copied = copy == null ? null
            : new DigestingOutputStream(Channels.newOutputStream(copy), blob.digest().algorithm());
        InputStream in = Streams.counted(copied == null ? raw : Streams.tee(raw, copied), task);
        result = LayerApply.builder().namespace(store.namespace()).lowers(lowerDirs).build().extract(in, staging);
        if (copied != null) {
          in.transferTo(OutputStream.nullOutputStream());
          copied.flush();
          check(blob, copied.digest(), copied.byteCount(), "layer blob " + blob.digest());
          copy.force(true);
        }
      }
      if (!result.diffId().equals(diffId)) {
        throw new IOException("layer blob " + blob.digest() + " unpacks to diff ID " + result.diffId()
            + ", but the image config says " + diffId + ": the image is damaged or was tampered with");
      }
      result.warnings().forEach(w -> progress.note(label + ": " + w));
      Trees.Usage usage = Trees.usage(staging);
      Durable.syncFilesystem(staging);
      if (tempBlob != null) {
        Durable.move(tempBlob, store.blobFile(blob.digest()));
      }
      Durable.write(store.layerRecord(diffId), StoreJson.bytes(new LayerRecord(diffId.toString(),
          result.tarSize(), usage.allocatedBytes(), usage.files(), Instant.now().toString())), store.tmp());
      Durable.move(staging, store.layerDirectory(diffId));
      return store.requireLayer(diffId);
    } finally {
      if (tempBlob != null) {
        Files.deleteIfExists(tempBlob);
      }
      if (Files.exists(staging)) {
        Trees.delete(staging);
      }
    }
  }

  private static void requireSource(Descriptor blob, BlobSource source) throws IOException {
    if (source == null) {
      throw new IOException("the store has no blob " + blob.digest() + ": add it before its layer");
    }
  }

  /**
   * Names an image whose manifest, config, layer blobs and layers are all stored. A name another image had moves
   * to this one (the other stays, untagged, until removed); without names the image is stored untagged.
   */
  public void addImage(Descriptor manifest, List<ImageReference> names) throws IOException {
    Manifest parsed = Manifest.fromJson(store.readBlob(manifest.digest()));
    ImageConfig config = ImageConfig.fromJson(store.readBlob(parsed.config().digest()));
    if (config.rootfs().diffIds().size() != parsed.layers().size()) {
      throw new IOException("image " + manifest.digest() + " has " + parsed.layers().size() + " layers but its "
          + "config lists " + config.rootfs().diffIds().size() + " diff IDs");
    }
    for (Descriptor layer : parsed.layers()) {
      if (!store.hasBlob(layer.digest()) && !MediaTypes.isNondistributable(layer.mediaType())) {
        throw new IOException("cannot add image " + manifest.digest() + ": the store has no blob " + layer.digest());
      }
    }
    for (Digest diffId : config.rootfs().diffIds()) {
      store.requireLayer(diffId);
    }
    try (StoreLock meta = StoreLock.exclusive(store.lockFile("meta.lock"))) {
      List<Descriptor> entries = new ArrayList<>(IndexFile.read(store.root().resolve("index.json")).manifests());
      Set<String> wanted = new HashSet<>();
      names.forEach(n -> wanted.add(n.toString()));
      List<Descriptor> movedFrom = new ArrayList<>();
      entries.removeIf(e -> {
        String ref = e.annotations().get(LayerStore.REF_NAME);
        boolean taken = ref != null && wanted.contains(ref);
        if (taken && !e.digest().equals(manifest.digest())) {
          movedFrom.add(e);
        }
        return taken || (ref == null && e.digest().equals(manifest.digest()) && !wanted.isEmpty());
      });
      for (Descriptor old : movedFrom) {
        if (entries.stream().noneMatch(e -> e.digest().equals(old.digest()))) {
          entries.add(entry(old, null));
        }
      }
      for (ImageReference name : names) {
        entries.add(entry(manifest, name.toString()));
      }
      if (names.isEmpty() && entries.stream().noneMatch(e -> e.digest().equals(manifest.digest()))) {
        entries.add(entry(manifest, null));
      }
      IndexFile.write(store, entries);
    }
  }

  private static Descriptor entry(Descriptor manifest, String name) {
    String mediaType = manifest.mediaType().isEmpty() ? MediaTypes.OCI_MANIFEST : manifest.mediaType();
    return new Descriptor(mediaType, manifest.digest(), manifest.size(), List.of(),
        name == null ? Map.of() : Map.of(LayerStore.REF_NAME, name), null, "", Map.of());
  }

  @Override
  public void close() {
    lock.close();
  }

  /** Where blobs that are not stored yet can be read from, such as an OCI layout being imported. */
  interface BlobSource {
    InputStream open(Digest digest) throws IOException;
  }
}
