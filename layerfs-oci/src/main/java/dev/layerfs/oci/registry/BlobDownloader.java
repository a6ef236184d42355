package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a blob into a file while hashing it; a dropped connection resumes with a Range request from the bytes
 * already written, and the file appears under its name only once the whole blob matched its digest.
 */
final class BlobDownloader {
  private static final int BUFFER_SIZE = 64 * 1024;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes ([0-9]+)-([0-9]+)/([0-9]+|\\*)");

  private final RegistryTransport transport;

  BlobDownloader(RegistryTransport transport) {
    this.transport = transport;
  }

  void download(Target repository, Descriptor blob, Path target, ProgressListener progress) throws IOException {
    Target about = repository.about(blob.digest().toString());
    Path partial = partialFile(target);
    boolean complete = false;
    try (FileChannel out = open(partial)) {
      new Transfer(about, blob, partial, out, progress).run();
      force(out, partial);
      complete = true;
    } finally {
      if (!complete) {
        Files.deleteIfExists(partial);
      }
    }
    try {
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(partial);
      throw new LocalWriteException("cannot move the downloaded blob " + blob.digest() + " to " + target + ": " + e, e);
    }
  }

  /** Where a download to {@code target} is written until the whole blob matched its digest. */
  static Path partialFile(Path target) {
    return target.resolveSibling(target.getFileName() + ".partial");
  }

  /** The state of one download across its resumptions: bytes written so far and their running hash. */
  private final class Transfer {
    private final Target about;
    private final Descriptor blob;
    private final Path partial;
    private final FileChannel out;
    private final ProgressListener progress;
    private final MessageDigest hasher;
    private long written;

    Transfer(Target about, Descriptor blob, Path partial, FileChannel out, ProgressListener progress) {
      this.about = about;
      this.blob = blob;
      this.partial = partial;
      this.out = out;
      this.progress = progress;
      this.hasher = blob.digest().algorithm().newMessageDigest();
    }

    void run() throws IOException {
      String path = about.apiPath("blobs", blob.digest().toString());
      progress.progress(blob.digest(), 0, blob.size());
      for (int attempt = 1; ; attempt++) {
        Call call = Call.get(about, path, List.of(about.pullScope()));
        if (written > 0) {
          call = call.header("Range", "bytes=" + written + "-");
        }
        HttpResponse<InputStream> response = transport.send(call, "blob");
        Optional<IOException> dropped = receive(response);
        if (dropped.isEmpty() && written >= blob.size()) {
          verify();
          return;
        }
        if (attempt >= transport.retryPolicy().maxAttempts()) {
          IOException failure = new RegistryException(about.display() + ": the download broke off after " + written
              + " of " + blob.size() + " bytes, " + attempt + " times");
          dropped.ifPresent(failure::initCause);
          throw failure;
        }
        transport.pause(transport.retryPolicy().delayAfter(attempt, Optional.empty()));
      }
    }

    /** Appends the response's bytes; empty when the body ended, else the network error that cut it short. */
    private Optional<IOException> receive(HttpResponse<InputStream> response) throws IOException {
      int status = response.statusCode();
      if (status == 416 && written > 0) {
        RegistryTransport.discard(response);
        restart();
        return Optional.of(new IOException("the registry refused to resume at byte " + written));
      }
      if (status != 200 && status != 206) {
        throw ErrorResponses.failure(response, about, "blob");
      }
      if (status == 200 && written > 0) {
        restart();
      }
      if (status == 206 && resumedAt(response) != written) {
        RegistryTransport.discard(response);
        restart();
        return Optional.of(new IOException("the registry resumed at another byte than " + written));
      }
      byte[] buffer = new byte[BUFFER_SIZE];
      try (InputStream in = response.body()) {
        while (true) {
          int wanted = (int) Math.min(buffer.length, blob.size() + 1 - written);
          int n = 0;
          Optional<IOException> ended = Optional.empty();
          boolean end = false;
          // the client's stream answers one of its 16 kB network buffers per read: gather a whole buffer, so that
          // each write, hash update and progress report (which wakes the layer's unpacker) covers 64 kB
          while (n < wanted && !end) {
            int read;
            try {
              read = in.read(buffer, n, wanted - n);
            } catch (IOException e) {
              ended = Optional.of(e);
              break;
            }
            end = read <= 0;
            n += Math.max(read, 0);
          }
          if (n > 0) {
            append(buffer, n);
          }
          if (written > blob.size()) {
            throw new DigestMismatchException(about.display() + ": the registry sent more than the " + blob.size()
                + " bytes of the blob's descriptor; the download was discarded");
          }
          if (end || ended.isPresent()) {
            return ended;
          }
        }
      }
    }

    private void append(byte[] buffer, int n) throws LocalWriteException {
      try {
        ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
      } catch (IOException e) {
        throw new LocalWriteException("cannot write blob " + blob.digest() + " to " + partial + ": " + e, e);
      }
      hasher.update(buffer, 0, n);
      written += n;
      progress.progress(blob.digest(), written, blob.size());
    }

    private void restart() throws LocalWriteException {
      try {
        out.truncate(0);
        out.position(0);
      } catch (IOException e) {
        throw new LocalWriteException("cannot truncate " + partial + ": " + e, e);
      }
      hasher.reset();
      written = 0;
      progress.progress(blob.digest(), 0, blob.size());
    }

    private long resumedAt(HttpResponse<InputStream> response) {
      Matcher range = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      return range.matches() ? Long.parseLong(range.group(1)) : -1;
    }

    private void verify() throws DigestMismatchException {
      Digest actual = Digest.fromHash(blob.digest().algorithm(), hasher.digest());
      if (!actual.equals(blob.digest())) {
        throw new DigestMismatchException(about.display() + ": digest mismatch, the " + written
            + " bytes received hash to " + actual + "; the download was discarded");
      }
    }
  }

  private static FileChannel open(Path partial) throws LocalWriteException {
    try {
      return FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new LocalWriteException("cannot create " + partial + ": " + e, e);
    }
  }

  private static void force(FileChannel out, Path partial) throws LocalWriteException {
    try {
      out.force(true);
    } catch (IOException e) {
      throw new LocalWriteException("cannot flush " + partial + " to disk: " + e, e);
    }
  }
}
