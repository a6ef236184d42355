package dev.layerfs.oci.registry;

import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One registry request as data, so that it can be sent again after a retry, a redirect or a fresh token.
 *
 * @param path a path and query relative to the registry's base URL, or an absolute URL (upload locations)
 * @param body re-readable: the JDK's byte array and file publishers are
 * @param scopes the token scopes the request needs, e.g. {@code repository:a/b:pull}
 */
record Call(Target target, String method, String path, Map<String, String> headers, BodyPublisher body,
    List<String> scopes) {

  static Call get(Target target, String path, List<String> scopes) {
    return new Call(target, "GET", path, Map.of(), BodyPublishers.noBody(), scopes);
  }

  static Call head(Target target, String path, List<String> scopes) {
    return new Call(target, "HEAD", path, Map.of(), BodyPublishers.noBody(), scopes);
  }

  static Call send(Target target, String method, String path, BodyPublisher body, List<String> scopes) {
    return new Call(target, method, path, Map.of(), body, scopes);
  }

  Call header(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Call(target, method, path, Map.copyOf(more), body, scopes);
  }

  /** Whether sending it twice does no harm, which decides if a dropped connection may be retried blindly. */
  boolean idempotent() {
    return method.equals("GET") || method.equals("HEAD");
  }
}
