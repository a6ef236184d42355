package dev.layerfs.oci.testing;

import dev.layerfs.oci.image.Descriptor;
import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageConfig;
import dev.layerfs.oci.image.ImageIndex;
import dev.layerfs.oci.image.Manifest;
import dev.layerfs.oci.image.MediaTypes;
import dev.layerfs.oci.image.Platform;
import dev.layerfs.oci.tar.Compression;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes OCI image layouts and docker-save archives from layer tars, as image tools would. */
public final class OciLayouts {
  private OciLayouts() {}

  /** An OCI layout in {@code dir} with one image of these layers (bottom first), named {@code ref}. */
  public static Descriptor write(Path dir, String ref, Compression compression, List<LayerTar> layers) {
    try {
      Files.createDirectories(dir.resolve("blobs/sha256"));
      Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      List<Descriptor> layerBlobs = new ArrayList<>();
      List<Digest> diffIds = new ArrayList<>();
      for (LayerTar layer : layers) {
        diffIds.add(Digest.sha256(layer.bytes()));
        String type = switch (compression) {
          case NONE -> MediaTypes.OCI_LAYER_TAR;
          case GZIP -> MediaTypes.OCI_LAYER_TAR_GZIP;
          case ZSTD -> MediaTypes.OCI_LAYER_TAR_ZSTD;
        };
        layerBlobs.add(blob(dir, type, layer.compressed(compression)));
      }
      Descriptor config = blob(dir, MediaTypes.OCI_CONFIG,
          ImageConfig.of(Platform.of("linux", "amd64"), diffIds).toJson());
      Descriptor manifest = blob(dir, MediaTypes.OCI_MANIFEST,
          Manifest.of(MediaTypes.OCI_MANIFEST, config, layerBlobs).toJson());
      Descriptor entry = new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(), List.of(),
          Map.of("org.opencontainers.image.ref.name", ref), null, "", Map.of());
      Files.write(dir.resolve("index.json"), ImageIndex.of(MediaTypes.OCI_INDEX, List.of(entry)).toJson());
      return manifest;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A docker-save archive of one image, its layers uncompressed under {@code ID/layer.tar}. */
  public static byte[] dockerArchive(String repoTag, List<LayerTar> layers) {
    List<Digest> diffIds = new ArrayList<>();
    LayerTar archive = new LayerTar();
    StringBuilder layerNames = new StringBuilder();
    for (int i = 0; i < layers.size(); i++) {
      byte[] tar = layers.get(i).bytes();
      diffIds.add(Digest.sha256(tar));
      String id = diffIds.get(i).hex();
      archive.dir(id).file(LayerTar.utf8(id + "/layer.tar"), tar, 0644);
      layerNames.append(i == 0 ? "" : ",").append('"').append(id).append("/layer.tar\"");
    }
    byte[] config = ImageConfig.of(Platform.of("linux", "amd64"), diffIds).toJson();
    String configName = Digest.sha256(config).hex() + ".json";
    archive.file(LayerTar.utf8(configName), config, 0644);
    String manifest = "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":["
        + layerNames + "]}]";
    archive.file("manifest.json", manifest);
    return archive.bytes();
  }

  private static Descriptor blob(Path dir, String mediaType, byte[] content) throws IOException {
    Descriptor descriptor = Descriptor.of(mediaType, content);
    Files.write(dir.resolve("blobs/sha256").resolve(descriptor.digest().hex()), content);
    return descriptor;
  }
}
