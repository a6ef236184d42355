package dev.layerfs.oci.tar;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Objects;

/**
 * Writes PAX-format tar archives whose bytes depend only on the entries given, so that the same layer content
 * always has the same digest.
 *
 * <p>Entries that fit are plain ustar; a PAX header carries whatever does not: names and link targets that are
 * long or not ASCII (raw bytes, with {@code hdrcharset=BINARY} when not UTF-8, as GNU tar does), big ids and
 * sizes, sub-second or out-of-range times, xattrs ({@code SCHILY.xattr.*} with raw values) and sparse maps (GNU
 * format 1.0). Entries are written in the order given: sorting, e.g. with {@link TarEntry#NAME_ORDER}, is the
 * caller's job. If a write fails the archive is incomplete, and the writer refuses further entries.
 */
public final class TarWriter implements Closeable {
  private static final int COPY_BUFFER = 64 << 10;

  private final OutputStream out;
  private final Options options;
  private boolean failed;
  private boolean finished;

  /**
   * How to normalize entries for reproducible layers.
   *
   * @param times what to do with mtime, atime and ctime
   * @param zeroOwnerNames write empty uname and gname, so that only numeric ids go into the layer
   */
  public record Options(TimePolicy times, boolean zeroOwnerNames) {
    /** Keeps every entry as given. */
    public static final Options DEFAULTS = new Options(TimePolicy.keep(), false);

    public Options {
      Objects.requireNonNull(times, "times");
    }

    public Options withTimes(TimePolicy times) {
      return new Options(times, zeroOwnerNames);
    }

    public Options withZeroOwnerNames(boolean zeroOwnerNames) {
      return new Options(times, zeroOwnerNames);
    }
  }

  /** Rewrites entry times, as {@code SOURCE_DATE_EPOCH} asks of reproducible builds. */
  public sealed interface TimePolicy {
    Instant apply(Instant time);

    static TimePolicy keep() {
      return new Keep();
    }

    /** Moves times later than {@code epoch} back to it, like GNU tar's {@code --clamp-mtime}. */
    static TimePolicy clampTo(Instant epoch) {
      return new Clamp(epoch);
    }

    /** Sets every time to {@code epoch}. */
    static TimePolicy fixedAt(Instant epoch) {
      return new Fixed(epoch);
    }

    record Keep() implements TimePolicy {
      @Override
      public Instant apply(Instant time) {
        return time;
      }
    }

    record Clamp(Instant epoch) implements TimePolicy {
      public Clamp {
        Objects.requireNonNull(epoch, "epoch");
      }

      @Override
      public Instant apply(Instant time) {
        return time.isAfter(epoch) ? epoch : time;
      }
    }

    record Fixed(Instant epoch) implements TimePolicy {
      public Fixed {
        Objects.requireNonNull(epoch, "epoch");
      }

      @Override
      public Instant apply(Instant time) {
        return epoch;
      }
    }
  }

  public TarWriter(OutputStream out) {
    this(out, Options.DEFAULTS);
  }

  public TarWriter(OutputStream out, Options options) {
    this.out = new BufferedOutputStream(out, COPY_BUFFER);
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Writes an entry that has no data: anything but a non-empty regular file. */
  public void write(TarEntry entry) throws IOException {
    if (entry.storedSize() != 0) {
      throw new IllegalArgumentException("entry '" + Names.display(entry.name()) + "' has "
          + entry.storedSize() + " data bytes: use write(entry, data)");
    }
    write(entry, InputStream.nullInputStream());
  }

  /**
   * Writes an entry and exactly {@link TarEntry#storedSize()} bytes of data from {@code data}: a regular file's
   * content or, for a sparse file, its data regions back to back.
   */
  public void write(TarEntry entry, InputStream data) throws IOException {
    if (failed || finished) {
      throw new IllegalStateException(failed ? "an earlier write failed: the archive is incomplete"
          : "the archive is finished");
    }
    byte[] header = HeaderEncoder.encode(normalize(entry));
    failed = true;
    out.write(header);
    copyExactly(entry, data);
    out.write(new byte[Ustar.padding(entry.storedSize())]);
    failed = false;
  }

  /** Writes the end-of-archive marker (two zero blocks) and flushes, leaving the stream open. */
  public void finish() throws IOException {
    if (!finished && !failed) {
      out.write(new byte[2 * Ustar.BLOCK]);
      out.flush();
    }
    finished = true;
  }

  /** Finishes the archive, unless a write failed, and closes the stream. */
  @Override
  public void close() throws IOException {
    try (out) {
      finish();
    }
  }

  private TarEntry normalize(TarEntry entry) {
    TarEntry.Builder b = entry.toBuilder().mtime(options.times().apply(entry.mtime()))
        .atime(entry.atime().map(options.times()::apply).orElse(null))
        .ctime(entry.ctime().map(options.times()::apply).orElse(null));
    if (options.zeroOwnerNames()) {
      b.uname(new byte[0]).gname(new byte[0]);
    }
    return b.build();
  }

  private void copyExactly(TarEntry entry, InputStream data) throws IOException {
    byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, Math.max(1, entry.storedSize()))];
    long left = entry.storedSize();
    while (left > 0) {
      int n = data.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("entry '" + Names.display(entry.name()) + "': data ended after "
            + (entry.storedSize() - left) + " of " + entry.storedSize() + " bytes");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
    if (data.read() >= 0) {
      throw new IOException("entry '" + Names.display(entry.name()) + "': data is longer than its "
          + entry.storedSize() + " bytes");
    }
  }
}
