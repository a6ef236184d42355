package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Pushes a blob the cheapest way the registry allows: not at all when it is there, by mounting it from another
 * repository, else streamed from its file in one PUT (as Docker does), or in PATCH chunks of a given size for
 * registries or proxies that limit request sizes. Progress is reported only for bytes actually sent, from 0 when the
 * upload starts.
 */
final class BlobUploader {
  private static final String OCTET_STREAM = "application/octet-stream";

  private final RegistryTransport transport;
  private final int chunkSize;

  BlobUploader(RegistryTransport transport, int chunkSize) {
    this.transport = transport;
    this.chunkSize = chunkSize;
  }

  /** Whether {@code repository} has the blob, by {@code HEAD}. */
  boolean exists(Target repository, Descriptor blob, List<String> scopes) throws IOException {
    Target about = repository.about(blob.digest().toString());
    HttpResponse<InputStream> response =
        transport.send(Call.head(about, about.apiPath("blobs", blob.digest().toString()), scopes), "blob");
    if (response.statusCode() != 200 && response.statusCode() != 404) {
      throw ErrorResponses.failure(response, about, "blob");
    }
    RegistryTransport.discard(response);
    return response.statusCode() == 200;
  }

  BlobPushResult upload(Target repository, Descriptor blob, Path content, Optional<String> mountFrom,
      ProgressListener progress) throws IOException {
    Target about = repository.about(blob.digest().toString());
    long size = Files.size(content);
    if (size != blob.size()) {
      throw new IllegalArgumentException(
          content + " has " + size + " bytes but the descriptor of " + blob.digest() + " says " + blob.size());
    }
    List<String> scopes = mountFrom
        .map(from -> List.of(about.pushScope(), "repository:" + from + ":pull"))
        .orElse(List.of(about.pushScope()));
    if (exists(about, blob, scopes)) {
      return BlobPushResult.ALREADY_PRESENT;
    }
    String start = about.apiPath("blobs", "uploads/") + mountFrom
        .map(from -> "?mount=" + blob.digest() + "&from=" + URLEncoder.encode(from, StandardCharsets.UTF_8))
        .orElse("");
    HttpResponse<InputStream> started =
        transport.send(Call.send(about, "POST", start, BodyPublishers.noBody(), scopes), "blob upload");
    if (started.statusCode() == 201 && mountFrom.isPresent()) {
      RegistryTransport.discard(started);
      return BlobPushResult.MOUNTED;
    }
    String location = expect(started, 202, about);
    progress.progress(blob.digest(), 0, size);
    boolean chunked = chunkSize > 0 && size > chunkSize;
    if (chunked) {
      location = patchChunks(about, blob, content, location, scopes, progress);
    }
    String finish = location + (location.contains("?") ? "&" : "?") + "digest=" + blob.digest();
    HttpResponse<InputStream> finished = transport.send(
        Call.send(about, "PUT", finish, chunked ? BodyPublishers.noBody()
            : CountingBody.of(content, blob.digest(), progress), scopes).header("Content-Type", OCTET_STREAM),
        "blob upload");
    expect(finished, 201, about);
    if (chunked) {
      progress.progress(blob.digest(), size, size);
    }
    return BlobPushResult.UPLOADED;
  }

  /** Sends the content in chunks; returns the location to finish the upload at. */
  private String patchChunks(Target about, Descriptor blob, Path content, String location, List<String> scopes,
      ProgressListener progress) throws IOException {
    try (FileChannel in = FileChannel.open(content, StandardOpenOption.READ)) {
      for (long offset = 0; offset < blob.size(); ) {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(chunkSize, blob.size() - offset));
        for (int n = 0; chunk.hasRemaining() && n >= 0; ) {
          n = in.read(chunk, offset + chunk.position());
        }
        int length = chunk.position();
        if (length < chunk.capacity()) {
          throw new IOException(content + " shrank to " + (offset + length) + " bytes while uploading " + blob.digest());
        }
        HttpResponse<InputStream> response = transport.send(
            Call.send(about, "PATCH", location, BodyPublishers.ofByteArray(chunk.array(), 0, length), scopes)
                .header("Content-Type", OCTET_STREAM)
                .header("Content-Range", offset + "-" + (offset + length - 1)), "blob upload");
        location = expect(response, 202, about);
        offset += length;
        progress.progress(blob.digest(), offset, blob.size());
      }
    }
    return location;
  }

  /** Checks the status and returns the Location, which the distribution spec requires on every upload step. */
  private static String expect(HttpResponse<InputStream> response, int status, Target about)
      throws RegistryException {
    if (response.statusCode() != status) {
      throw ErrorResponses.failure(response, about, "blob upload");
    }
    RegistryTransport.discard(response);
    Optional<String> location = response.headers().firstValue("Location");
    if (status == 202 && location.isEmpty()) {
      throw new RegistryException(about.display() + ": the registry answered an upload step without a Location");
    }
    return location.orElse("");
  }
}
