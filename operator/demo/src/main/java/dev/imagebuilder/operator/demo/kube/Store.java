package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonDiff;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The Fabric8 CRUD mock's dispatcher with the write semantics a real API server has and the mock lacks.
 * Everything it stores still goes through {@link KubernetesCrudDispatcher} (so uid, creationTimestamp,
 * resourceVersion and generation bumps, the status subresource rules of CRDs created in it, finalizers and its
 * WebSocket watches all stay the mock's); on top of it:
 * <ul>
 * <li>JSON merge patches are applied per RFC 7386 (the mock merges with Jackson's readerForUpdating, which appends
 * to arrays and stores explicit nulls) and handed to the mock as the equivalent JSON patch;</li>
 * <li>strategic merge patches (kubectl annotate/label/apply on built-in kinds) and server-side apply patches
 * ({@code application/apply-patch+yaml}, which JOSDK uses by default) are accepted, approximated as merge patches
 * (the mock answers 415); an apply of a missing object creates it;</li>
 * <li>query strings are dropped from write paths (the mock tests {@code path.endsWith("/status")} literally, so
 * {@code .../status?fieldManager=x} would otherwise write the whole object);</li>
 * <li>names from {@code generateName} get a 5-character suffix; namespaces get {@code status.phase: Active};
 * CRDs get an {@code Established} status with their accepted names;</li>
 * <li>every removal is reported to a listener (the {@link GarbageCollector}), and {@code propagationPolicy: Orphan}
 * is remembered per uid for it.</li>
 * </ul>
 * Writes are serialised by one monitor, so a patch reads and writes the same version of an object.
 */
final class Store extends KubernetesCrudDispatcher {

  private static final String JSON_PATCH = "application/json-patch+json";
  private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

  private final ObjectMapper json;
  private final YAMLMapper yaml = new YAMLMapper();
  private final SecureRandom random = new SecureRandom();
  private final Object writes = new Object();
  private final Set<String> orphaned = ConcurrentHashMap.newKeySet();
  private volatile Consumer<JsonNode> removalListener = o -> {
  };

  /** A stored object with the path it lives under. */
  record StoredObject(String path, JsonNode object) {
  }

  Store(ObjectMapper json) {
    this.json = json;
  }

  void onRemoval(Consumer<JsonNode> listener) {
    this.removalListener = listener;
  }

  /** Whether the object with this uid was deleted with {@code propagationPolicy: Orphan} (forgets it). */
  boolean takeOrphaned(String uid) {
    return orphaned.remove(uid);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    switch (request.method()) {
      case POST:
      case PUT:
      case PATCH:
      case DELETE:
        synchronized (writes) {
          return write(request);
        }
      default:
        return super.dispatch(request);
    }
  }

  private MockResponse write(RecordedRequest request) {
    String path = withoutQuery(request.getPath());
    String body = request.getBody() == null ? "" : request.getBody().readUtf8();
    try {
      switch (request.method()) {
        case POST:
          return super.dispatch(copy(request, path, request.getHeader("Content-Type"), defaults(body, true)));
        case PUT:
          String replacement = defaults(body, false);
          MockResponse put = super.dispatch(copy(request, path, request.getHeader("Content-Type"), replacement));
          if (put.code() < 300 && (put.getBody() == null || put.getBody().size() == 0)) {
            put.setBody(replacement); // the update removed the last finalizer: the mock deleted and said nothing
          }
          return put;
        case PATCH:
          return patch(request, path, body);
        case DELETE:
          rememberPropagation(path, body);
          return handleDelete(path);
        default:
          throw new IllegalStateException();
      }
    } catch (IOException | IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage());
    }
  }

  private MockResponse patch(RecordedRequest request, String path, String body) throws IOException {
    String contentType = request.getHeader("Content-Type");
    String type = contentType == null ? JSON_PATCH : contentType.split(";")[0].trim().toLowerCase();
    JsonNode patch;
    switch (type) {
      case JSON_PATCH:
      case "application/merge-patch+json":
        patch = json.readTree(body);
        break;
      case "application/strategic-merge-patch+json":
        patch = withoutDirectives(json.readTree(body));
        break;
      case "application/apply-patch+yaml":
        patch = yaml.readTree(body);
        if (patch instanceof ObjectNode) {
          ((ObjectNode) patch).with("metadata").remove("managedFields");
        }
        break;
      default:
        return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
            + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
            + "application/apply-patch+yaml, application/strategic-merge-patch+json");
    }
    Map.Entry<AttributeSet, String> current;
    synchronized (map) {
      current = findResource(getKey(path));
    }
    if (current == null) {
      if (type.equals("application/apply-patch+yaml") && !path.endsWith("/status")) {
        String collection = path.substring(0, path.lastIndexOf('/'));
        RecordedRequest create = new RecordedRequest(request.getHttpVersion(), HttpMethod.POST, collection,
            Headers.builder().add("Content-Type", "application/json").build(), utf8(defaults(patch.toString(), true)));
        return super.dispatch(create);
      }
      return notFound(path);
    }
    JsonNode before = json.readTree(current.getValue());
    JsonNode after;
    String jsonPatch;
    if (type.equals(JSON_PATCH)) {
      try {
        after = io.fabric8.zjsonpatch.JsonPatch.apply(patch, before);
      } catch (RuntimeException e) {
        return status(422, "Invalid", "the JSON patch cannot be applied: " + e.getMessage());
      }
      jsonPatch = body;
    } else {
      after = mergePatch(before.deepCopy(), patch);
      jsonPatch = JsonDiff.asJson(before, after).toString();
    }
    MockResponse response = super.dispatch(copy(request, path, JSON_PATCH, jsonPatch));
    if (response.code() < 300 && (response.getBody() == null || response.getBody().size() == 0)) {
      // the patch removed the last finalizer and the mock deleted the object: answer its final state
      response.setResponseCode(200).setBody(after.toString());
    }
    return response;
  }

  /** RFC 7386 JSON merge patch. */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = target != null && target.isObject() ? (ObjectNode) target
        : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  /** Strategic merge patch minus its directives ({@code $patch}, {@code $setElementOrder/...}, {@code $retainKeys}...). */
  private static JsonNode withoutDirectives(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      List<String> directives = new ArrayList<>();
      o.fieldNames().forEachRemaining(f -> {
        if (f.startsWith("$")) {
          directives.add(f);
        }
      });
      o.remove(directives);
      o.elements().forEachRemaining(Store::withoutDirectives);
    } else if (node.isArray()) {
      node.elements().forEachRemaining(Store::withoutDirectives);
    }
    return node;
  }

  /** What a real API server fills in on create/update that the mock does not. */
  private String defaults(String body, boolean create) throws IOException {
    JsonNode node = body.isEmpty() ? null : json.readTree(body);
    if (!(node instanceof ObjectNode)) {
      return body;
    }
    ObjectNode object = (ObjectNode) node;
    ObjectNode metadata = object.with("metadata");
    if (create && metadata.path("name").asText("").isEmpty() && metadata.has("generateName")) {
      StringBuilder suffix = new StringBuilder();
      for (int i = 0; i < 5; i++) {
        suffix.append(ALPHANUMS.charAt(random.nextInt(ALPHANUMS.length())));
      }
      metadata.put("name", metadata.path("generateName").asText() + suffix);
    }
    String kind = object.path("kind").asText();
    String apiVersion = object.path("apiVersion").asText();
    if (kind.equals("Namespace") && apiVersion.equals("v1") && !object.path("status").has("phase")) {
      object.with("status").put("phase", "Active");
      if (!object.path("spec").has("finalizers")) {
        object.with("spec").putArray("finalizers").add("kubernetes");
      }
    }
    if (kind.equals("CustomResourceDefinition") && apiVersion.startsWith("apiextensions.k8s.io/")) {
      establish(object);
    }
    return object.toString();
  }

  private static void establish(ObjectNode crd) {
    ObjectNode status = crd.with("status");
    status.set("acceptedNames", crd.path("spec").path("names").deepCopy());
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    ArrayNode conditions = status.putArray("conditions");
    conditions.addObject().put("type", "NamesAccepted").put("status", "True").put("reason", "NoConflicts")
        .put("message", "no conflicts found").put("lastTransitionTime", now);
    conditions.addObject().put("type", "Established").put("status", "True").put("reason", "InitialNamesAccepted")
        .put("message", "the initial names have been accepted").put("lastTransitionTime", now);
    ArrayNode stored = status.putArray("storedVersions");
    crd.path("spec").path("versions").forEach(v -> {
      if (v.path("storage").asBoolean(false)) {
        stored.add(v.path("name").asText());
      }
    });
  }

  private void rememberPropagation(String path, String body) throws IOException {
    if (body.isBlank()) {
      return;
    }
    JsonNode options = json.readTree(body);
    boolean orphan = "Orphan".equals(options.path("propagationPolicy").asText())
        || !options.path("orphanDependents").asBoolean(true);
    if (!orphan) {
      return;
    }
    Map.Entry<AttributeSet, String> current;
    synchronized (map) {
      current = findResource(getKey(path));
    }
    if (current != null) {
      orphaned.add(json.readTree(current.getValue()).path("metadata").path("uid").asText());
    }
  }

  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    String existing = oldAttributes == null ? null : map.get(oldAttributes);
    String state = newState;
    if (state != null && state.contains("\"status\":null")) {
      // the mock's PATCH turns a missing status into an explicit null; a real server stores no status at all
      try {
        JsonNode node = json.readTree(state);
        if (node instanceof ObjectNode && node.path("status").isNull()) {
          ((ObjectNode) node).remove("status");
          state = node.toString();
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    super.processEvent(path, pathAttributes, oldAttributes, resource, state);
    if (state == null && existing != null) {
      try {
        removalListener.accept(json.readTree(existing));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Deletes through the normal path (finalizers respected, watchers and the garbage collector told). */
  MockResponse delete(String path) {
    synchronized (writes) {
      return handleDelete(path);
    }
  }

  /** Applies a JSON patch through the normal path. */
  MockResponse jsonPatch(String path, String patch) {
    synchronized (writes) {
      return super.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, path,
          Headers.builder().add("Content-Type", JSON_PATCH).build(), utf8(patch)));
    }
  }

  /** A consistent copy of everything stored, each with its canonical path. */
  List<StoredObject> snapshot() {
    List<Map.Entry<AttributeSet, String>> entries;
    synchronized (map) {
      entries = new ArrayList<>(map.entrySet());
    }
    List<StoredObject> objects = new ArrayList<>();
    for (Map.Entry<AttributeSet, String> e : entries) {
      try {
        objects.add(new StoredObject(pathOf(e.getKey()), json.readTree(e.getValue())));
      } catch (IOException ex) {
        throw new IllegalStateException(ex);
      }
    }
    return objects;
  }

  /** The stored objects of one resource, for discovery (CRDs) and the like. */
  List<JsonNode> list(String group, String version, String plural) {
    List<String> bodies = new ArrayList<>();
    synchronized (map) {
      for (Map.Entry<AttributeSet, String> e : map.entrySet()) {
        AttributeSet key = e.getKey();
        if (java.util.Objects.equals(value(key, KubernetesAttributesExtractor.API), group.isEmpty() ? null : group)
            && version.equals(value(key, KubernetesAttributesExtractor.VERSION))
            && plural.equals(value(key, KubernetesAttributesExtractor.PLURAL))) {
          bodies.add(e.getValue());
        }
      }
    }
    List<JsonNode> out = new ArrayList<>();
    for (String body : bodies) {
      try {
        out.add(json.readTree(body));
      } catch (IOException ex) {
        throw new IllegalStateException(ex);
      }
    }
    return out;
  }

  private static String pathOf(AttributeSet key) {
    String api = value(key, KubernetesAttributesExtractor.API);
    String version = value(key, KubernetesAttributesExtractor.VERSION);
    String namespace = value(key, KubernetesAttributesExtractor.NAMESPACE);
    String plural = value(key, KubernetesAttributesExtractor.PLURAL);
    String name = value(key, KubernetesAttributesExtractor.NAME);
    return (api == null ? "/api/" + version : "/apis/" + api + "/" + version)
        + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural + "/" + name;
  }

  private static String value(AttributeSet set, String key) {
    Attribute attribute = set.getAttribute(key);
    return attribute == null || attribute.getValues().isEmpty() ? null : attribute.getValues().get(0).toString();
  }

  static String withoutQuery(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  private static RecordedRequest copy(RecordedRequest request, String path, String contentType, String body) {
    Headers.Builder headers = request.getHeaders().newBuilder();
    headers.removeAll("Content-Type");
    if (contentType != null) {
      headers.add("Content-Type", contentType);
    }
    return new RecordedRequest(request.getHttpVersion(), request.method(), path, headers.build(), utf8(body));
  }

  private static Buffer utf8(String body) {
    return new Buffer(body.getBytes(StandardCharsets.UTF_8));
  }

  private MockResponse notFound(String path) {
    String name = path.replaceAll("/status$", "");
    name = name.substring(name.lastIndexOf('/') + 1);
    return status(404, "NotFound", "\"" + name + "\" not found");
  }

  MockResponse status(int code, String reason, String message) {
    ObjectNode status = json.createObjectNode()
        .put("kind", "Status").put("apiVersion", "v1")
        .put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    status.putObject("metadata");
    return new MockResponse().setResponseCode(code).setBody(status.toString());
  }
}
