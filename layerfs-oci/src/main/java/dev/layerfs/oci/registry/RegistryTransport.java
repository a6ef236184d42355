package dev.layerfs.oci.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Sends {@link Call}s to registries: finds each registry's scheme and challenge with {@code GET /v2/}, adds
 * authorization, retries what is safe to retry, and follows redirects (without credentials to other hosts, since
 * blob storage behind a redirect rejects or must not see them).
 */
final class RegistryTransport {
  private static final int MAX_REDIRECTS = 10;
  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
  /** For the plain HTTP ping of a loopback port that may speak TLS: a TLS port that waits on it is left. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  private static final String USER_AGENT = "layerfs";

  private final HttpClient http;
  private final RetryPolicy retry;
  private final Set<String> plainHttpHosts;
  private final Set<String> insecureHosts;
  private final Authenticator authenticator;
  private final ConcurrentMap<String, URI> baseUris = new ConcurrentHashMap<>();

  RegistryTransport(HttpClient http, RetryPolicy retry, Set<String> plainHttpHosts, Set<String> insecureHosts,
      Authenticator.CredentialSource credentials) {
    this.http = http;
    this.retry = retry;
    this.plainHttpHosts = Set.copyOf(plainHttpHosts);
    this.insecureHosts = Set.copyOf(insecureHosts);
    this.authenticator = new Authenticator(credentials, this::exchange);
  }

  RetryPolicy retryPolicy() {
    return retry;
  }

  /**
   * Sends {@code call} and returns the registry's final answer, whatever its status, except that a 401 that survives
   * re-authentication becomes an {@link UnauthorizedException}. The caller closes the body.
   */
  HttpResponse<InputStream> send(Call call, String what) throws IOException {
    URI base = baseUri(call.target());
    URI uri = base.resolve(call.path());
    boolean reauthenticated = false;
    for (int redirects = 0; ; ) {
      boolean sameOrigin = sameOrigin(uri, base);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(call.method(), call.body());
      call.headers().forEach(request::header);
      if (sameOrigin) {
        authenticator.authorization(call.target(), call.scopes()).ifPresent(v -> request.header("Authorization", v));
      }
      HttpResponse<InputStream> response = exchange(call.target(), request, call.idempotent(), REQUEST_TIMEOUT);
      int status = response.statusCode();
      if (status == 401 && sameOrigin) {
        discard(response);
        if (!reauthenticated && authenticator.challenged(call.target(), response.headers(), call.scopes())) {
          reauthenticated = true;
          continue;
        }
        throw authenticator.rejected(call.target(), what);
      }
      Optional<String> location = response.headers().firstValue("Location");
      if (isRedirect(status) && call.idempotent() && location.isPresent() && redirects++ < MAX_REDIRECTS) {
        discard(response);
        uri = uri.resolve(location.get());
        continue;
      }
      return response;
    }
  }

  /** Learns the scheme and challenge of the target's registry now, unless known. */
  void connect(Target target) throws IOException {
    baseUri(target);
  }

  /** Drops the learned scheme and challenge of a registry, so the next request finds them anew. */
  void forget(Target target) {
    baseUris.remove(target.host());
    authenticator.forget(target.registry());
  }

  /**
   * HTTPS unless the host is listed as plain HTTP; an insecure host may also fall back to plain HTTP when it does not
   * speak TLS. A loopback port, which Docker treats as insecure by default, is asked in plain HTTP first: that ping
   * carries no credentials and never leaves the machine, a TLS port answers it with a 400 (Go) or by closing, and a
   * plain one spares the command a TLS handshake, and starting TLS at all. A loopback host without a port is asked
   * in HTTPS first, as the two schemes mean two ports there.
   */
  private URI baseUri(Target target) throws IOException {
    URI known = baseUris.get(target.host());
    if (known != null) {
      return known;
    }
    boolean loopback = isLoopback(target.host());
    List<String> schemes = plainHttpHosts.contains(target.host()) ? List.of("http")
        : loopback && hasPort(target.host()) ? List.of("http", "https")
        : loopback || insecureHosts.contains(target.host()) ? List.of("https", "http")
        : List.of("https");
    for (int i = 0; ; i++) {
      String scheme = schemes.get(i);
      boolean fallback = i + 1 < schemes.size();
      // not retried but for a refused connection, and short: a TLS port that closes or waits is left for TLS
      boolean plainProbe = fallback && scheme.equals("http");
      URI base = URI.create(scheme + "://" + target.host() + "/");
      HttpResponse<InputStream> ping;
      try {
        ping = exchange(target, HttpRequest.newBuilder(base.resolve("/v2/")).GET(), !plainProbe,
            plainProbe ? PROBE_TIMEOUT : REQUEST_TIMEOUT);
      } catch (RegistryException e) {
        if (fallback && speaksAnotherScheme(scheme, e)) {
          continue;
        }
        throw e;
      }
      discard(ping);
      if (plainProbe && ping.statusCode() == 400) {
        continue;
      }
      if (ping.statusCode() != 200 && ping.statusCode() != 401) {
        throw new RegistryException(target.host() + " does not serve the registry API at " + base.resolve("/v2/")
            + " (HTTP " + ping.statusCode() + ")");
      }
      authenticator.learn(target, ping);
      baseUris.putIfAbsent(target.host(), base);
      return base;
    }
  }

