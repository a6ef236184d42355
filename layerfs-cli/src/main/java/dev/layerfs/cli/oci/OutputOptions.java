package dev.layerfs.cli.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output for the listing commands. */
public final class OutputOptions {
  /** Built on first use: Jackson's classes take a noticeable part of a JVM's start, and most commands need none. */
  private static final class Mapper {
    static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  }

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  static JsonMapper json() {
    return Mapper.JSON;
  }

  static ObjectNode object() {
    return json().createObjectNode();
  }

  static ArrayNode array() {
    return json().createArrayNode();
  }

  static void print(PrintWriter out, JsonNode node) {
    try {
      out.println(json().writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
  }
}
