package dev.layerfs.oci.registry;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small but valid image (gzip'ed tar layers, an OCI config with their diff IDs, a manifest) with its blobs in
 * files, so that tests push what real tools such as skopeo accept.
 */
record TestImage(Manifest manifest, Map<Digest, Path> blobs) {

  /** An image for {@code platform} with one layer per map of file names to contents. */
  static TestImage create(Path directory, Platform platform, List<Map<String, String>> layers) throws IOException {
    Map<Digest, Path> blobs = new LinkedHashMap<>();
    List<Descriptor> layerDescriptors = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (Map<String, String> files : layers) {
      byte[] tar = tar(files);
      diffIds.add(Digest.sha256(tar));
      layerDescriptors.add(write(directory, blobs, MediaTypes.OCI_LAYER_TAR_GZIP, gzip(tar)));
    }
    byte[] config = ImageConfig.of(platform, diffIds).toJson();
    Descriptor configDescriptor = write(directory, blobs, MediaTypes.OCI_CONFIG, config);
    return new TestImage(Manifest.of(MediaTypes.OCI_MANIFEST, configDescriptor, layerDescriptors), blobs);
  }

  /** A blob of {@code size} pseudo-random bytes, written to a file in {@code directory}. */
  static Descriptor randomBlob(Path directory, int size, long seed, Map<Digest, Path> blobs) throws IOException {
    byte[] content = new byte[size];
    new Random(seed).nextBytes(content);
    return write(directory, blobs, MediaTypes.OCI_LAYER_TAR_GZIP, content);
  }

  /** Pushes the blobs, then the manifest; returns the manifest's digest. */
  Digest push(RegistryClient client, ImageReference reference) throws IOException {
    for (Descriptor blob : descriptors()) {
      client.pushBlob(reference, blob, blobs.get(blob.digest()));
    }
    return client.pushManifest(reference, manifest);
  }

  /** The config first, then the layers. */
  List<Descriptor> descriptors() {
    List<Descriptor> all = new ArrayList<>(List.of(manifest.config()));
    all.addAll(manifest.layers());
    return all;
  }

  Path file(Descriptor blob) {
    return blobs.get(blob.digest());
  }

  private static Descriptor write(Path directory, Map<Digest, Path> blobs, String mediaType, byte[] content)
      throws IOException {
    Descriptor descriptor = Descriptor.of(mediaType, content);
    Path file = directory.resolve(descriptor.digest().hex());
    Files.write(file, content);
    blobs.put(descriptor.digest(), file);
    return descriptor;
  }

  /** A ustar archive of regular files (mode 0644, owner root, mtime 0): just enough for a layer. */
  static byte[] tar(Map<String, String> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    files.forEach((name, text) -> {
      byte[] content = text.getBytes(StandardCharsets.UTF_8);
      byte[] header = new byte[512];
      put(header, 0, name);
      put(header, 100, "0000644");
      put(header, 108, "0000000");
      put(header, 116, "0000000");
      put(header, 124, String.format("%011o", content.length));
      put(header, 136, "00000000000");
      put(header, 148, "        ");
      header[156] = '0';
      put(header, 257, "ustar");
      put(header, 263, "00");
      int checksum = 0;
      for (byte b : header) {
        checksum += b & 0xff;
      }
      put(header, 148, String.format("%06o", checksum));
      header[154] = 0;
      out.writeBytes(header);
      out.writeBytes(content);
      out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    });
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }

  private static byte[] gzip(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
