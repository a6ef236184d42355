package dev.layerfs.oci.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.DigestAlgorithm;
import dev.layerfs.oci.image.DigestingOutputStream;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.layer.Trees;
import dev.layerfs.oci.tar.Compression;
import dev.layerfs.oci.tar.TarEntry;
import dev.layerfs.oci.tar.TarReader;
import dev.layerfs.posix.Names;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Imports the images of a docker-save tar ({@code manifest.json}), an OCI image layout directory or an OCI
 * archive (a tar of a layout), each optionally gzip- or zstd-compressed. Blobs are checked against their digests and
 * layers against their diff IDs; what the store has already is reused, so an interrupted import continues where
 * it stopped.
 *
 * <p>An archive is read once, its members spooled into the store's temporary directory (on the store's
 * filesystem, so they are moved, not copied, into {@code blobs/}); a layout directory's layers are read once each,
 * stored and unpacked in the same pass.
 */
final class ImageImporter {
  private static final String CONTAINERD_NAME = "io.containerd.image.name";
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final long MAX_ARCHIVE = 1L << 40;
  private static final int MAX_DOCUMENT = 16 << 20;
  private static final Set<String> DOCUMENTS = Set.of("manifest.json", "index.json", "oci-layout", "repositories");

  private final LayerStore store;
  private final StoreSession session;
  private final ImportOptions options;
  private final Progress progress;

  ImageImporter(LayerStore store, StoreSession session, ImportOptions options, Progress progress) {
    this.store = store;
    this.session = session;
    this.options = options;
    this.progress = progress;
  }

  List<StoredImage> run(Path source) throws IOException {
    if (Files.isDirectory(source)) {
      return fromLayout(source, new LayoutDirectory(source));
    }
    if (!Files.isRegularFile(source)) {
      throw new NoSuchFileException(source.toString(), null, "no such archive or OCI layout directory");
    }
    Path spool = Files.createTempDirectory(store.tmp(), "import-");
    try {
      Spool archive = new Spool(spool);
      archive.read(source);
      if (archive.documents.containsKey("oci-layout") && archive.documents.containsKey("index.json")) {
        return fromLayout(source, archive);
      }
      if (archive.documents.containsKey("manifest.json")) {
        return fromDockerArchive(archive);
      }
      throw new IOException(source + " is neither a docker-save archive (it has no manifest.json) nor an OCI "
          + "archive (it has no oci-layout and index.json)");
    } finally {
      Trees.delete(spool);
    }
  }

  // ---------------------------------------------------------------- OCI layouts

  /** Where an OCI layout's blobs are: a directory, or an archive spooled to the store's filesystem. */
  private interface Layout extends StoreSession.BlobSource {
    byte[] document(String name) throws IOException;

    /** Stores a blob the store lacks; answers false when it should rather be read as it is unpacked. */
    boolean store(Descriptor blob) throws IOException;
  }

  private record LayoutDirectory(Path dir) implements Layout {
    @Override
    public byte[] document(String name) throws IOException {
      Path file = dir.resolve(name);
      if (!Files.isRegularFile(file)) {
        throw new NoSuchFileException(file.toString(), null, dir + " is not an OCI image layout: it has no " + name);
      }
      return Files.readAllBytes(file);
    }

    @Override
    public InputStream open(Digest digest) throws IOException {
      Path file = dir.resolve("blobs").resolve(digest.algorithm().ociName()).resolve(digest.hex());
      if (!Files.isRegularFile(file)) {
        throw new NoSuchFileException(file.toString(), null, "the layout lacks blob " + digest);
      }
      return Files.newInputStream(file);
    }

    @Override
    public boolean store(Descriptor blob) {
      return false;
    }
  }