  /** Whether a ping in {@code scheme} failed the way it does on a port that speaks the other one. */
  private static boolean speaksAnotherScheme(String scheme, RegistryException e) {
    if (scheme.equals("https")) {
      return e.getCause() instanceof SSLException tls && !(tls instanceof SSLHandshakeException);
    }
    return !(e instanceof RegistryUnreachableException);
  }

  /** Whether host:port (as in {@link Target#host}) names a port. */
  private static boolean hasPort(String hostPort) {
    return hostPort.startsWith("[") ? hostPort.contains("]:") : !hostOf(hostPort).equals(hostPort);
  }

  /** The host of host:port, without brackets; an unbracketed IPv6 literal (several colons) has no port. */
  private static String hostOf(String hostPort) {
    if (hostPort.startsWith("[")) {
      return hostPort.substring(1, hostPort.indexOf(']'));
    }
    int colon = hostPort.indexOf(':');
    return colon >= 0 && colon == hostPort.lastIndexOf(':') ? hostPort.substring(0, colon) : hostPort;
  }

  /** One request with retries on connection failures and on 429 and 5xx answers. */
  private HttpResponse<InputStream> exchange(Target target, HttpRequest.Builder request) throws IOException {
    return exchange(target, request, true, REQUEST_TIMEOUT);
  }

  private HttpResponse<InputStream> exchange(Target target, HttpRequest.Builder request, boolean idempotent,
      Duration timeout) throws IOException {
    HttpRequest built = request.timeout(timeout).header("User-Agent", USER_AGENT).build();
    for (int attempt = 1; ; attempt++) {
      HttpResponse<InputStream> response;
      try {
        response = http.send(built, BodyHandlers.ofInputStream());
      } catch (IOException e) {
        if (attempt < retry.maxAttempts() && isRetryable(e, idempotent)) {
          pause(retry.delayAfter(attempt, Optional.empty()));
          continue;
        }
        throw translate(e, target, built.uri(), attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while talking to " + target.host());
      }
      int status = response.statusCode();
      if ((status == 429 || status == 500 || status == 502 || status == 503 || status == 504)
          && attempt < retry.maxAttempts()) {
        Optional<String> retryAfter = response.headers().firstValue("Retry-After");
        discard(response);
        pause(retry.delayAfter(attempt, retryAfter));
        continue;
      }
      return response;
    }
  }

  void pause(Duration delay) throws InterruptedIOException {
    try {
      Thread.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry");
    }
  }

  private static boolean isRetryable(IOException e, boolean idempotent) {
    if (isUnknownHost(e) || e instanceof SSLException) {
      return false;
    }
    return idempotent || e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
  }

  private static IOException translate(IOException e, Target target, URI uri, int attempts) {
    String tries = attempts == 1 ? "" : " (tried " + attempts + " times)";
    if (isUnknownHost(e)) {
      return new RegistryUnreachableException(
          "registry " + target.host() + " is unreachable: unknown host " + uri.getHost(), e);
    }
    if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
      return new RegistryUnreachableException("registry " + target.host() + " is unreachable at " + uri + ": "
          + (e instanceof HttpConnectTimeoutException ? "connection timed out" : "connection refused") + tries, e);
    }
    if (e instanceof SSLHandshakeException) {
      return new RegistryException("TLS handshake with " + uri.getHost() + ":" + uri.getPort() + " failed for "
          + target.display() + ": " + e.getMessage() + " (for a registry with a private CA, give its certificate"
          + " as an extra CA file, with --cert-dir on the command line; or name the registry insecure, --insecure)",
          e);
    }
    if (e instanceof SSLException) {
      return new RegistryException(uri.getHost() + " did not answer TLS for " + target.display() + ": "
          + e.getMessage() + " (a plain HTTP registry must be configured as such)", e);
    }
    return new RegistryException("connection to " + uri.getHost() + " failed for " + target.display() + ": " + e
        + tries, e);
  }

  private static boolean isUnknownHost(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  static boolean isLoopback(String hostPort) {
    String host = hostOf(hostPort);
    if (host.equals("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getAuthority(), b.getAuthority());
  }

  /** Closes a response body the caller will not read, so its connection goes back to the pool or away. */
  static void discard(HttpResponse<InputStream> response) {
    try (InputStream body = response.body()) {
      body.skip(Long.MAX_VALUE);
    } catch (IOException e) {
      // the connection is closed with the stream; nothing of the body was wanted
    }
  }
}
