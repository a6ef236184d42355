package dev.layerfs.cli.oci;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Sizes and ages as {@code docker} prints them, and plain text tables. */
final class Sizes {
  private Sizes() {}

  /** {@code 1.5MB}: decimal units, as Docker shows sizes. */
  static String human(long bytes) {
    if (bytes < 0) {
      return "?";
    }
    String[] units = {"B", "kB", "MB", "GB", "TB"};
    double value = bytes;
    int unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return unit == 0 ? bytes + "B" : String.format(value >= 100 ? "%.0f%s" : "%.3g%s", value, units[unit]);
  }

  /** {@code 3 minutes ago}. */
  static String age(Instant then) {
    if (then == null) {
      return "N/A";
    }
    Duration d = Duration.between(then, Instant.now());
    if (d.isNegative() || d.toSeconds() < 60) {
      return "Less than a minute ago";
    }
    if (d.toMinutes() < 60) {
      return plural(d.toMinutes(), "minute");
    }
    if (d.toHours() < 48) {
      return plural(d.toHours(), "hour");
    }
    if (d.toDays() < 365) {
      return plural(d.toDays(), "day");
    }
    return plural(d.toDays() / 365, "year");
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s") + " ago";
  }

  /** Left-aligned columns three spaces apart, as Docker's tables. */
  static String table(List<String> header, List<List<String>> rows) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : java.util.stream.Stream.concat(java.util.stream.Stream.of(header), rows.stream()).toList()) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (widths[i] + 3) + "s", row.get(i)));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
