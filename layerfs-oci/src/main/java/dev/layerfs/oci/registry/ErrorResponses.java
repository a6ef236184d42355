package dev.layerfs.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a registry's failure response into a typed exception, using the distribution spec's
 * {@code {"errors":[{"code","message","detail"}]}} body so the user reads the registry's own reason.
 */
final class ErrorResponses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private ErrorResponses() {}

  /** The exception for an unexpected {@code response} to a request for {@code what} of {@code target}. */
  static RegistryException failure(HttpResponse<InputStream> response, Target target, String what) {
    List<String> codes = new ArrayList<>();
    String reasons = reasons(response, codes);
    int status = response.statusCode();
    String detail = " (HTTP " + status + (reasons.isEmpty() ? "" : ", " + reasons) + ")";
    if (codes.contains("DIGEST_INVALID") || codes.contains("SIZE_INVALID")) {
      return new DigestMismatchException(
          target.display() + ": the registry rejected the " + what + " as not matching its digest or size" + detail);
    }
    if (status == 404 || codes.stream().anyMatch(code -> code.endsWith("_UNKNOWN"))) {
      return new NotFoundException(target.display() + ": " + what + " not found" + detail);
    }
    if (status == 401 || status == 403 || codes.contains("DENIED") || codes.contains("UNAUTHORIZED")) {
      return new UnauthorizedException(target.display() + ": access to the " + what + " denied" + detail);
    }
    return new RegistryException(target.display() + ": the registry failed a request for the " + what + detail);
  }

  /** The errors of a distribution-spec body as {@code CODE: message}; the raw text when it is not one. */
  private static String reasons(HttpResponse<InputStream> response, List<String> codes) {
    byte[] body;
    try (InputStream in = response.body()) {
      body = in == null ? new byte[0] : in.readNBytes(MAX_ERROR_BODY);
    } catch (IOException e) {
      return "";
    }
    try {
      JsonNode errors = JSON.readTree(body).path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        List<String> parts = new ArrayList<>();
        for (JsonNode error : errors) {
          String code = error.path("code").asText("");
          codes.add(code);
          parts.add(code + ": " + error.path("message").asText("") + detail(error.path("detail")));
        }
        return String.join("; ", parts);
      }
    } catch (IOException | RuntimeException notJson) {
      // a proxy's HTML page or plain text: shown as it is below
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }

  private static String detail(JsonNode detail) {
    return detail.isMissingNode() || detail.isNull() || detail.isEmpty() && !detail.isValueNode()
        ? "" : " " + (detail.isTextual() ? detail.asText() : detail.toString());
  }
}
