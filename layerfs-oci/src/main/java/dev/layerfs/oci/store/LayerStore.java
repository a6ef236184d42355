package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import dev.layerfs.oci.layer.LayerChanges;
import dev.layerfs.oci.layer.OverlayNamespace;
import dev.layerfs.oci.layer.Trees;
import dev.layerfs.oci.registry.RegistryClient;
import dev.layerfs.oci.store.StoreJson.ContainerRecord;
import dev.layerfs.oci.store.StoreJson.LayerRecord;
import dev.layerfs.oci.store.StoreJson.MountRecord;
import dev.layerfs.oci.store.StoreJson.StoreRecord;
import dev.layerfs.posix.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Docker's storage trick as a directory: a content-addressed store of blobs, of layers unpacked once each (keyed
 * by diff ID) in the kernel overlay's format, of images, and of containers that stack a writable upper layer on an
 * image's shared layers.
 *
 * <p>The store's root is also an OCI image layout ({@code oci-layout}, {@code index.json}, {@code blobs/}), with
 * {@code layers/}, {@code containers/}, {@code tmp/} and {@code locks/} beside it. Everything appears atomically:
 * blobs, layers and containers are made under {@code tmp/} and renamed into place, records are written to a
 * temporary file, forced and renamed, and an unpacked layer is synced ({@code syncfs}) before it is published, so an
 * interrupted command leaves nothing half-visible and running it again continues where it stopped. Concurrent
 * processes coordinate with {@code flock}: everything that adds content holds the store's collection lock shared
 * (see {@link #session}), removal and {@link #gc} hold it exclusively, each layer has its own lock while it is
 * unpacked, and records change under a short exclusive lock.
 *
 * <p>Layers are counted by reference rather than with counters that a crash could leave wrong: a layer or blob is
 * referenced while an image in {@code index.json} uses it, and an image while a container uses it.
 */
public final class LayerStore {
  /** The environment variable that chooses the store's root. */
  public static final String ROOT_ENV = "LAYERFS_ROOT";
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final int FORMAT = 1;
  private static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
  private static final long MAX_DOCUMENT = 4 << 20;

  private final Path root;
  private final OverlayNamespace namespace;

  private LayerStore(Path root, OverlayNamespace namespace) {
    this.root = root;
    this.namespace = namespace;
  }

  /**
   * The default root: {@code $LAYERFS_ROOT}; else {@code /var/lib/layerfs} as root; else {@code
   * $XDG_DATA_HOME/layerfs} (by default {@code ~/.local/share/layerfs}).
   */
  public static Path defaultRoot() {
    String env = System.getenv(ROOT_ENV);
    if (env != null && !env.isEmpty()) {
      return Path.of(env);
    }
    if (Posix.geteuid() == 0) {
      return Path.of("/var/lib/layerfs");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path data = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".local", "share");
    return data.resolve("layerfs");
  }

  /**
   * Opens the store at {@code root}, creating it if needed. A new store keeps its overlay xattrs where this
   * process can write them: {@code trusted.overlay.*} as root, else {@code user.overlay.*} (mounted with
   * {@code userxattr}).
   */
  public static LayerStore open(Path root) throws IOException {
    Path absolute = root.toAbsolutePath().normalize();
    for (String dir : List.of("blobs/sha256", "layers/sha256", "containers", "tmp", "locks", "empty")) {
      Files.createDirectories(absolute.resolve(dir));
    }
    Path record = absolute.resolve("store.json");
    if (!Files.exists(record)) {
      try (StoreLock lock = StoreLock.exclusive(absolute.resolve("locks/meta.lock"))) {
        if (!Files.exists(record)) {
          OverlayNamespace ns = OverlayNamespace.forThisProcess();
          Durable.write(absolute.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(),
              absolute.resolve("tmp"));
          Durable.write(absolute.resolve("index.json"), ImageIndex.of(MediaTypes.OCI_INDEX, List.of()).toJson(),
              absolute.resolve("tmp"));
          Durable.write(record, StoreJson.bytes(new StoreRecord(FORMAT, ns.name().toLowerCase(Locale.ROOT))),
              absolute.resolve("tmp"));
        }
      }
    }
    StoreRecord store = StoreJson.read(record, StoreRecord.class);
    if (store.version() != FORMAT) {
      throw new IOException(absolute + ": store format " + store.version() + " is not supported (this layerfs "
          + "reads format " + FORMAT + ")");
    }
    OverlayNamespace ns;
    try {
      ns = OverlayNamespace.valueOf(store.overlayXattrs().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IOException(record + ": unknown overlayXattrs '" + store.overlayXattrs() + "'");
    }
    return new LayerStore(absolute, ns);
  }

  public Path root() {
    return root;
  }

  /** Where this store's layers keep their overlay xattrs. */
  public OverlayNamespace namespace() {
    return namespace;
  }

  // ---------------------------------------------------------------- paths

  Path tmp() {
    return root.resolve("tmp");
  }

  Path lockFile(String name) {
    return root.resolve("locks").resolve(name);
  }

  Path blobFile(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm().ociName()).resolve(digest.hex());
  }

  Path layerDirectory(Digest diffId) {
    return root.resolve("layers").resolve(diffId.algorithm().ociName()).resolve(diffId.hex());
  }

  Path layerRecord(Digest diffId) {
    return layerDirectory(diffId).resolveSibling(diffId.hex() + ".json");
  }

  Path containerDirectory(String name) {
    return root.resolve("containers").resolve(name);
  }

  /** An empty layer, the lower layer of containers whose image has no layers. */
  Path emptyLayer() {
    return root.resolve("empty");
  }

  // ---------------------------------------------------------------- blobs

  public boolean hasBlob(Digest digest) {
    return Files.isRegularFile(blobFile(digest));
  }

  /** The file of a stored blob, for readers such as a pusher; blobs never change once stored. */
  public Path blobPath(Digest digest) throws NoSuchFileException {
    Path file = blobFile(digest);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "the store has no blob " + digest);
    }
    return file;
  }

  public InputStream openBlob(Digest digest) throws IOException {
    return Files.newInputStream(blobPath(digest));
  }

  /** A small blob (a manifest, a config) read whole and checked against its digest. */
  public byte[] readBlob(Digest digest) throws IOException {
    Path file = blobPath(digest);
    if (Files.size(file) > MAX_DOCUMENT) {
      throw new IOException("blob " + digest + " is " + Files.size(file) + " bytes, too big for a document");
    }
    byte[] content = Files.readAllBytes(file);
    if (!Digest.of(digest.algorithm(), content).equals(digest)) {
      throw new IOException("blob " + digest + " in " + file + " is damaged: its content has another digest");
    }
    return content;
  }

  // ---------------------------------------------------------------- layers

  public Optional<StoredLayer> layer(Digest diffId) throws IOException {
    Path dir = layerDirectory(diffId);
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Path record = layerRecord(diffId);
    if (Files.exists(record)) {
      LayerRecord r = StoreJson.read(record, LayerRecord.class);
      return Optional.of(new StoredLayer(diffId, dir, r.tarSize(), r.allocatedBytes(), r.files()));
    }
    Trees.Usage usage = Trees.usage(dir);
    return Optional.of(new StoredLayer(diffId, dir, -1, usage.allocatedBytes(), usage.files()));
  }

  StoredLayer requireLayer(Digest diffId) throws IOException {
    return layer(diffId).orElseThrow(() -> new IOException("the store has no layer " + diffId
        + " (run 'layerfs image import' again to restore it)"));
  }

  /** Every unpacked layer. */
  public List<StoredLayer> layers() throws IOException {
    List<StoredLayer> layers = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root.resolve("layers/sha256"), Files::isDirectory)) {
      for (Path dir : dirs) {
        Digest diffId = parseHex(dir.getFileName().toString());
        if (diffId != null) {
          layer(diffId).ifPresent(layers::add);
        }
      }
    }
    layers.sort(Comparator.comparing(l -> l.diffId().hex()));
    return layers;
  }

  /** The layer directories of an image's chain, the top one first, as {@code lowerdir} lists them. */
  public List<Path> lowerDirectories(List<Digest> diffIds) throws IOException {
    List<Path> dirs = new ArrayList<>();
    for (Digest diffId : diffIds.reversed()) {
      dirs.add(requireLayer(diffId).directory());
    }
    return dirs;
  }

  // ---------------------------------------------------------------- images

  /** Every image, each once with all its names, newest first. */
  public List<StoredImage> images() throws IOException {
    return images(names -> true);
  }

  /**
   * The images with a name that {@code named} accepts, each once with all its names, newest first; only those
   * images' manifests and configs are read.
   */
  List<StoredImage> imagesNamed(Predicate<ImageReference> named) throws IOException {
    return images(names -> names.stream().anyMatch(named));
  }

  private List<StoredImage> images(Predicate<List<ImageReference>> wanted) throws IOException {
    Map<Digest, List<ImageReference>> names = new LinkedHashMap<>();
    Map<Digest, Descriptor> descriptors = new LinkedHashMap<>();
    for (Descriptor entry : IndexFile.read(root.resolve("index.json")).manifests()) {
      descriptors.putIfAbsent(entry.digest(), entry);
      List<ImageReference> list = names.computeIfAbsent(entry.digest(), d -> new ArrayList<>());
      String ref = entry.annotations().get(REF_NAME);
      if (ref != null) {
        list.add(ImageReference.parse(ref));
      }
    }
    List<StoredImage> images = new ArrayList<>();
    for (Map.Entry<Digest, Descriptor> e : descriptors.entrySet()) {
      if (wanted.test(names.get(e.getKey()))) {
        images.add(load(e.getValue(), names.get(e.getKey())));
      }
    }
    images.sort(Comparator.comparing((StoredImage i) -> created(i)).reversed());
    return images;
  }

  private static Instant created(StoredImage image) {
    return image.config().created() == null ? Instant.EPOCH : image.config().created();
  }

  StoredImage load(Descriptor descriptor, List<ImageReference> names) throws IOException {
    Manifest manifest = Manifest.fromJson(readBlob(descriptor.digest()));
    ImageConfig config = ImageConfig.fromJson(readBlob(manifest.config().digest()));
    return new StoredImage(Descriptor.of(descriptor.mediaType(), descriptor.digest(), descriptor.size()), manifest,
        config, names);
  }

  /**
   * The image a user means: a name ({@code ubuntu}, {@code localhost:5000/app:1}), a full or abbreviated image
   * ID, or a manifest digest; a name wins over an ID prefix, as in Docker.
   */
  public StoredImage image(String nameOrId) throws IOException {
    List<StoredImage> images = images();
    ImageReference wanted = parseName(nameOrId);
    if (wanted != null) {
      for (StoredImage image : images) {
        if (image.names().contains(wanted)) {
          return image;
        }
      }
    }
    String hex = nameOrId.startsWith("sha256:") ? nameOrId.substring(7) : nameOrId;
    if (hex.length() >= 3 && hex.matches("[0-9a-f]+")) {
      List<StoredImage> matches = images.stream().filter(i -> i.id().hex().startsWith(hex)
          || i.manifestDigest().hex().startsWith(hex)).toList();
      if (matches.size() == 1) {
        return matches.getFirst();
      }
      if (matches.size() > 1) {
        throw new IOException("image ID prefix '" + nameOrId + "' is ambiguous: it matches " + matches.size()
            + " images");
      }
    }
    throw new NoSuchFileException(nameOrId, null, "no such image in " + root);
  }

  private static ImageReference parseName(String name) {
    try {
      return ImageReference.parse(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The layers of an image, bottom first. */
  public List<StoredLayer> layersOf(StoredImage image) throws IOException {
    List<StoredLayer> layers = new ArrayList<>();
    for (Digest diffId : image.diffIds()) {
      layers.add(requireLayer(diffId));
    }
    return layers;
  }

  // ---------------------------------------------------------------- sessions and high-level operations

  /**
   * Opens a session that adds content (blobs, layers, images): it holds the store's collection lock shared, so
   * that {@link #gc} cannot remove what the session added before an image refers to it. Close it when done.
   */
  public StoreSession session() throws IOException {
    return new StoreSession(this, StoreLock.shared(lockFile("gc.lock")));
  }

  /** Imports the images of a docker-save tar, an OCI layout directory or an OCI archive. */
  public List<StoredImage> importImages(Path source, ImportOptions options, Progress progress) throws IOException {
    try (StoreSession session = session()) {
      return new ImageImporter(this, session, options, progress).run(source);
    }
  }

  /** Writes an image as an OCI layout directory, an OCI archive or a docker-archive tar. */
  public void exportImage(StoredImage image, ExportFormat format, Path target, ExportOptions options,
      Progress progress) throws IOException {
    try (StoreSession session = session()) {
      new ImageExporter(this, options, progress).export(image, format, target);
    }
  }

  /**
   * Pulls the image {@code reference} names (for {@code platform} when it is an index) from its registry, as
   * {@link #importImages} would import it, and names it after the reference's tag; layers the store has are not
   * downloaded again.
   */
  public StoredImage pull(RegistryClient client, ImageReference reference, Platform platform, Progress progress)
      throws IOException {
    try (StoreSession session = session()) {
      return new ImagePuller(this, session, client, progress).pull(reference, platform);
    }
  }

  /** Pushes an image to {@code target} and answers the digest of its manifest there. */
  public Digest push(RegistryClient client, StoredImage image, ImageReference target, Progress progress)
      throws IOException {
    try (StoreSession session = session()) {
      return new ImagePusher(this, client, progress).push(image, target);
    }
  }

  /** Adds a name to an image, taking it from any image that had it. */
  public void tag(StoredImage image, ImageReference name) throws IOException {
    try (StoreSession session = session()) {
      session.addImage(image.manifestDescriptor(), List.of(name));
    }
  }

  /** Commits a container's changes as a new layer on its image, named {@code name}. */
  public StoredImage commit(String container, ImageReference name, CommitOptions options, Progress progress)
      throws IOException {
    try (StoreSession session = session()) {
      return new Committer(this, session, options, progress).commit(container(container), name);
    }
  }

  /** What a container changed, as {@code docker diff} lists it. */
  public List<Change> changes(String containerName) throws IOException {
    Container container = container(containerName);
    List<Change> changes = new ArrayList<>();
    for (LayerChanges.Change c : LayerChanges.of(container.upper(), lowerDirectoriesOf(container), namespace)) {
      changes.add(new Change(switch (c.kind()) {
        case ADDED -> Change.Kind.ADDED;
        case CHANGED -> Change.Kind.CHANGED;
        case DELETED -> Change.Kind.DELETED;
      }, c.path()));
    }
    return changes;
  }

  private List<Path> lowerDirectoriesOf(Container container) {
    return container.lowerDirs().equals(List.of(emptyLayer())) ? List.of() : container.lowerDirs();
  }

  /** Per layer of an image: bytes added, changed, deleted, and wasted by files later layers hide. */
  public List<LayerHistory> history(StoredImage image) throws IOException {
    return HistoryAnalysis.of(this, image);
  }

  /**
   * Removes a name, or a whole image when given its last name or its ID, then the layers and blobs nothing
   * refers to any more. An image a container uses cannot be removed.
   */
  public GcResult removeImage(String nameOrId) throws IOException {
    try (StoreLock gc = StoreLock.exclusive(lockFile("gc.lock"))) {
      try (StoreLock meta = StoreLock.exclusive(lockFile("meta.lock"))) {
        StoredImage image = image(nameOrId);
        ImageReference name = parseName(nameOrId);
        boolean byName = name != null && image.names().contains(name);
        List<Descriptor> entries = new ArrayList<>(IndexFile.read(root.resolve("index.json")).manifests());
        if (byName && image.names().size() > 1) {
          entries.removeIf(e -> e.digest().equals(image.manifestDigest()) && name.toString().equals(
              e.annotations().get(REF_NAME)));
          IndexFile.write(this, entries);
          return new GcResult(List.of(name.toString()), 0, 0, 0);
        }
        for (Container c : containers()) {
          if (c.image().equals(image.manifestDigest())) {
            throw new IOException("image " + nameOrId + " is used by container " + c.name()
                + ": remove the container first");
          }
        }
        entries.removeIf(e -> e.digest().equals(image.manifestDigest()));
        IndexFile.write(this, entries);
        GcResult collected = new Collector(this).collect();
        List<String> untagged = new ArrayList<>(image.names().stream().map(ImageReference::toString).toList());
        untagged.add(image.id().toString());
        return new GcResult(untagged, collected.layers(), collected.blobs(), collected.bytes());
      }
    }
  }

  /** Removes every layer and blob no image refers to, and what interrupted commands left in {@code tmp/}. */
  public GcResult gc() throws IOException {
    try (StoreLock gc = StoreLock.exclusive(lockFile("gc.lock"));
        StoreLock meta = StoreLock.exclusive(lockFile("meta.lock"))) {
      return new Collector(this).collect();
    }
  }

  /** The space the store takes and the space sharing layers saves, as {@code docker system df} shows it. */
  public StoreUsage usage() throws IOException {
    return StoreUsage.of(this);
  }

  // ---------------------------------------------------------------- containers

  /** Creates a container of an image: an empty upper and work directory over the image's layers. */
  public Container createContainer(String imageName, String name) throws IOException {
    if (!CONTAINER_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid container name '" + name + "': use letters, digits, '_', '.' "
          + "and '-', starting with a letter or digit");
    }
    try (StoreSession session = session();
        StoreLock meta = StoreLock.exclusive(lockFile("meta.lock"))) {
      if (Files.exists(containerDirectory(name))) {
        throw new java.nio.file.FileAlreadyExistsException(name, null, "a container of that name exists");
      }
      StoredImage image = image(imageName);
      lowerDirectories(image.diffIds());
      Path staging = Files.createTempDirectory(tmp(), "container-");
      try {
        Files.createDirectory(staging.resolve("upper"));
        Files.createDirectory(staging.resolve("work"));
        byte[] id = new byte[32];
        new java.security.SecureRandom().nextBytes(id);
        String imageLabel = image.names().isEmpty() ? image.shortId() : image.shortNames().getFirst();
        ContainerRecord record = new ContainerRecord(name, HexFormat.of().formatHex(id),
            image.manifestDigest().toString(), imageLabel, Instant.now().toString(),
            image.diffIds().stream().map(Digest::toString).toList());
        Files.write(staging.resolve("container.json"), StoreJson.bytes(record));
        Durable.syncDirectory(staging);
        Durable.move(staging, containerDirectory(name));
      } finally {
        if (Files.exists(staging)) {
          Trees.delete(staging);
        }
      }
    }
    return container(name);
  }

  /** Every container, by name. */
  public List<Container> containers() throws IOException {
    List<Container> containers = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root.resolve("containers"), Files::isDirectory)) {
      for (Path dir : dirs) {
        if (Files.exists(dir.resolve("container.json"))) {
          containers.add(container(dir.getFileName().toString()));
        }
      }
    }
    containers.sort(Comparator.comparing(Container::name));
    return containers;
  }

  public Container container(String name) throws IOException {
    Path dir = containerDirectory(name);
    if (!CONTAINER_NAME.matcher(name).matches() || !Files.exists(dir.resolve("container.json"))) {
      throw new NoSuchFileException(name, null, "no such container in " + root);
    }
    ContainerRecord record = StoreJson.read(dir.resolve("container.json"), ContainerRecord.class);
    List<Digest> diffIds = record.diffIds().stream().map(Digest::parse).toList();
    List<Path> lowers = diffIds.isEmpty() ? List.of(emptyLayer()) : lowerDirectories(diffIds);
    Optional<Path> mountpoint = Optional.empty();
    Path mount = dir.resolve("mount.json");
    if (Files.exists(mount)) {
      mountpoint = Optional.of(Path.of(StoreJson.read(mount, MountRecord.class).mountpoint()));
    }
    return new Container(record.name(), record.id(), Digest.parse(record.image()), record.imageName(),
        Instant.parse(record.created()), lowers, dir.resolve("upper"), dir.resolve("work"), namespace, mountpoint);
  }

  /** Records that a container is mounted at {@code mountpoint} by process {@code pid}. */
  public void recordMount(Container container, Path mountpoint, long pid, String options) throws IOException {
    try (StoreSession session = session()) {
      Durable.write(containerDirectory(container.name()).resolve("mount.json"),
          StoreJson.bytes(new MountRecord(mountpoint.toString(), pid, options)), tmp());
    }
  }

  /** Forgets a container's mount. */
  public void clearMount(Container container) throws IOException {
    Files.deleteIfExists(containerDirectory(container.name()).resolve("mount.json"));
  }

  /** The default mountpoint of {@code container mount}: {@code containers/NAME/merged}. */
  public Path defaultMountpoint(Container container) {
    return containerDirectory(container.name()).resolve("merged");
  }

  /** Removes a container and its upper layer; a mounted container must be unmounted first. */
  public void removeContainer(String name) throws IOException {
    Container container = container(name);
    if (container.mountpoint().isPresent()) {
      throw new IOException("container " + name + " is mounted on " + container.mountpoint().get()
          + ": run 'layerfs container umount " + name + "' first");
    }
    try (StoreSession session = session()) {
      Path doomed;
      try (StoreLock meta = StoreLock.exclusive(lockFile("meta.lock"))) {
        doomed = tmp().resolve("removed-" + container.id());
        Durable.move(containerDirectory(name), doomed);
      }
      Trees.delete(doomed);
    }
  }

  static Digest parseHex(String hex) {
    try {
      return Digest.parse("sha256:" + hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
