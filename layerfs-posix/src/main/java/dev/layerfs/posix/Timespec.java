package dev.layerfs.posix;

/** A point in time with nanoseconds, as the kernel stores file times. */
public record Timespec(long seconds, int nanos) implements Comparable<Timespec> {
  /** {@code UTIME_NOW}: let the kernel use the current time. */
  public static final Timespec NOW = new Timespec(0, (1 << 30) - 1);
  /** {@code UTIME_OMIT}: leave this time unchanged. */
  public static final Timespec OMIT = new Timespec(0, (1 << 30) - 2);

  public static Timespec ofMillis(long millis) {
    return new Timespec(Math.floorDiv(millis, 1000), (int) Math.floorMod(millis, 1000) * 1_000_000);
  }

  public long toNanos() {
    return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
  }

  @Override
  public int compareTo(Timespec other) {
    int bySeconds = Long.compare(seconds, other.seconds);
    return bySeconds != 0 ? bySeconds : Integer.compare(nanos, other.nanos);
  }
}
