package dev.layerfs.oci.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

  @Test
  void parsesDockerHubsBearerChallengeWithACommaInTheScope() {
    assertEquals(List.of(new AuthChallenge("bearer", Map.of("realm", "https://auth.docker.io/token",
            "service", "registry.docker.io", "scope", "repository:samalba/my-app:pull,push"))),
        AuthChallenge.parse(List.of("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
            + "scope=\"repository:samalba/my-app:pull,push\"")));
  }

  @Test
  void parsesBasicAndSeveralChallengesInOneHeader() {
    assertEquals(List.of(
            new AuthChallenge("basic", Map.of("realm", "Registry Realm")),
            new AuthChallenge("bearer", Map.of("realm", "https://a/token", "error", "invalid_token"))),
        AuthChallenge.parse(List.of("Basic realm=\"Registry Realm\", BEARER realm=https://a/token , Error=invalid_token")));
  }

  @Test
  void unescapesQuotedPairsAndKeepsChallengesAcrossHeaders() {
    assertEquals(List.of(
            new AuthChallenge("basic", Map.of("realm", "say \"hi\"")),
            new AuthChallenge("negotiate", Map.of()),
            new AuthChallenge("bearer", Map.of("realm", "r"))),
        AuthChallenge.parse(List.of("Basic realm=\"say \\\"hi\\\"\"", "Negotiate, Bearer realm=r")));
  }

  @Test
  void ignoresEmptyAndMalformedHeaders() {
    assertEquals(List.of(), AuthChallenge.parse(List.of("", "  ,, ")));
    assertEquals(List.of(new AuthChallenge("bearer", Map.of("realm", "unterminated"))),
        AuthChallenge.parse(List.of("Bearer realm=\"unterminated")));
  }
}
