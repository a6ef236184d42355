package dev.layerfs.oci.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header, such as
 * {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"}: it tells the
 * client which scheme to use and, for Bearer, where to get a token.
 *
 * @param scheme the scheme in lower case: {@code basic} or {@code bearer} are the ones registries use
 * @param params the auth-params, names in lower case
 */
record AuthChallenge(String scheme, Map<String, String> params) {
  static final String BASIC = "basic";
  static final String BEARER = "bearer";

  String param(String name) {
    return params.getOrDefault(name, "");
  }

  /** All challenges in the given header values (RFC 9110 §11.6.1), in order; malformed tails are ignored. */
  static List<AuthChallenge> parse(List<String> headerValues) {
    List<AuthChallenge> challenges = new ArrayList<>();
    for (String header : headerValues) {
      new Parser(header).parseInto(challenges);
    }
    return challenges;
  }

  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = text;
    }

    void parseInto(List<AuthChallenge> challenges) {
      while (true) {
        skip(", \t");
        String scheme = token();
        if (scheme.isEmpty()) {
          return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
          skip(" \t");
          int paramStart = pos;
          String name = token();
          skip(" \t");
          if (name.isEmpty()) {
            skipToken68();
            break;
          }
          if (!peek('=')) {
            pos = paramStart;
            break;
          }
          pos++;
          skip(" \t");
          params.put(name.toLowerCase(Locale.ROOT), peek('"') ? quoted() : token());
          skip(" \t");
          if (!peek(',')) {
            break;
          }
          pos++;
        }
        challenges.add(new AuthChallenge(scheme.toLowerCase(Locale.ROOT), Collections.unmodifiableMap(params)));
      }
    }

    private String token() {
      int start = pos;
      while (pos < text.length() && ",= \t\"".indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
      return text.substring(start, pos);
    }

    private String quoted() {
      StringBuilder value = new StringBuilder();
      pos++;
      while (pos < text.length() && text.charAt(pos) != '"') {
        if (text.charAt(pos) == '\\' && pos + 1 < text.length()) {
          pos++;
        }
        value.append(text.charAt(pos++));
      }
      pos = Math.min(pos + 1, text.length());
      return value.toString();
    }

    /** Skips what cannot be an auth-param, up to the next challenge. */
    private void skipToken68() {
      while (pos < text.length() && text.charAt(pos) != ',') {
        pos++;
      }
    }

    private boolean peek(char c) {
      return pos < text.length() && text.charAt(pos) == c;
    }

    private void skip(String chars) {
      while (pos < text.length() && chars.indexOf(text.charAt(pos)) >= 0) {
        pos++;
      }
    }
  }
}
