package dev.layerfs.oci.store;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.registry.ProgressListener;
import dev.layerfs.oci.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A blob download followed while it runs, so that its layer is unpacked as the bytes arrive instead of after: the
 * download's progress says how much of its file is written, and {@link #open} reads up to there, waiting for more.
 * The reader fails when the download fails or starts over; the layer it unpacks is checked against its diff ID
 * whatever bytes it read, and the blob is added to the store only once the download matched its digest.
 */
final class ArrivingBlob implements ProgressListener {
  private final Descriptor blob;
  private final Path target;
  private final ProgressListener display;
  private long written;
  private boolean restarted;
  private boolean ended;
  private IOException failure;

  /** A download of {@code blob} to {@code target}, shown by {@code display}. */
  ArrivingBlob(Descriptor blob, Path target, ProgressListener display) {
    this.blob = blob;
    this.target = target;
    this.display = display;
  }

  @Override
  public void progress(Digest digest, long bytesDone, long bytesTotal) {
    display.progress(digest, bytesDone, bytesTotal);
    synchronized (this) {
      restarted |= bytesDone < written;
      written = bytesDone;
      notifyAll();
    }
  }

  /** Called when the download ended, with its failure or null. */
  synchronized void ended(IOException downloadFailure) {
    ended = true;
    failure = downloadFailure;
    notifyAll();
  }

  /** The blob's bytes as they arrive. */
  InputStream open() {
    return new InputStream() {
      private FileChannel file;
      private long position;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
          return 0;
        }
        int wanted = available(length);
        if (wanted < 0) {
          return -1;
        }
        if (file == null) {
          file = openFile();
        }
        int n = file.read(ByteBuffer.wrap(buffer, offset, wanted), position);
        if (n <= 0) {
          throw new IOException("the download of " + blob.digest() + " has fewer bytes than it reported");
        }
        position += n;
        return n;
      }

      /** Waits until bytes past {@code position} are written; answers how many to read, or -1 at the end. */
      private int available(int length) throws IOException {
        synchronized (ArrivingBlob.this) {
          while (position >= written && !ended && !restarted) {
            try {
              ArrivingBlob.this.wait();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new InterruptedIOException("interrupted while waiting for the download of " + blob.digest());
            }
          }
          if (restarted) {
            throw new IOException("the download of " + blob.digest() + " started over");
          }
          if (position < written) {
            return (int) Math.min(length, written - position);
          }
          if (failure != null) {
            throw new IOException("the download of " + blob.digest() + " failed", failure);
          }
          return -1;
        }
      }

      /** The file being written, or the blob it became when the download completed meanwhile. */
      private FileChannel openFile() throws IOException {
        try {
          return FileChannel.open(RegistryClient.partialFile(target), StandardOpenOption.READ);
        } catch (NoSuchFileException renamed) {
          return FileChannel.open(target, StandardOpenOption.READ);
        }
      }

      @Override
      public void close() throws IOException {
        if (file != null) {
          file.close();
        }
      }
    };
  }
}