  private List<StoredImage> fromLayout(Path source, Layout layout) throws IOException {
    String version = StoreJson.MAPPER.readTree(layout.document("oci-layout")).path("imageLayoutVersion").asText();
    if (!version.startsWith("1.")) {
      throw new IOException(source + ": OCI layout version '" + version + "' is not supported");
    }
    ImageIndex index = ImageIndex.fromJson(layout.document("index.json"));
    Map<Digest, Descriptor> manifests = new LinkedHashMap<>();
    Map<Digest, List<ImageReference>> names = new LinkedHashMap<>();
    for (Descriptor entry : index.manifests()) {
      Descriptor manifest = resolve(entry, layout);
      if (manifest == null) {
        continue;
      }
      manifests.putIfAbsent(manifest.digest(), manifest);
      List<ImageReference> list = names.computeIfAbsent(manifest.digest(), d -> new ArrayList<>());
      ImageReference name = nameOf(entry, source);
      if (name != null && !list.contains(name)) {
        list.add(name);
      }
    }
    applyNameOption(names);
    List<StoredImage> images = new ArrayList<>();
    for (Descriptor manifest : manifests.values()) {
      images.add(importManifest(manifest, layout, names.get(manifest.digest())));
    }
    return images;
  }

  /** The image manifest an index entry stands for: itself, or the platform's entry of a nested index. */
  private Descriptor resolve(Descriptor entry, Layout layout) throws IOException {
    if (MediaTypes.isIndex(entry.mediaType())) {
      ImageIndex nested = ImageIndex.fromJson(verified(entry, layout));
      Descriptor chosen = nested.select(options.platform()).orElseThrow(() -> new IOException("index "
          + entry.digest() + " has no image for " + options.platform()));
      return resolve(chosen, layout);
    }
    if (MediaTypes.isManifest(entry.mediaType()) || entry.mediaType().isEmpty()) {
      return entry;
    }
    progress.note("skipping " + entry.digest() + ": " + entry.mediaType() + " is not an image");
    return null;
  }

  private StoredImage importManifest(Descriptor descriptor, Layout layout, List<ImageReference> names)
      throws IOException {
    byte[] manifestBytes = verified(descriptor, layout);
    Manifest manifest = Manifest.fromJson(manifestBytes);
    byte[] configBytes = verified(manifest.config(), layout);
    ImageConfig config = ImageConfig.fromJson(configBytes);
    List<Digest> diffIds = config.rootfs().diffIds();
    if (diffIds.size() != manifest.layers().size()) {
      throw new IOException("image " + descriptor.digest() + " has " + manifest.layers().size() + " layers but its "
          + "config lists " + diffIds.size() + " diff IDs");
    }
    String mediaType = !manifest.mediaType().isEmpty() ? manifest.mediaType()
        : !descriptor.mediaType().isEmpty() ? descriptor.mediaType() : MediaTypes.OCI_MANIFEST;
    Descriptor stored = session.addBlob(mediaType, manifestBytes);
    session.addBlob(manifest.config().mediaType(), configBytes);
    for (int i = 0; i < diffIds.size(); i++) {
      Descriptor layer = manifest.layers().get(i);
      if (!MediaTypes.isLayer(layer.mediaType())) {
        throw new IOException("layer " + layer.digest() + " has media type " + layer.mediaType()
            + ", which is not a layer layerfs can unpack");
      }
      if (!store.hasBlob(layer.digest())) {
        layout.store(layer);
      }
      session.addLayer(layer, diffIds.get(i), diffIds.subList(0, i), layout, progress);
    }
    session.addImage(stored, names);
    return store.load(stored, names);
  }

  private static byte[] verified(Descriptor descriptor, StoreSession.BlobSource source) throws IOException {
    if (descriptor.size() > MAX_DOCUMENT) {
      throw new IOException(descriptor.digest() + " claims " + descriptor.size() + " bytes, too many for a "
          + descriptor.mediaType());
    }
    byte[] content;
    try (InputStream in = source.open(descriptor.digest())) {
      content = in.readNBytes(MAX_DOCUMENT + 1);
    }
    if (content.length != descriptor.size()
        || !Digest.of(descriptor.digest().algorithm(), content).equals(descriptor.digest())) {
      throw new IOException("blob " + descriptor.digest() + " does not match its descriptor (" + content.length
          + " bytes, " + descriptor.size() + " expected)");
    }
    return content;
  }

