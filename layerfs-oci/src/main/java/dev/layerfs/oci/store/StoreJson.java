package dev.layerfs.oci.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The store's own small JSON files (store, layer, container and mount records), read and written one way. */
final class StoreJson {
  static final JsonMapper MAPPER = JsonMapper.builder()
      .serializationInclusion(JsonInclude.Include.NON_NULL)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private StoreJson() {}

  static <T> T read(Path file, Class<T> type) throws IOException {
    try {
      return MAPPER.readValue(Files.readAllBytes(file), type);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(file + " is damaged: " + e.getOriginalMessage(), e);
    }
  }

  static byte[] bytes(Object value) throws IOException {
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
  }

  /** The store's format and the overlay namespace its layers use. */
  record StoreRecord(int version, String overlayXattrs) {}

  /** What the store knows about an unpacked layer. */
  record LayerRecord(String diffId, long tarSize, long allocatedBytes, long files, String created) {}

  /** A container: its image and the layer chain it was created over, bottom first. */
  record ContainerRecord(String name, String id, String image, String imageName, String created,
      java.util.List<String> diffIds) {}

  /** A mount of a container made by {@code container mount}. */
  record MountRecord(String mountpoint, long pid, String options) {}
}
