package dev.layerfs.oci.registry;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How often and how patiently to retry a registry that is busy (429), failing (5xx) or dropping connections: the
 * delay doubles from {@code firstDelay} up to {@code maxDelay}, and a server's Retry-After wins when it says more.
 */
record RetryPolicy(int maxAttempts, Duration firstDelay, Duration maxDelay) {
  static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(500), Duration.ofSeconds(30));

  RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
    }
  }

  /** The delay before attempt {@code attempt + 1}, after {@code attempt} failed ones (counting from 1). */
  Duration delayAfter(int attempt, Optional<String> retryAfter) {
    Duration backoff = firstDelay.multipliedBy(1L << Math.min(attempt - 1, 20));
    Duration delay = backoff.compareTo(maxDelay) > 0 ? maxDelay : backoff;
    Duration asked = retryAfter.flatMap(RetryPolicy::parseRetryAfter).orElse(Duration.ZERO);
    return asked.compareTo(delay) > 0 ? min(asked, maxDelay.multipliedBy(2)) : delay;
  }

  /** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
  static Optional<Duration> parseRetryAfter(String value) {
    String trimmed = value.trim();
    if (trimmed.matches("[0-9]{1,9}")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(trimmed)));
    }
    try {
      Duration until = Duration.between(ZonedDateTime.now(),
          ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME));
      return Optional.of(until.isNegative() ? Duration.ZERO : until);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
