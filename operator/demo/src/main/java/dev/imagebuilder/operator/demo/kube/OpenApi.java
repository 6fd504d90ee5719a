package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAPI documents built from the stored CRD schemas, for kubectl:
 * <ul>
 * <li>{@code /openapi/v3} lists one document per group version ({@code serverRelativeURL} with a content hash, as
 * kubectl caches by URL);</li>
 * <li>{@code /openapi/v3/apis/<group>/<version>} holds each custom kind's schema (with {@code apiVersion},
 * {@code kind} and {@code metadata} added and tagged {@code x-kubernetes-group-version-kind}) so that
 * {@code kubectl explain kind.field} prints the descriptions, and a PATCH operation per resource that
 * declares the {@code fieldValidation} query parameter and no strategic-merge-patch body: kubectl apply then
 * leaves validation to the server (instead of downloading protobuf OpenAPI v2 for client-side validation)
 * and sends JSON merge patches to custom resources, as against a real cluster;</li>
 * <li>{@code /openapi/v3/apis/apiextensions.k8s.io/v1} describes CustomResourceDefinition the same way, which is
 * also what kubectl consults for built-in group versions that have no document of their own;</li>
 * <li>{@code /openapi/v2} as JSON definitions only (kubectl asks for protobuf there and gets 406).</li>
 * </ul>
 */
final class OpenApi {

  private static final String SCHEMAS = "#/components/schemas/";
  private static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
  private static final String LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
  private static final String PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
  private static final String STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

  private final ObjectMapper json;
  private final Discovery discovery;

  OpenApi(ObjectMapper json, Discovery discovery) {
    this.json = json;
    this.discovery = discovery;
  }

  /** {@code GET /openapi/v3}. */
  ObjectNode v3Root() {
    ObjectNode root = json.createObjectNode();
    ObjectNode paths = root.putObject("paths");
    for (Map.Entry<String, List<ResourceType>> gv : documentedGroupVersions().entrySet()) {
      ObjectNode doc = v3Document(gv.getKey(), gv.getValue());
      paths.putObject(gv.getKey()).put("serverRelativeURL", "/openapi/v3/" + gv.getKey() + "?hash=" + hash(doc));
    }
    return root;
  }

  /** {@code GET /openapi/v3/<api/v1 | apis/group/version>}. */
  Optional<ObjectNode> v3(String groupVersionPath) {
    List<ResourceType> types = documentedGroupVersions().get(groupVersionPath);
    return types == null ? Optional.empty() : Optional.of(v3Document(groupVersionPath, types));
  }

