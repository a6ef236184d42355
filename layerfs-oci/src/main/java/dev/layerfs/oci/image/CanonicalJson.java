package dev.layerfs.oci.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one JSON mapper of the image model: compact output, fields in declaration order and map keys sorted, so that
 * serializing equal values always yields equal bytes and therefore equal digests.
 */
final class CanonicalJson {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private CanonicalJson() {}

  static <T> T read(byte[] json, Class<T> type, String what) throws ImageFormatException {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonMappingException e) {
      throw new ImageFormatException("invalid " + what + ": " + e.getOriginalMessage() + atPath(e.getPath()), e);
    } catch (JsonProcessingException e) {
      throw new ImageFormatException("invalid " + what + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory", e);
    }
  }

  static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  /** An immutable copy with keys sorted, so that records compare and print the same however they were built. */
  static <V> SortedMap<String, V> sortedCopy(Map<String, V> map) {
    return map == null ? Collections.emptySortedMap()
        : Collections.unmodifiableSortedMap(new TreeMap<>(map));
  }

  static <E> List<E> listCopy(List<E> list) {
    return list == null ? List.of() : List.copyOf(list);
  }

  private static String atPath(List<JsonMappingException.Reference> path) {
    StringBuilder where = new StringBuilder();
    for (JsonMappingException.Reference step : path) {
      if (step.getFieldName() != null) {
        where.append(where.isEmpty() ? "" : ".").append(step.getFieldName());
      } else if (step.getIndex() >= 0) {
        where.append('[').append(step.getIndex()).append(']');
      }
    }
    return where.isEmpty() ? "" : " (at " + where + ")";
  }
}
