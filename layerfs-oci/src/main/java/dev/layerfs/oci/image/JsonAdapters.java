package dev.layerfs.oci.image;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** The two JSON shapes of image configs that Jackson cannot infer: Go's timestamps and Go's sets. */
final class JsonAdapters {
  /** Go's RFC 3339 with nanoseconds, trailing zeros dropped, which is how Docker and BuildKit write times. */
  private static final DateTimeFormatter GO_TIME = new DateTimeFormatterBuilder()
      .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
      .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
      .appendLiteral('Z')
      .toFormatter()
      .withZone(ZoneOffset.UTC);

  private JsonAdapters() {}

  static final class TimeSerializer extends JsonSerializer<Instant> {
    @Override
    public void serialize(Instant value, JsonGenerator out, SerializerProvider provider) throws IOException {
      out.writeString(GO_TIME.format(value));
    }
  }

  static final class TimeDeserializer extends JsonDeserializer<Instant> {
    @Override
    public Instant deserialize(JsonParser in, DeserializationContext context) throws IOException {
      String text = in.getValueAsString();
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        return (Instant) context.handleWeirdStringValue(Instant.class, text, "not an RFC 3339 time");
      }
    }
  }

  /** Go writes a set of strings as an object whose values are empty objects: {@code {"80/tcp":{}}}. */
  static final class KeySetSerializer extends JsonSerializer<SortedSet<String>> {
    @Override
    public void serialize(SortedSet<String> value, JsonGenerator out, SerializerProvider provider) throws IOException {
      out.writeStartObject();
      for (String key : value) {
        out.writeFieldName(key);
        out.writeStartObject();
        out.writeEndObject();
      }
      out.writeEndObject();
    }

    @Override
    public boolean isEmpty(SerializerProvider provider, SortedSet<String> value) {
      return value.isEmpty();
    }
  }

  static final class KeySetDeserializer extends JsonDeserializer<SortedSet<String>> {
    @Override
    public SortedSet<String> deserialize(JsonParser in, DeserializationContext context) throws IOException {
      if (!in.isExpectedStartObjectToken()) {
        throw MismatchedInputException.from(in, SortedSet.class, "expected an object whose keys are the members");
      }
      SortedSet<String> keys = new TreeSet<>();
      for (String key = in.nextFieldName(); key != null; key = in.nextFieldName()) {
        keys.add(key);
        if (in.nextToken() == JsonToken.START_OBJECT || in.currentToken() == JsonToken.START_ARRAY) {
          in.skipChildren();
        }
      }
      return Collections.unmodifiableSortedSet(keys);
    }
  }
}
