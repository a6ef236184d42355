package dev.layerfs.cli.oci;

import dev.layerfs.oci.store.Progress;
import java.io.PrintStream;

/**
 * Progress on standard error: on a terminal, one bar redrawn in place per running task (bytes done, total and
 * rate); elsewhere, one plain line per finished task, so logs stay readable.
 */
final class ConsoleProgress implements Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR = 24;

  private final PrintStream err;
  private final boolean terminal;
  private boolean drawn;

  ConsoleProgress(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public Task start(String what, long totalBytes) {
    return new Bar(what, totalBytes);
  }

  @Override
  public synchronized void note(String line) {
    clear();
    err.println(line);
    err.flush();
  }

  private void clear() {
    if (drawn) {
      err.print("\r\033[K");
      drawn = false;
    }
  }

  private final class Bar implements Task {
    private final String what;
    private final long total;
    private final long started = System.nanoTime();
    private long done;
    private long lastDraw;

    Bar(String what, long total) {
      this.what = what;
      this.total = total;
    }

    @Override
    public void advance(long bytes) {
      synchronized (ConsoleProgress.this) {
        done += bytes;
        long now = System.nanoTime();
        if (terminal && now - lastDraw >= REDRAW_NANOS) {
          lastDraw = now;
          clear();
          err.print(line(now));
          err.flush();
          drawn = true;
        }
      }
    }

    @Override
    public void close() {
      synchronized (ConsoleProgress.this) {
        clear();
        long elapsed = Math.max(1, System.nanoTime() - started);
        err.println(what + ": " + Sizes.human(done) + " in " + String.format("%.2f", elapsed / 1e9) + " s ("
            + Sizes.human((long) (done / (elapsed / 1e9))) + "/s)");
        err.flush();
      }
    }

    private String line(long now) {
      double seconds = Math.max(1e-3, (now - started) / 1e9);
      String rate = Sizes.human((long) (done / seconds)) + "/s";
      if (total <= 0) {
        return what + " " + Sizes.human(done) + " " + rate;
      }
      int filled = (int) Math.min(BAR, BAR * done / total);
      return what + " [" + "=".repeat(filled) + (filled < BAR ? ">" + " ".repeat(BAR - filled - 1) : "") + "] "
          + Sizes.human(Math.min(done, total)) + "/" + Sizes.human(total) + " " + rate;
    }
  }
}
