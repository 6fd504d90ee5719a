package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Server-side printing: answers {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io} with a
 * {@code meta.k8s.io/v1} Table, as kubectl {@code get} expects. Columns follow the real API server:
 * for a custom resource NAME plus the CRD version's {@code additionalPrinterColumns} (or NAME and AGE
 * when it declares none, which is what the API server defaults them to); for built-in kinds NAME and AGE
 * (namespaces add STATUS, CRDs print CREATED AT instead of AGE).
 *
 * <p>{@code date} cells are rendered to a human-readable age ({@code 42s}, {@code 5m3s}, {@code 3d}) by the
 * server, exactly as the apiextensions server does; kubectl prints cells as they come.
 */
final class TablePrinter {

  private static final String NAME_DESCRIPTION = "Name must be unique within a namespace. Is required when "
      + "creating resources, although some resources may allow a client to request the generation of an "
      + "appropriate name automatically. Name is primarily intended for creation idempotence and configuration "
      + "definition. Cannot be updated. More info: "
      + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
  private static final String AGE_DESCRIPTION = "CreationTimestamp is a timestamp representing the server time "
      + "when this object was created.";

  private final ObjectMapper json;
  private final Clock clock;

  TablePrinter(ObjectMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
  }

  /** Whether an Accept header asks for a meta.k8s.io Table (kubectl lists v1, v1beta1 and plain JSON). */
  static boolean wantsTable(String accept) {
    if (accept == null) {
      return false;
    }
    for (String alternative : accept.split(",")) {
      String a = alternative.replace(" ", "");
      if (a.contains("as=Table") && a.contains("g=meta.k8s.io")) {
        return true;
      }
    }
    return false;
  }

  private record Column(String name, String type, String format, String description, int priority,
      Function<JsonNode, JsonNode> cell) {
  }

  /**
   * @param body a single object or a list ({@code items})
   * @param includeObject {@code None}, {@code Metadata} (the default) or {@code Object}: what each row carries
   */
  ObjectNode toTable(JsonNode body, ResourceType type, String includeObject) {
    List<Column> columns = columns(type);
    ObjectNode table = json.createObjectNode()
        .put("kind", "Table")
        .put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", body.path("metadata").path("resourceVersion").asText(""));
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column c : columns) {
      definitions.addObject()
          .put("name", c.name())
          .put("type", c.type())
          .put("format", c.format())
          .put("description", c.description())
          .put("priority", c.priority());
    }
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> objects = new ArrayList<>();
    if (body.has("items")) {
      body.path("items").forEach(objects::add);
    } else {
      objects.add(body);
    }
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) {
        cells.add(c.cell().apply(object));
      }
      rowObject(object, includeObject, row);
    }
    return table;
  }

  private void rowObject(JsonNode object, String includeObject, ObjectNode row) {
    String mode = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
    switch (mode) {
      case "None":
        break;
      case "Object":
        row.set("object", object);
        break;
      default:
        row.putObject("object")
            .put("kind", "PartialObjectMetadata")
            .put("apiVersion", "meta.k8s.io/v1")
            .set("metadata", object.path("metadata"));
    }
  }

  private List<Column> columns(ResourceType type) {
    List<Column> columns = new ArrayList<>();
    columns.add(new Column("Name", "string", "name", NAME_DESCRIPTION, 0,
        o -> text(o.path("metadata").path("name"))));
    if (!type.printerColumns().isEmpty()) {
      for (JsonNode c : type.printerColumns()) {
        columns.add(customColumn(c));
      }
      return columns;
    }
    if (type.isCore() && type.kind().equals("Namespace")) {
      columns.add(new Column("Status", "string", "", "The status of the namespace", 0,
          o -> text(o.path("status").path("phase"))));
    }
    if (type.kind().equals("CustomResourceDefinition")) {
      columns.add(new Column("Created At", "date", "", AGE_DESCRIPTION, 0,
          o -> text(o.path("metadata").path("creationTimestamp"))));
      return columns;
    }
    columns.add(new Column("Age", "date", "", AGE_DESCRIPTION, 0,
        o -> age(o.path("metadata").path("creationTimestamp"))));
    return columns;
  }

  private Column customColumn(JsonNode definition) {
    String type = definition.path("type").asText("string");
    JsonPath path = JsonPath.compile(definition.path("jsonPath").asText());
    return new Column(
        definition.path("name").asText(),
        type,
        definition.path("format").asText(""),
        definition.path("description").asText(""),
        definition.path("priority").asInt(0),
        o -> {
          List<JsonNode> results = path.evaluate(o);
          if (results.isEmpty()) {
            return NullNode.getInstance();
          }
          return cell(type, results.get(0));
        });
  }

  private JsonNode cell(String type, JsonNode value) {
    switch (type) {
      case "integer":
        return value.canConvertToLong() ? JsonNodeFactory.instance.numberNode(value.asLong()) : value;
      case "number":
        return value.isNumber() ? JsonNodeFactory.instance.numberNode(value.asDouble()) : value;
      case "boolean":
        return value.isBoolean() ? value : JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(value.asText()));
      case "date":
        return age(value);
      default:
        return text(value);
    }
  }

  private static JsonNode text(JsonNode value) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return NullNode.getInstance();
    }
    return JsonNodeFactory.instance.textNode(value.isValueNode() ? value.asText() : value.toString());
  }

  private JsonNode age(JsonNode timestamp) {
    if (timestamp == null || !timestamp.isTextual()) {
      return NullNode.getInstance();
    }
    try {
      Duration d = Duration.between(Instant.parse(timestamp.asText()), clock.instant());
      return JsonNodeFactory.instance.textNode(humanDuration(d));
    } catch (DateTimeParseException e) {
      return JsonNodeFactory.instance.textNode("<invalid>");
    }
  }

  /** Port of k8s.io/apimachinery/pkg/util/duration.HumanDuration, which kubectl and the API server use. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
