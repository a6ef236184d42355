package dev.layerfs.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Answers registries' challenges: Basic with the stored credentials, Bearer with a token fetched from the realm the
 * registry names and cached per scope, so that a pull of many blobs asks the token service once.
 */
final class Authenticator {
  /** Fetches from a token service, with the transport's retries but none of its registry authentication. */
  @FunctionalInterface
  interface TokenService {
    HttpResponse<InputStream> get(Target target, HttpRequest.Builder request) throws IOException;
  }

  /** Looks up credentials by registry name. */
  @FunctionalInterface
  interface CredentialSource {
    Optional<RegistryCredentials> credentialsFor(String registry) throws IOException;
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The distribution spec's default token lifetime when the token service does not say. */
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(5);

  private final CredentialSource credentialSource;
  private final TokenService tokenService;
  private final ConcurrentMap<String, Optional<RegistryCredentials>> credentials = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Token> tokens = new ConcurrentHashMap<>();

  private record Token(String value, Instant expires) {}

  Authenticator(CredentialSource credentialSource, TokenService tokenService) {
    this.credentialSource = credentialSource;
    this.tokenService = tokenService;
  }

  /** Remembers how the registry answered {@code GET /v2/}: open (200) or with a challenge (401). */
  void learn(Target target, HttpResponse<?> ping) {
    if (ping.statusCode() == 401) {
      preferredChallenge(ping.headers()).ifPresent(challenge -> challenges.put(target.host(), challenge));
    } else {
      challenges.remove(target.host());
    }
  }

  /** The Authorization header for a request needing {@code scopes}, if the registry wants one. */
  Optional<String> authorization(Target target, List<String> scopes) throws IOException {
    AuthChallenge challenge = challenges.get(target.host());
    if (challenge == null) {
      return Optional.empty();
    }
    Optional<RegistryCredentials> user = credentials(target.registry());
    if (challenge.scheme().equals(AuthChallenge.BASIC)) {
      return user.map(Authenticator::basic);
    }
    String key = target.host() + " " + String.join(" ", scopes);
    Token token = tokens.get(key);
    if (token == null || Instant.now().isAfter(token.expires())) {
      token = fetchToken(target, challenge, scopes, user);
      tokens.put(key, token);
    }
    return Optional.of("Bearer " + token.value());
  }

  /**
   * Takes in the challenge of a 401 answer; true when sending again can succeed (a new scope or an expired token),
   * false when the same credentials would only be refused again.
   */
  boolean challenged(Target target, HttpHeaders headers, List<String> scopes) throws IOException {
    Optional<AuthChallenge> challenge = preferredChallenge(headers);
    if (challenge.isEmpty()) {
      return false;
    }
    AuthChallenge previous = challenges.put(target.host(), challenge.get());
    if (challenge.get().scheme().equals(AuthChallenge.BEARER)) {
      return tokens.remove(target.host() + " " + String.join(" ", scopes)) != null || previous == null
          || !previous.scheme().equals(AuthChallenge.BEARER);
    }
    return credentials(target.registry()).isPresent()
        && (previous == null || !previous.scheme().equals(AuthChallenge.BASIC));
  }

  /** The error for a registry that still refuses after authentication was tried. */
  UnauthorizedException rejected(Target target, String what) throws IOException {
    Optional<RegistryCredentials> user = credentials(target.registry());
    return new UnauthorizedException(user
        .map(u -> "unauthorized: " + target.registry() + " rejected the credentials of user '" + u.username()
            + "' for " + what + " " + target.display() + " (wrong user name or password, or no access)")
        .orElseGet(() -> "unauthorized: " + what + " " + target.display() + " requires authentication and there"
            + " are no credentials for " + target.registry() + " (log in first; some registries also answer so for"
            + " a repository that does not exist)"));
  }

  /** Drops what is known of {@code registry}'s credentials, after a login or logout changed them. */
  void forget(String registry) {
    credentials.remove(registry);
    tokens.clear();
  }

  private Optional<RegistryCredentials> credentials(String registry) throws IOException {
    Optional<RegistryCredentials> known = credentials.get(registry);
    if (known == null) {
      known = credentialSource.credentialsFor(registry);
      credentials.put(registry, known);
    }
    return known;
  }

  private Token fetchToken(Target target, AuthChallenge challenge, List<String> scopes,
      Optional<RegistryCredentials> user) throws IOException {
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new RegistryException(target.registry() + " asked for a Bearer token but named no realm to get it from");
    }
    StringBuilder query = new StringBuilder();
    if (!challenge.param("service").isEmpty()) {
      query.append("service=").append(encode(challenge.param("service")));
    }
    for (String scope : scopes) {
      query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(scope));
    }
    URI uri = URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
    user.ifPresent(u -> request.header("Authorization", basic(u)));
    HttpResponse<InputStream> response = tokenService.get(target, request);
    try (InputStream body = response.body()) {
      if (response.statusCode() == 401 || response.statusCode() == 403) {
        throw new UnauthorizedException(user
            .map(u -> "unauthorized: the token service " + realm + " of " + target.registry()
                + " rejected the credentials of user '" + u.username() + "' for " + target.display())
            .orElseGet(() -> "unauthorized: the token service " + realm + " of " + target.registry()
                + " refused an anonymous token for " + target.display() + " (log in first)"));
      }
      if (response.statusCode() != 200) {
        throw new RegistryException("the token service " + realm + " of " + target.registry()
            + " answered HTTP " + response.statusCode() + " for " + target.display());
      }
      JsonNode json = JSON.readTree(body.readNBytes(1 << 20));
      String token = json.path("token").asText(json.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new RegistryException("the token service " + realm + " of " + target.registry()
            + " answered without a token for " + target.display());
      }
      long lifetime = json.path("expires_in").asLong(DEFAULT_TOKEN_LIFETIME.toSeconds());
      Duration usable = Duration.ofSeconds(Math.max(lifetime, DEFAULT_TOKEN_LIFETIME.toSeconds()))
          .minus(EXPIRY_MARGIN);
      return new Token(token, Instant.now().plus(usable));
    }
  }

  /** Bearer wins over Basic when a registry offers both, as Docker does. */
  private static Optional<AuthChallenge> preferredChallenge(HttpHeaders headers) {
    return AuthChallenge.parse(headers.allValues("WWW-Authenticate")).stream()
        .filter(c -> c.scheme().equals(AuthChallenge.BEARER) || c.scheme().equals(AuthChallenge.BASIC))
        .min(Comparator.comparing(c -> c.scheme().equals(AuthChallenge.BEARER) ? 0 : 1));
  }

  private static String basic(RegistryCredentials user) {
    String pair = user.username() + ":" + user.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