  /**
   * The name an index entry gives its image: containerd's full name, or {@code org.opencontainers.image.ref.name}
   * as a reference, or as a tag of a repository named after the layout ({@code img/} with ref {@code 1.0} is
   * {@code img:1.0}).
   */
  private static ImageReference nameOf(Descriptor entry, Path source) {
    String full = entry.annotations().get(CONTAINERD_NAME);
    if (full != null) {
      try {
        return ImageReference.parse(full);
      } catch (IllegalArgumentException e) {
        // fall back to the OCI name
      }
    }
    String ref = entry.annotations().get(LayerStore.REF_NAME);
    if (ref == null || ref.isEmpty()) {
      return null;
    }
    try {
      if (ref.contains("/") || ref.contains(":") || !TAG.matcher(ref).matches()) {
        return ImageReference.parse(ref);
      }
      return ImageReference.parse(repositoryName(source) + ":" + ref);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String repositoryName(Path source) {
    String base = source.toAbsolutePath().normalize().getFileName().toString().toLowerCase(Locale.ROOT);
    for (String suffix : List.of(".tar.gz", ".tgz", ".tar.zst", ".tar")) {
      if (base.endsWith(suffix)) {
        base = base.substring(0, base.length() - suffix.length());
      }
    }
    base = base.replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[^a-z0-9]+", "").replaceAll("[^a-z0-9]+$", "");
    return base.isEmpty() ? "imported" : base;
  }

  private void applyNameOption(Map<Digest, List<ImageReference>> names) throws IOException {
    if (options.name().isEmpty()) {
      return;
    }
    if (names.size() != 1) {
      throw new IOException("a name can be given only to an archive with one image; this one has " + names.size());
    }
    names.values().iterator().next().clear();
    names.values().iterator().next().add(options.name().get());
  }

  // ---------------------------------------------------------------- docker-save archives

  private List<StoredImage> fromDockerArchive(Spool archive) throws IOException {
    JsonNode manifests = StoreJson.MAPPER.readTree(archive.documents.get("manifest.json"));
    if (!manifests.isArray()) {
      throw new IOException("manifest.json of a docker archive must be a list of images");
    }
    Map<Digest, List<ImageReference>> names = new LinkedHashMap<>();
    List<JsonNode> images = new ArrayList<>();
    for (JsonNode image : manifests) {
      images.add(image);
      List<ImageReference> list = new ArrayList<>();
      for (JsonNode tag : image.path("RepoTags")) {
        list.add(ImageReference.parse(tag.asText()));
      }
      names.put(archive.member(text(image, "Config")).digest, list);
    }
    applyNameOption(names);
    List<StoredImage> stored = new ArrayList<>();
    for (JsonNode image : images) {
      Member configMember = archive.member(text(image, "Config"));
      Descriptor configBlob = Descriptor.of(MediaTypes.OCI_CONFIG, configMember.digest, configMember.size);
      ImageConfig config = ImageConfig.fromJson(Files.readAllBytes(configMember.file));
      session.addBlob(configBlob, configMember.file);
      List<Digest> diffIds = config.rootfs().diffIds();
      JsonNode layers = image.path("Layers");
      if (layers.size() != diffIds.size()) {
        throw new IOException("image " + configMember.digest + " lists " + layers.size() + " layers but its config "
            + diffIds.size() + " diff IDs");
      }
      List<Descriptor> blobs = new ArrayList<>();
      for (int i = 0; i < diffIds.size(); i++) {
        Member member = archive.member(layers.get(i).asText());
        Descriptor blob = Descriptor.of(layerMediaType(member), member.digest, member.size);
        session.addBlob(blob, member.file);
        session.addLayer(blob, diffIds.get(i), diffIds.subList(0, i), progress);
        blobs.add(blob);
      }
      Descriptor manifest = session.addBlob(MediaTypes.OCI_MANIFEST,
          Manifest.of(MediaTypes.OCI_MANIFEST, configBlob, blobs).toJson());
      List<ImageReference> imageNames = names.get(configMember.digest);
      session.addImage(manifest, imageNames);
      stored.add(store.load(manifest, imageNames));
    }
    return stored;
  }

  private String layerMediaType(Member member) throws IOException {
    Path file = Files.exists(member.file) ? member.file : store.blobFile(member.digest);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      return switch (Compression.detect(in)) {
        case NONE -> MediaTypes.OCI_LAYER_TAR;
        case GZIP -> MediaTypes.OCI_LAYER_TAR_GZIP;
        case ZSTD -> MediaTypes.OCI_LAYER_TAR_ZSTD;
      };
    }
  }

  private static String text(JsonNode node, String field) throws IOException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IOException("manifest.json of a docker archive: an image has no " + field);
    }
    return value.asText();
  }

  // ---------------------------------------------------------------- spooling archives

  /** A regular member of an archive, spooled to a file and digested on the way. */
  private record Member(Path file, Digest digest, long size) {}

  /** An archive's members: documents in memory, everything else in files of the store's temporary directory. */
  private final class Spool implements Layout {
    private final Path dir;
    private final Map<String, byte[]> documents = new LinkedHashMap<>();
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, String> links = new LinkedHashMap<>();

    Spool(Path dir) {
      this.dir = dir;
    }

    void read(Path archive) throws IOException {
      int count = 0;
      try (InputStream raw = Files.newInputStream(archive);
          Progress.Task task = progress.start("reading " + archive.getFileName(), Files.size(archive))) {
        TarReader tar = new TarReader(Compression.open(Streams.counted(raw, task), MAX_ARCHIVE));
        for (TarEntry entry = tar.next(); entry != null; entry = tar.next()) {
          String name = normalize(entry.name());
          switch (entry.type()) {
            case REGULAR -> {
              if (DOCUMENTS.contains(name)) {
                byte[] content = tar.content().readNBytes(MAX_DOCUMENT + 1);
                if (content.length > MAX_DOCUMENT) {
                  throw new IOException("archive member " + name + " is too big for a document");
                }
                documents.put(name, content);
              } else {
                Path file = dir.resolve(Integer.toString(count++));
                try (OutputStream out = Files.newOutputStream(file)) {
                  DigestingOutputStream digesting = new DigestingOutputStream(out, DigestAlgorithm.SHA256);
                  tar.content().transferTo(digesting);
                  members.put(name, new Member(file, digesting.digest(), digesting.byteCount()));
                }
              }
            }
            case SYMLINK, HARD_LINK -> links.put(name, entry.type() == TarEntry.Type.SYMLINK
                ? resolveSymlink(name, Names.printable(entry.linkTarget())) : normalize(entry.linkTarget()));
            default -> {}
          }
        }
      }
    }

    Member member(String path) throws IOException {
      String name = normalize(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      for (int hops = 0; hops < 16 && links.containsKey(name); hops++) {
        name = links.get(name);
      }
      Member member = members.get(name);
      if (member == null) {
        throw new IOException("the archive has no member " + path);
      }
      return member;
    }

    @Override
    public byte[] document(String name) throws IOException {
      byte[] content = documents.get(name);
      if (content == null) {
        throw new IOException("the archive has no " + name);
      }
      return content;
    }

    @Override
    public InputStream open(Digest digest) throws IOException {
      Member member = blob(digest);
      return Files.newInputStream(Files.exists(member.file) ? member.file : store.blobFile(digest));
    }

    /** Moves a spooled blob into the store; it was checked against its name when it was spooled. */
    @Override
    public boolean store(Descriptor blob) throws IOException {
      Member member = blob(blob.digest());
      session.addBlob(blob, member.file);
      return true;
    }

    private Member blob(Digest digest) throws IOException {
      Member member = member("blobs/" + digest.algorithm().ociName() + "/" + digest.hex());
      if (!member.digest.equals(digest)) {
        throw new IOException("archive member blobs/sha256/" + digest.hex() + " has digest " + member.digest
            + ": the archive is damaged");
      }
      return member;
    }
  }

  private static String normalize(byte[] name) throws IOException {
    List<String> parts = new ArrayList<>();
    for (String part : Names.printable(name).split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw new IOException("archive member '" + Names.printable(name) + "' points outside the archive");
        }
        parts.removeLast();
      } else {
        parts.add(part);
      }
    }
    return String.join("/", parts);
  }

  private static String resolveSymlink(String member, String target) throws IOException {
    if (target.startsWith("/")) {
      throw new IOException("archive member '" + member + "' is a symlink to an absolute path");
    }
    int slash = member.lastIndexOf('/');
    String base = slash < 0 ? "" : member.substring(0, slash + 1);
    return normalize((base + target).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
