package dev.imagebuilder.operator.ecs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One page of a DescribeImagePipelineExecutions answer, read in one pass over the bytes ECS sent
 * rather than through the SDK's JSON reader, which parses every body twice into maps (and then,
 * for its response classes, binds them by reflection): that cost more CPU than the rest of a poll
 * with nothing to write. Nothing in the answer is trusted to have the shape the API reference
 * gives: a field of another type is read as absent, a scalar where text is expected is read as
 * its text, and of a field given twice the last counts. A body that is not one whole JSON object
 * is refused, and so is one past Jackson's bounds (nesting deeper than 1,000, a number of more
 * than 1,000 digits, a string of more than 20 million characters) or with bytes that are not
 * UTF-8 in a field that is read: ECS sends none of these.
 *
 * @param totalCount what ECS says the listing holds; null when it says nothing usable
 * @param nextToken where the next page starts; null or empty on the last page
 */
record EcsPage(Long totalCount, String nextToken, List<EcsExecution> executions) {

  /** Strict JSON, with Jackson's bounds on nesting, numbers and the length of one string. */
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * The page in the body of an answer.
   *
   * @throws EcsException {@code UnreadableAnswer} when the body is not one whole JSON object: the
   *     listing cannot go on, and is tried again later
   */
  static EcsPage read(byte[] body) throws EcsException {
    try {
      return parse(body);
    } catch (IOException e) {
      // Jackson's message may quote the body; only what went wrong is kept.
      throw new EcsException(
          EcsException.Kind.UNAVAILABLE,
          "UnreadableAnswer",
          "ECS answered with something other than one JSON object (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static EcsPage parse(byte[] body) throws IOException {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new JsonParseException(p, "the answer is not a JSON object");
      }
      Long totalCount = null;
      String nextToken = null;
      List<EcsExecution> executions = List.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "TotalCount" -> totalCount = count(p);
          case "NextToken" -> nextToken = text(p);
          case "ImagePipelineExecution" -> executions = executionSet(p);
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new JsonParseException(p, "the answer goes on after its JSON object");
      }
      return new EcsPage(totalCount, nextToken, executions);
    }
  }

  /** {@code {"ImagePipelineExecutionSet": [execution, ...]}}; items that are not objects are left out. */
  private static List<EcsExecution> executionSet(JsonParser p) throws IOException {
    return listAt(p, "ImagePipelineExecutionSet", item -> {
      if (item.currentToken() != JsonToken.START_OBJECT) {
        item.skipChildren();
        return null;
      }
      return execution(item);
    });
  }

  private static EcsExecution execution(JsonParser p) throws IOException {
    String executionId = null, imagePipelineId = null, status = null, imageId = null, message = null;
    String creationTime = null, modifiedTime = null, resourceGroupId = null;
    Map<String, String> tags = Map.of();
    for (String field = firstField(p); field != null; field = nextField(p)) {
      switch (field) {
        case "ExecutionId" -> executionId = text(p);
        case "ImagePipelineId" -> imagePipelineId = text(p);
        case "Status" -> status = text(p);
        case "ImageId" -> imageId = text(p);
        case "Message" -> message = text(p);
        case "CreationTime" -> creationTime = text(p);
        case "ModifiedTime" -> modifiedTime = text(p);
        case "ResourceGroupId" -> resourceGroupId = text(p);
        case "Tags" -> tags = tags(p);
        default -> p.skipChildren();
      }
    }
    return new EcsExecution(
        executionId, imagePipelineId, status, imageId, message, creationTime, modifiedTime, resourceGroupId, tags);
  }

  /** {@code {"Tag": [{"TagKey": k, "TagValue": v}, ...]}}; a tag without a key is left out. */
  private static Map<String, String> tags(JsonParser p) throws IOException {
    Map<String, String> tags = new LinkedHashMap<>();
    for (Tag tag : listAt(p, "Tag", EcsPage::tag)) {
      tags.put(tag.key(), tag.value());
    }
    return tags;
  }

  private record Tag(String key, String value) {}

  private static Tag tag(JsonParser p) throws IOException {
    String key = null;
    String value = null;
    for (String field = firstField(p); field != null; field = nextField(p)) {
      switch (field) {
        case "TagKey" -> key = text(p);
        case "TagValue" -> value = text(p);
        default -> p.skipChildren();
      }
    }
    return key == null ? null : new Tag(key, value);
  }

  /** Reads one item of a list, the parser on its first token; null leaves it out. */
  private interface ItemReader<T> {
    T read(JsonParser p) throws IOException;
  }

  /**
   * The items of the list in field {@code field} of the object the parser stands at. Of a field
   * given twice the last counts, and one that is not a list gives none, as a map of the JSON would.
   */
  private static <T> List<T> listAt(JsonParser p, String field, ItemReader<T> reader) throws IOException {
    List<T> items = new ArrayList<>();
    for (String name = firstField(p); name != null; name = nextField(p)) {
      if (!name.equals(field)) {
        p.skipChildren();
        continue;
      }
      items = new ArrayList<>();
      if (p.currentToken() != JsonToken.START_ARRAY) {
        p.skipChildren();
        continue;
      }
      while (p.nextToken() != JsonToken.END_ARRAY) {
        T item = reader.read(p);
        if (item != null) {
          items.add(item);
        }
      }
    }
    return items;
  }

  /**
   * The first field of the object the parser stands at, with the parser on its value; null, the
   * value skipped, when the value there is not an object.
   */
  private static String firstField(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    return nextField(p);
  }

  /** The next field of the current object, with the parser on its value; null at the object's end. */
  private static String nextField(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.FIELD_NAME) {
      return null;
    }
    String field = p.currentName();
    p.nextToken();
    return field;
  }

  /** Text, or the text of a number or boolean; anything else is absent (and skipped). */
  private static String text(JsonParser p) throws IOException {
    return switch (p.currentToken()) {
      case VALUE_STRING, VALUE_NUMBER_INT -> p.getText();
      // As ECS's own SDK reads a fraction: a double.
      case VALUE_NUMBER_FLOAT -> String.valueOf(p.getDoubleValue());
      case VALUE_TRUE -> "true";
      case VALUE_FALSE -> "false";
      default -> {
        p.skipChildren();
        yield null;
      }
    };
  }

  /** A whole number that fits a long, given as a number or as its digits; anything else is absent. */
  private static Long count(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getLongValue();
    }
    String text = text(p);
    return p.currentToken() == JsonToken.VALUE_STRING && text.matches("[0-9]{1,18}") ? Long.parseLong(text) : null;
  }
}
