package dev.layerfs.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code layerfs status}: the live layerfs mounts with their layers and daemons, from the runtime directory and the
 * mount table; records of mounts that are gone are cleaned up as they are found.
 */
@Command(name = "status", description = "Lists live layerfs mounts with their layers.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print a JSON array instead of a table.")
  boolean json;

  @Spec CommandSpec spec;

  /** One mount as shown: state is "running", "daemon gone" (ENOTCONN until unmounted) or "unknown daemon". */
  record Row(Path mountPoint, String state, long pid, List<String> lowers, String upper, String work,
      String started) {}

  @Override
  public Integer call() throws Exception {
    List<Row> rows = new ArrayList<>();
    List<MountTable.Mount> table = MountTable.read();
    Set<Path> recorded = new HashSet<>();
    for (RuntimeDir.MountState s : RuntimeDir.all()) {
      MountTable.Mount mounted = table.stream().filter(m -> m.mountPoint().equals(s.mountPoint())
          && m.type().startsWith("fuse.")).reduce((a, b) -> b).orElse(null);
      boolean alive = s.daemonAlive();
      if (mounted == null) {
        if (!alive) {
          RuntimeDir.remove(s.mountPoint(), s.pid());
        }
        continue;
      }
      recorded.add(s.mountPoint());
      rows.add(new Row(s.mountPoint(), alive ? "running" : "daemon gone", s.pid(), s.lowerDirs(), s.upperDir(),
          s.workDir(), Instant.ofEpochMilli(s.started()).toString()));
    }
    for (MountTable.Mount m : table) {
      if (m.isLayerfs() && !recorded.contains(m.mountPoint())) {
        rows.add(new Row(m.mountPoint(), "unknown daemon", -1, List.of(), null, null, null));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(toJson(rows));
    } else if (rows.isEmpty()) {
      out.println("no layerfs mounts");
    } else {
      for (Row r : rows) {
        out.println(r.mountPoint() + "  " + r.state() + (r.pid() > 0 ? " (pid " + r.pid() + ")" : ""));
        if (!r.lowers().isEmpty()) {
          out.println("  lowerdir " + String.join(":", r.lowers()));
        }
        if (r.upper() != null) {
          out.println("  upperdir " + r.upper());
          out.println("  workdir  " + r.work());
        }
      }
    }
    out.flush();
    return 0;
  }

  static String toJson(List<Row> rows) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      s.append(i == 0 ? "\n  {" : ",\n  {")
          .append("\"mountpoint\": ").append(quote(r.mountPoint().toString()))
          .append(", \"state\": ").append(quote(r.state()))
          .append(", \"pid\": ").append(r.pid() > 0 ? Long.toString(r.pid()) : "null")
          .append(", \"lowerdir\": [");
      for (int j = 0; j < r.lowers().size(); j++) {
        s.append(j == 0 ? "" : ", ").append(quote(r.lowers().get(j)));
      }
      s.append("], \"upperdir\": ").append(quote(r.upper()))
          .append(", \"workdir\": ").append(quote(r.work()))
          .append(", \"started\": ").append(quote(r.started())).append('}');
    }
    return s.append(rows.isEmpty() ? "]" : "\n]").toString();
  }

  private static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder s = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        default -> {
          if (c < 0x20) {
            s.append(String.format("\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    return s.append('"').toString();
  }
}
