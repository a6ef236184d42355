package dev.layerfs.cli.oci;

import dev.layerfs.oci.store.Progress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Progress on standard error: on a terminal, one bar per running task (bytes done, total and rate), redrawn in place
 * below the lines of finished ones, so that parallel transfers each show their own; elsewhere, one plain line per
 * finished task, so logs stay readable.
 */
final class ConsoleProgress implements Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR = 24;

  private final PrintStream err;
  private final boolean terminal;
  private final List<Bar> running = new ArrayList<>();
  private int drawnLines;
  private long lastDraw;

  ConsoleProgress(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public synchronized Task start(String what, long totalBytes) {
    Bar bar = new Bar(what, totalBytes);
    running.add(bar);
    return bar;
  }

  @Override
  public synchronized void note(String line) {
    clear();
    err.println(line);
    draw(System.nanoTime());
  }

  /** Moves to the first bar's line and erases the bars, so that a finished line can take their place. */
  private void clear() {
    if (drawnLines > 0) {
      err.print("\033[" + drawnLines + "F\033[J");
      drawnLines = 0;
    }
  }

  private void draw(long now) {
    if (terminal) {
      for (Bar bar : running) {
        err.println(bar.line(now));
      }
      drawnLines = running.size();
      lastDraw = now;
    }
    err.flush();
  }

  private final class Bar implements Task {
    private final String what;
    private final long total;
    private final long started = System.nanoTime();
    private long done;

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
          clear();
          draw(now);
        }
      }
    }

    @Override
    public void close() {
      synchronized (ConsoleProgress.this) {
        if (!running.remove(this)) {
          return;
        }
        clear();
        long elapsed = Math.max(1, System.nanoTime() - started);
        err.println(what + ": " + Sizes.human(done) + " in " + String.format("%.2f", elapsed / 1e9) + " s ("
            + Sizes.human((long) (done / (elapsed / 1e9))) + "/s)");
        draw(System.nanoTime());
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
