package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.DigestingInputStream;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a stored image as an OCI layout directory, an OCI archive or a docker-archive tar. Archives are written
 * under a temporary name beside the target and renamed when complete; their entries are sorted with fixed times,
 * so the same image always gives the same bytes.
 */
final class ImageExporter {
  private static final String CONTAINERD_NAME = "io.containerd.image.name";

  private final LayerStore store;
  private final ExportOptions options;
  private final Progress progress;

  ImageExporter(LayerStore store, ExportOptions options, Progress progress) {
    this.store = store;
    this.options = options;
    this.progress = progress;
  }

  void export(StoredImage image, ExportFormat format, Path target) throws IOException {
    switch (format) {
      case OCI -> layout(image, target);
      case OCI_ARCHIVE -> archive(target, tar -> ociArchive(image, tar));
      case DOCKER_ARCHIVE -> archive(target, tar -> dockerArchive(image, tar));
    }
  }

  private String refName(StoredImage image) {
    if (options.refName() != null) {
      return options.refName();
    }
    return image.names().isEmpty() ? "latest" : image.names().getFirst().tag().orElse("latest");
  }

  private List<Descriptor> blobs(StoredImage image) {
    List<Descriptor> blobs = new ArrayList<>();
    blobs.add(image.manifest().config());
    for (Descriptor layer : image.manifest().layers()) {
      if (store.hasBlob(layer.digest()) || !MediaTypes.isNondistributable(layer.mediaType())) {
        blobs.add(layer);
      }
    }
    blobs.add(image.manifestDescriptor());
    return blobs;
  }

