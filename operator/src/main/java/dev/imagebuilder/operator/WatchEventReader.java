package dev.imagebuilder.operator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;

/**
 * Reads the events of the informers' watches without a JSON tree per object. Fabric8's own reader
 * builds a tree of each event's object to learn its kind, managedFields and all, and then binds the
 * tree. The operator hears every child it writes come back this way, so that ran once per write.
 * Here the object's tokens are buffered as they stream by, its apiVersion and kind noted on the
 * way and {@code metadata.managedFields} skipped, and the buffer is bound to the class registered
 * for that kind. Anything else (an object of a kind with no class, or no object) goes to Fabric8's
 * reader as before.
 */
final class WatchEventReader extends StdDeserializer<WatchEvent> {

  private final KubernetesSerialization serialization;

  WatchEventReader(KubernetesSerialization serialization) {
    super(WatchEvent.class);
    this.serialization = serialization;
  }

  @Override
  public WatchEvent deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonToken token = p.currentToken() == JsonToken.START_OBJECT ? p.nextToken() : p.currentToken();
    if (token != JsonToken.FIELD_NAME && token != JsonToken.END_OBJECT) {
      return (WatchEvent) ctxt.handleUnexpectedToken(WatchEvent.class, p);
    }
    var event = new WatchEvent();
    for (; token == JsonToken.FIELD_NAME; token = p.nextToken()) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "type" -> event.setType(p.getValueAsString());
        case "object" -> event.setObject(object(p, ctxt));
        default -> event.setAdditionalProperty(name, ctxt.readValue(p, Object.class));
      }
    }
    return event;
  }

  private Object object(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      return ctxt.readValue(p, KubernetesResource.class);
    }
    TokenBuffer buffer = ctxt.bufferForInputBuffering(p);
    String apiVersion = null;
    String kind = null;
    buffer.writeStartObject();
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken value = p.nextToken();
      buffer.writeFieldName(name);
      if (value == JsonToken.START_OBJECT && name.equals("metadata")) {
        copyWithoutManagedFields(p, buffer);
        continue;
      }
      if (value == JsonToken.VALUE_STRING && name.equals("apiVersion")) {
        apiVersion = p.getText();
      } else if (value == JsonToken.VALUE_STRING && name.equals("kind")) {
        kind = p.getText();
      }
      buffer.copyCurrentStructure(p);
    }
    buffer.writeEndObject();
    Class<?> type = apiVersion == null || kind == null ? null : serialization.getRegisteredKubernetesResource(apiVersion, kind);
    if (type == null) {
      type = KubernetesResource.class;
    }
    try (JsonParser buffered = buffer.asParserOnFirstToken()) {
      return ctxt.readValue(buffered, type);
    }
  }

  /** Copies the metadata object the parser is at, leaving managedFields out. */
  private static void copyWithoutManagedFields(JsonParser p, TokenBuffer buffer) throws IOException {
    buffer.writeStartObject();
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      p.nextToken();
      if (name.equals("managedFields")) {
        p.skipChildren();
        continue;
      }
      buffer.writeFieldName(name);
      buffer.copyCurrentStructure(p);
    }
    buffer.writeEndObject();
  }
}
