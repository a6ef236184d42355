package dev.layerfs.oci.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(4));

  @Test
  void delaysDoubleUpToTheMaximum() {
    assertEquals(Duration.ofMillis(500), policy.delayAfter(1, Optional.empty()));
    assertEquals(Duration.ofSeconds(1), policy.delayAfter(2, Optional.empty()));
    assertEquals(Duration.ofSeconds(2), policy.delayAfter(3, Optional.empty()));
    assertEquals(Duration.ofSeconds(4), policy.delayAfter(4, Optional.empty()));
    assertEquals(Duration.ofSeconds(4), policy.delayAfter(60, Optional.empty()));
  }

  @Test
  void retryAfterWinsWhenLongerButIsBounded() {
    assertEquals(Duration.ofSeconds(3), policy.delayAfter(1, Optional.of("3")));
    assertEquals(Duration.ofMillis(500), policy.delayAfter(1, Optional.of("0")), "never shorter than the backoff");
    assertEquals(Duration.ofSeconds(8), policy.delayAfter(1, Optional.of("3600")), "a server cannot stall us an hour");
    assertEquals(Duration.ofMillis(500), policy.delayAfter(1, Optional.of("soon")));
  }

  @Test
  void retryAfterMayBeAnHttpDate() {
    String inThreeSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(3));
    Duration delay = RetryPolicy.parseRetryAfter(inThreeSeconds).orElseThrow();
    assertTrue(delay.compareTo(Duration.ofSeconds(1)) > 0 && delay.compareTo(Duration.ofSeconds(4)) <= 0,
        delay.toString());
    assertEquals(Optional.of(Duration.ZERO), RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
  }
}