  private Descriptor indexEntry(StoredImage image) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(LayerStore.REF_NAME, refName(image));
    if (!image.names().isEmpty()) {
      annotations.put(CONTAINERD_NAME, image.names().getFirst().toString());
    }
    Descriptor m = image.manifestDescriptor();
    return new Descriptor(m.mediaType(), m.digest(), m.size(), List.of(), annotations, null, "", Map.of());
  }

  // ---------------------------------------------------------------- OCI layout directory

  private void layout(StoredImage image, Path dir) throws IOException {
    Files.createDirectories(dir);
    boolean isLayout = Files.exists(dir.resolve("oci-layout"));
    if (!isLayout) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        if (entries.iterator().hasNext()) {
          throw new IOException(dir + " is neither empty nor an OCI layout: refusing to write into it");
        }
      }
      writeAtomically(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes());
    }
    for (Descriptor blob : blobs(image)) {
      Path dest = dir.resolve("blobs").resolve(blob.digest().algorithm().ociName()).resolve(blob.digest().hex());
      if (Files.isRegularFile(dest) && Files.size(dest) == blob.size()) {
        continue;
      }
      Files.createDirectories(dest.getParent());
      Path temp = dest.resolveSibling("." + blob.digest().hex() + ".partial");
      try (InputStream in = store.openBlob(blob.digest());
          Progress.Task task = progress.start("blob " + blob.digest().hex().substring(0, 12), blob.size())) {
        Files.copy(Streams.counted(in, task), temp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(temp, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Path indexFile = dir.resolve("index.json");
    List<Descriptor> entries = new ArrayList<>();
    if (Files.exists(indexFile)) {
      entries.addAll(ImageIndex.fromJson(Files.readAllBytes(indexFile)).manifests());
    }
    Descriptor entry = indexEntry(image);
    entries.removeIf(e -> entry.annotations().get(LayerStore.REF_NAME).equals(e.annotations().get(LayerStore.REF_NAME)));
    entries.add(entry);
    writeAtomically(indexFile, ImageIndex.of(MediaTypes.OCI_INDEX, entries).toJson());
  }

  private static void writeAtomically(Path file, byte[] content) throws IOException {
    Path temp = file.resolveSibling("." + file.getFileName() + ".partial");
    Files.write(temp, content);
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  // ---------------------------------------------------------------- archives

  private interface Content {
    void write(TarWriter tar) throws IOException;
  }

  private void archive(Path target, Content content) throws IOException {
    Path absolute = target.toAbsolutePath();
    if (Files.isDirectory(absolute)) {
      throw new IOException(target + " is a directory: an archive needs a file name");
    }
    Path temp = absolute.resolveSibling("." + absolute.getFileName() + ".partial-" + System.nanoTime());
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(channel);
          TarWriter tar = new TarWriter(out)) {
        content.write(tar);
        tar.finish();
        channel.force(true);
      }
      Files.move(temp, absolute, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private void ociArchive(StoredImage image, TarWriter tar) throws IOException {
    file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes());
    file(tar, "index.json", ImageIndex.of(MediaTypes.OCI_INDEX, List.of(indexEntry(image))).toJson());
    directory(tar, "blobs");
    directory(tar, "blobs/sha256");
    Set<Digest> written = new LinkedHashSet<>();
    List<Descriptor> blobs = new ArrayList<>(blobs(image));
    blobs.sort((a, b) -> a.digest().hex().compareTo(b.digest().hex()));
    for (Descriptor blob : blobs) {
      if (written.add(blob.digest())) {
        try (InputStream in = store.openBlob(blob.digest());
            Progress.Task task = progress.start("blob " + blob.digest().hex().substring(0, 12), blob.size())) {
          tar.write(entry("blobs/sha256/" + blob.digest().hex(), blob.size()), Streams.counted(in, task));
        }
      }
    }
  }

  private void dockerArchive(StoredImage image, TarWriter tar) throws IOException {
    String config = image.id().hex() + ".json";
    file(tar, config, store.readBlob(image.id()));
    List<String> layerFiles = new ArrayList<>();
    Set<Digest> written = new LinkedHashSet<>();
    List<Digest> diffIds = image.diffIds();
    for (int i = 0; i < diffIds.size(); i++) {
      Digest diffId = diffIds.get(i);
      String name = diffId.hex() + ".tar";
      layerFiles.add(name);
      if (written.add(diffId)) {
        plainLayer(tar, name, image.manifest().layers().get(i), diffId);
      }
    }
    List<String> tags = new ArrayList<>();
    for (ImageReference reference : image.names()) {
      if (reference.tag().isPresent()) {
        tags.add(StoredImage.shortName(reference));
      }
    }
    var manifest = StoreJson.MAPPER.createArrayNode();
    var entry = manifest.addObject();
    entry.put("Config", config);
    var repoTags = entry.putArray("RepoTags");
    tags.forEach(repoTags::add);
    var layers = entry.putArray("Layers");
    layerFiles.forEach(layers::add);
    file(tar, "manifest.json", StoreJson.MAPPER.writeValueAsBytes(manifest));
  }

  /** A layer as docker-archive has it: the uncompressed tar, checked against its diff ID on the way. */
  private void plainLayer(TarWriter tar, String name, Descriptor blob, Digest diffId) throws IOException {
    long size = store.requireLayer(diffId).tarSize();
    if (size < 0) {
      try (InputStream in = Compression.open(store.openBlob(blob.digest()), Long.MAX_VALUE)) {
        size = in.transferTo(OutputStream.nullOutputStream());
      }
    }
    try (InputStream raw = store.openBlob(blob.digest());
        Progress.Task task = progress.start("layer " + diffId.hex().substring(0, 12), blob.size())) {
      DigestingInputStream plain = new DigestingInputStream(
          Compression.open(Streams.counted(raw, task), Long.MAX_VALUE), diffId.algorithm());
      tar.write(entry(name, size), plain);
      if (!plain.digest().equals(diffId)) {
        throw new IOException("stored blob " + blob.digest() + " does not unpack to layer " + diffId
            + ": the store is damaged");
      }
    }
  }

  private static TarEntry entry(String name, long size) {
    return TarEntry.builder(TarEntry.Type.REGULAR, name).mode(0644).size(size).mtime(Instant.EPOCH).build();
  }

  private static void file(TarWriter tar, String name, byte[] content) throws IOException {
    tar.write(entry(name, content.length), new ByteArrayInputStream(content));
  }

  private static void directory(TarWriter tar, String name) throws IOException {
    tar.write(TarEntry.builder(TarEntry.Type.DIRECTORY, name.getBytes(StandardCharsets.UTF_8)).mode(0755)
        .mtime(Instant.EPOCH).build());
  }
}