  /** {@code GET /openapi/v2} (JSON): the definitions of every documented kind, no paths. */
  ObjectNode v2() {
    ObjectNode root = json.createObjectNode().put("swagger", "2.0");
    root.putObject("info").put("title", "Kubernetes").put("version", EmbeddedKubernetes.KUBERNETES_VERSION);
    root.putObject("paths");
    ObjectNode definitions = root.putObject("definitions");
    for (Map.Entry<String, List<ResourceType>> gv : documentedGroupVersions().entrySet()) {
      ObjectNode doc = v3Document(gv.getKey(), gv.getValue());
      String text = doc.path("components").path("schemas").toString().replace(SCHEMAS, "#/definitions/");
      try {
        definitions.setAll((ObjectNode) json.readTree(text));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return root;
  }

  private Map<String, List<ResourceType>> documentedGroupVersions() {
    Map<String, List<ResourceType>> gvs = new LinkedHashMap<>();
    for (ResourceType t : discovery.all()) {
      if (t.isCustom() || t.kind().equals("CustomResourceDefinition")) {
        gvs.computeIfAbsent(t.groupVersionPath(), k -> new java.util.ArrayList<>()).add(t);
      }
    }
    return gvs;
  }

  private ObjectNode v3Document(String groupVersionPath, List<ResourceType> types) {
    ObjectNode doc = json.createObjectNode().put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", EmbeddedKubernetes.KUBERNETES_VERSION);
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    for (ResourceType t : types) {
      String name = schemaName(t);
      schemas.set(name, kindSchema(t));
      schemas.set(name + "List", listSchema(t, name));
      addPaths(paths, t, name);
    }
    schemas.set(OBJECT_META, objectMeta());
    schemas.set(LIST_META, json.createObjectNode().put("type", "object")
        .put("description", "ListMeta describes metadata that synthetic resources must have, including lists."));
    schemas.set(PATCH, json.createObjectNode().put("type", "object")
        .put("description", "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."));
    schemas.set(STATUS, json.createObjectNode().put("type", "object")
        .put("description", "Status is a return value for calls that don't return other objects."));
    return doc;
  }

  /** Reverse-DNS schema name like the API server's: {@code dev.example.v1.Widget}. */
  private static String schemaName(ResourceType t) {
    if (t.isCore()) {
      return "io.k8s.api.core." + t.version() + "." + t.kind();
    }
    if (t.group().equals("apiextensions.k8s.io")) {
      return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + t.version() + "." + t.kind();
    }
    List<String> parts = new java.util.ArrayList<>(List.of(t.group().split("\\.")));
    java.util.Collections.reverse(parts);
    return String.join(".", parts) + "." + t.version() + "." + t.kind();
  }

  private ObjectNode gvk(ResourceType t) {
    return json.createObjectNode().put("group", t.group()).put("version", t.version()).put("kind", t.kind());
  }

  private ObjectNode kindSchema(ResourceType t) {
    ObjectNode schema = t.schema() != null && t.schema().isObject()
        ? ((ObjectNode) t.schema()).deepCopy()
        : json.createObjectNode().put("type", "object")
            .put("description", t.kind() + " (schema not published by this embedded server)")
            .put("x-kubernetes-preserve-unknown-fields", true);
    if (!schema.has("type")) {
      schema.put("type", "object");
    }
    ObjectNode properties = schema.has("properties") ? (ObjectNode) schema.get("properties")
        : schema.putObject("properties");
    ObjectNode ordered = json.createObjectNode();
    ordered.putObject("apiVersion").put("type", "string").put("description", "APIVersion defines the versioned "
        + "schema of this representation of an object. Servers should convert recognized schemas to the latest "
        + "internal value, and may reject unrecognized values.");
    ordered.putObject("kind").put("type", "string").put("description", "Kind is a string value representing the "
        + "REST resource this object represents. Servers may infer this from the endpoint the client submits "
        + "requests to. Cannot be updated. In CamelCase.");
    ObjectNode metadata = ordered.putObject("metadata");
    metadata.put("description", "Standard object's metadata. More info: "
        + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");
    metadata.putArray("allOf").addObject().put("$ref", SCHEMAS + OBJECT_META);
    properties.fieldNames().forEachRemaining(f -> {
      if (!ordered.has(f) || !f.equals("metadata")) {
        ordered.set(f, properties.get(f));
      }
    });
    schema.set("properties", ordered);
    schema.putArray("x-kubernetes-group-version-kind").add(gvk(t));
    return schema;
  }

  private ObjectNode listSchema(ResourceType t, String itemSchema) {
    ObjectNode schema = json.createObjectNode().put("type", "object")
        .put("description", t.kind() + "List is a list of " + t.kind());
    schema.putArray("required").add("items");
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("apiVersion").put("type", "string");
    properties.putObject("kind").put("type", "string");
    properties.putObject("items").put("type", "array").putObject("items").put("$ref", SCHEMAS + itemSchema);
    properties.putObject("metadata").putArray("allOf").addObject().put("$ref", SCHEMAS + LIST_META);
    schema.putArray("x-kubernetes-group-version-kind").add(gvk(t).put("kind", t.kind() + "List"));
    return schema;
  }

  private void addPaths(ObjectNode paths, ResourceType t, String schemaName) {
    String prefix = "/" + t.groupVersionPath() + (t.namespaced() ? "/namespaces/{namespace}" : "") + "/"
        + t.plural();
    String op = t.kind();
    ObjectNode collection = paths.putObject(prefix);
    collection.set("get", operation(t, "list", "list" + op, schemaName + "List", false));
    collection.set("post", operation(t, "post", "create" + op, schemaName, false));
    ObjectNode item = paths.putObject(prefix + "/{name}");
    item.set("get", operation(t, "get", "read" + op, schemaName, false));
    item.set("put", operation(t, "put", "replace" + op, schemaName, false));
    item.set("patch", operation(t, "patch", "patch" + op, schemaName, true));
    item.set("delete", operation(t, "delete", "delete" + op, STATUS, false));
    if (t.statusSubresource()) {
      ObjectNode status = paths.putObject(prefix + "/{name}/status");
      status.set("get", operation(t, "get", "read" + op + "Status", schemaName, false));
      status.set("put", operation(t, "put", "replace" + op + "Status", schemaName, false));
      status.set("patch", operation(t, "patch", "patch" + op + "Status", schemaName, true));
    }
  }

  private ObjectNode operation(ResourceType t, String action, String operationId, String responseSchema,
      boolean patch) {
    ObjectNode op = json.createObjectNode().put("operationId", operationId);
    ArrayNode parameters = op.putArray("parameters");
    parameters.addObject().put("name", "dryRun").put("in", "query").putObject("schema").put("type", "string");
    parameters.addObject().put("name", "fieldManager").put("in", "query").putObject("schema").put("type", "string");
    if (patch || action.equals("put") || action.equals("post")) {
      parameters.addObject().put("name", "fieldValidation").put("in", "query")
          .put("description", "fieldValidation instructs the server on how to handle objects in the request "
              + "containing unknown or duplicate fields.")
          .putObject("schema").put("type", "string").put("uniqueItems", true);
    }
    if (patch) {
      parameters.addObject().put("name", "force").put("in", "query").putObject("schema").put("type", "boolean");
      ObjectNode content = op.putObject("requestBody").put("required", true).putObject("content");
      for (String type : List.of("application/json-patch+json", "application/merge-patch+json",
          "application/apply-patch+yaml")) {
        content.putObject(type).putObject("schema").put("$ref", SCHEMAS + PATCH);
      }
    } else if (action.equals("put") || action.equals("post")) {
      op.putObject("requestBody").putObject("content").putObject("application/json").putObject("schema")
          .put("$ref", SCHEMAS + responseSchema);
    }
    op.putObject("responses").putObject("200").put("description", "OK").putObject("content")
        .putObject("application/json").putObject("schema").put("$ref", SCHEMAS + responseSchema);
    op.put("x-kubernetes-action", action);
    op.set("x-kubernetes-group-version-kind", gvk(t));
    return op;
  }

  private ObjectNode objectMeta() {
    ObjectNode meta = json.createObjectNode().put("type", "object").put("description",
        "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must "
            + "create.");
    ObjectNode p = meta.putObject("properties");
    p.putObject("name").put("type", "string").put("description", "Name must be unique within a namespace.");
    p.putObject("generateName").put("type", "string").put("description",
        "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field "
            + "has not been provided.");
    p.putObject("namespace").put("type", "string").put("description",
        "Namespace defines the space within which each name must be unique.");
    p.putObject("uid").put("type", "string").put("description",
        "UID is the unique in time and space value for this object.");
    p.putObject("resourceVersion").put("type", "string").put("description",
        "An opaque value that represents the internal version of this object.");
    p.putObject("generation").put("type", "integer").put("format", "int64").put("description",
        "A sequence number representing a specific generation of the desired state.");
    p.putObject("creationTimestamp").put("type", "string").put("format", "date-time").put("description",
        "CreationTimestamp is a timestamp representing the server time when this object was created.");
    p.putObject("deletionTimestamp").put("type", "string").put("format", "date-time").put("description",
        "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.");
    ObjectNode labels = p.putObject("labels").put("type", "object").put("description",
        "Map of string keys and values that can be used to organize and categorize (scope and select) objects.");
    labels.putObject("additionalProperties").put("type", "string");
    ObjectNode annotations = p.putObject("annotations").put("type", "object").put("description",
        "Annotations is an unstructured key value map stored with a resource that may be set by external tools.");
    annotations.putObject("additionalProperties").put("type", "string");
    ObjectNode finalizers = p.putObject("finalizers").put("type", "array").put("description",
        "Must be empty before the object is deleted from the registry.");
    finalizers.putObject("items").put("type", "string");
    ObjectNode owners = p.putObject("ownerReferences").put("type", "array").put("description",
        "List of objects depended by this object. If ALL objects in the list have been deleted, this object will "
            + "be garbage collected.");
    owners.putObject("items").put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
    return meta;
  }

  private String hash(JsonNode doc) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().withUpperCase().formatHex(digest.digest(doc.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
