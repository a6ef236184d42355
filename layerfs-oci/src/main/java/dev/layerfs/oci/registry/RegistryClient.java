package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A client of the OCI Distribution API, the protocol of Docker registries: pulls and pushes manifests and blobs,
 * verifying every digest, so that layerfs can exchange images with registries without a Docker daemon.
 *
 * <p>Connections use HTTPS, verified with the JDK's CAs plus optional extra CA files. Plain HTTP is used for hosts
 * given to {@link Builder#plainHttp} and, as Docker does for 127.0.0.0/8, for loopback registries and those given
 * to {@link Builder#insecure} that do not speak TLS; only the latter are accepted without verifying their
 * certificate. Credentials come from explicit {@link Builder#credentials} or else from the auth files ({@code
 * $REGISTRY_AUTH_FILE}, then {@code ~/.docker/config.json}); busy, failing or dropped connections are retried with
 * exponential backoff. A client is thread-safe; close it to release its connections.
 */
public final class RegistryClient implements AutoCloseable {
  private final HttpClient http;
  private final RetryPolicy retry;
  private final Set<String> plainHttpHosts;
  private final Set<String> insecureHosts;
  private final List<Path> authFiles;
  private final RegistryTransport transport;
  private final Manifests manifests;
  private final BlobDownloader downloader;
  private final BlobUploader uploader;
  private final ProgressListener progress;

  private RegistryClient(Builder builder, HttpClient http) {
    this.http = http;
    this.retry = builder.retry;
    this.plainHttpHosts = Set.copyOf(builder.plainHttpHosts);
    this.insecureHosts = Set.copyOf(builder.insecureHosts);
    this.authFiles = List.copyOf(builder.authFiles);
    Map<String, RegistryCredentials> explicit = Map.copyOf(builder.credentials);
    this.transport = new RegistryTransport(http, retry, plainHttpHosts, insecureHosts,
        registry -> explicit.containsKey(registry) ? Optional.of(explicit.get(registry))
            : AuthFile.lookup(authFiles, registry));
    this.progress = builder.progress;
    this.manifests = new Manifests(transport);
    this.downloader = new BlobDownloader(transport);
    this.uploader = new BlobUploader(transport, builder.chunkSize);
  }

  /** A builder with the defaults described on the class. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Finds out how to talk to the registry of {@code reference} (HTTPS or plain HTTP, its authentication challenge)
   * with the {@code GET /v2/} its first request would otherwise send, so that a command can do this while it does
   * other work (opening its store) rather than at the start of its transfer. Optional: any request does it first.
   */
  public void connect(ImageReference reference) throws IOException {
    transport.connect(Target.of(reference));
  }

  /** The manifest or index {@code reference} names, verified against its digest. */
  public FetchedManifest fetchManifest(ImageReference reference) throws IOException {
    return manifests.fetch(reference);
  }

  /**
   * The image manifest for {@code platform}: {@code reference} itself when it is a single-platform manifest, else
   * the best match in its index (see {@link ImageIndex#select}).
   */
  public FetchedManifest fetchManifest(ImageReference reference, Platform platform) throws IOException {
    FetchedManifest fetched = manifests.fetch(reference);
    if (!fetched.isIndex()) {
      return fetched;
    }
    ImageIndex index = fetched.index();
    Descriptor chosen = index.select(platform).orElseThrow(() -> new NotFoundException(reference
        + ": the index has no image for platform " + platform + "; it has " + index.manifests().stream()
            .map(entry -> entry.platform() == null ? "(none)" : entry.platform().toString())
            .collect(Collectors.joining(", "))));
    FetchedManifest image = manifests.fetch(reference.withDigest(chosen.digest()));
    if (image.isIndex()) {
      throw new RegistryException(reference + ": the entry for " + platform + " is another index, " + chosen.digest());
    }
    return image;
  }

  /** The descriptor of the manifest {@code reference} names, without downloading it; empty when there is none. */
  public Optional<Descriptor> headManifest(ImageReference reference) throws IOException {
    return manifests.head(reference);
  }

  /**
   * Stores {@code content} under the tag of {@code reference} (or its digest when untagged) and returns its digest;
   * the blobs it refers to must be pushed first.
   */
  public Digest pushManifest(ImageReference reference, String mediaType, byte[] content) throws IOException {
    return manifests.push(reference, mediaType, content);
  }

  /** Pushes the canonical JSON of {@code manifest}, typed OCI when it does not name its media type. */
  public Digest pushManifest(ImageReference reference, Manifest manifest) throws IOException {
    return pushManifest(reference, manifest.mediaType().isEmpty() ? MediaTypes.OCI_MANIFEST : manifest.mediaType(),
        manifest.toJson());
  }

  /** Pushes the canonical JSON of {@code index}, typed OCI when it does not name its media type. */
  public Digest pushIndex(ImageReference reference, ImageIndex index) throws IOException {
    return pushManifest(reference, index.mediaType().isEmpty() ? MediaTypes.OCI_INDEX : index.mediaType(),
        index.toJson());
  }

  /** Whether the repository of {@code repository} holds the blob. */
  public boolean blobExists(ImageReference repository, Descriptor blob) throws IOException {
    Target target = Target.of(repository);
    return uploader.exists(target, blob, List.of(target.pullScope()));
  }

  /**
   * Downloads a blob to {@code target}, resuming after dropped connections; {@code target} appears only once the
   * whole blob has matched its digest, and nothing is left behind on failure.
   */
  public void pullBlob(ImageReference repository, Descriptor blob, Path target) throws IOException {
    pullBlob(repository, blob, target, progress);
  }

  /** Like {@link #pullBlob(ImageReference, Descriptor, Path)}, telling {@code listener} how far it got. */
  public void pullBlob(ImageReference repository, Descriptor blob, Path target, ProgressListener listener)
      throws IOException {
    downloader.download(Target.of(repository), blob, target, listener);
  }

  /**
   * Where {@link #pullBlob} writes a blob to {@code target} while it arrives: bytes the listener was told of are in
   * it, so that a reader can follow a download; it is renamed to {@code target} once verified.
   */
  public static Path partialFile(Path target) {
    return BlobDownloader.partialFile(target);
  }

  /** Uploads the blob whose bytes are in {@code content}, unless the repository has it already. */
  public BlobPushResult pushBlob(ImageReference repository, Descriptor blob, Path content) throws IOException {
    return pushBlob(repository, blob, content, Optional.empty(), progress);
  }

  /**
   * Like {@link #pushBlob(ImageReference, Descriptor, Path)}, but first asks the registry to link the blob from
   * {@code fromRepository} of the same registry, which sends no bytes; uploads when the registry declines.
   */
  public BlobPushResult pushBlob(ImageReference repository, Descriptor blob, Path content, String fromRepository)
      throws IOException {
    return pushBlob(repository, blob, content, Optional.of(fromRepository), progress);
  }

  /**
   * Uploads a blob unless the repository has it, first trying to mount it from {@code fromRepository} when given,
   * telling {@code listener} how far it got.
   */
  public BlobPushResult pushBlob(ImageReference repository, Descriptor blob, Path content,
      Optional<String> fromRepository, ProgressListener listener) throws IOException {
    return uploader.upload(Target.of(repository), blob, content, fromRepository, listener);
  }

  /**
   * Checks {@code credentials} against {@code registry} ({@code GET /v2/}) and, when accepted, saves them in the
   * first auth file, so that later clients and {@code docker}/{@code podman} use them. A registry that asks for no
   * authentication accepts any credentials, as with {@code docker login}.
   */
  public void login(String registry, RegistryCredentials credentials) throws IOException {
    Target target = Target.registry(registry);
    RegistryTransport check =
        new RegistryTransport(http, retry, plainHttpHosts, insecureHosts, anyRegistry -> Optional.of(credentials));
    HttpResponse<InputStream> response = check.send(Call.get(target, "/v2/", List.of()), "registry");
    if (response.statusCode() != 200) {
      throw ErrorResponses.failure(response, target, "registry");
    }
    RegistryTransport.discard(response);
    AuthFile.store(authFiles.getFirst(), registry, credentials);
    transport.forget(target);
  }

  /** Removes the saved credentials of {@code registry} from every auth file; false when none had any. */
  public boolean logout(String registry) throws IOException {
    boolean removed = false;
    for (Path file : authFiles) {
      removed |= AuthFile.remove(file, registry);
    }
    transport.forget(Target.registry(registry));
    return removed;
  }

  @Override
  public void close() {
    http.close();
  }

  /** Options of a {@link RegistryClient}; every one has a default fit for real registries. */
  public static final class Builder {
    private final Set<String> plainHttpHosts = new HashSet<>();
    private final Set<String> insecureHosts = new HashSet<>();
    private final List<Path> extraCaFiles = new ArrayList<>();
    private final Map<String, RegistryCredentials> credentials = new HashMap<>();
    private List<Path> authFiles = AuthFile.defaultPaths();
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private ProgressListener progress = ProgressListener.NONE;
    private HttpClient.Version httpVersion = HttpClient.Version.HTTP_2;
    private Duration connectTimeout = Duration.ofSeconds(30);
    /** 0: one streamed PUT per blob. */
    private int chunkSize;

    private Builder() {}

    /** Talks plain HTTP to {@code registry} (host[:port] as in references): for test and air-gapped registries. */
    public Builder plainHttp(String registry) {
      plainHttpHosts.add(ImageReference.apiHost(registry));
      return this;
    }

    /**
     * Talks to {@code registry} over HTTPS without verifying its certificate, or over plain HTTP when it does not
     * speak TLS, as Docker's insecure registries: only for registries the user named so.
     */
    public Builder insecure(String registry) {
      insecureHosts.add(ImageReference.apiHost(registry));
      return this;
    }

    /** Also trusts the CA certificates in this PEM file, e.g. a registry's self-signed one; may be repeated. */
    public Builder extraCaCertificates(Path pemFile) {
      extraCaFiles.add(pemFile);
      return this;
    }

    /** Uses these credentials for {@code registry} instead of the auth files. */
    public Builder credentials(String registry, RegistryCredentials registryCredentials) {
      credentials.put(registry, registryCredentials);
      return this;
    }

    /** Reads credentials from these auth files, first match wins, and writes logins to the first. */
    public Builder authFiles(List<Path> files) {
      if (files.isEmpty()) {
        throw new IllegalArgumentException("at least one auth file is needed, to save logins in");
      }
      this.authFiles = List.copyOf(files);
      return this;
    }

    /** Tries each request at most {@code maxAttempts} times, waiting {@code firstDelay}, then twice as long… */
    public Builder retries(int maxAttempts, Duration firstDelay) {
      this.retry = new RetryPolicy(maxAttempts, firstDelay, RetryPolicy.DEFAULT.maxDelay());
      return this;
    }

    /** Reports blob transfer progress to {@code listener}. */
    public Builder progress(ProgressListener listener) {
      this.progress = listener;
      return this;
    }

    /** The preferred HTTP version; HTTP/2 is negotiated down to HTTP/1.1 with servers that lack it. */
    public Builder httpVersion(HttpClient.Version version) {
      this.httpVersion = version;
      return this;
    }

    /** How long to wait for a connection before counting the attempt as failed. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * Uploads blobs larger than this in PATCH chunks of this size, for registries or proxies that limit the size
     * of a request; by default every blob is streamed in one PUT.
     */
    public Builder chunkSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("chunk size must be positive, not " + bytes);
      }
      this.chunkSize = bytes;
      return this;
    }

    public RegistryClient build() throws IOException {
      return new RegistryClient(this, httpClient());
    }

    HttpClient httpClient() throws IOException {
      return HttpClient.newBuilder()
          .version(httpVersion)
          .connectTimeout(connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .sslContext(TrustStores.context(extraCaFiles, insecureHosts))
          .sslParameters(TrustStores.clientParameters())
          .build();
    }
  }
}
