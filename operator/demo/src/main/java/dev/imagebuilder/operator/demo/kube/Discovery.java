package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Legacy (non-aggregated) discovery: {@code /api}, {@code /api/v1}, {@code /apis}, {@code /apis/<g>} and
 * {@code /apis/<g>/<v>}, computed on every request from a fixed table of built-in kinds plus every
 * CustomResourceDefinition currently stored. The stock CRUD mock answers these paths with stored objects,
 * which makes kubectl's RESTMapper fail.
 *
 * <p>kubectl asks for aggregated discovery ({@code as=APIGroupDiscoveryList}) first, but accepts plain
 * {@code application/json} and then falls back to these documents.
 */
final class Discovery {

  static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update",
      "watch");
  private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

  private static final List<ResourceType> BUILT_IN = List.of(
      builtIn("", "namespaces", "Namespace", false, List.of("ns"), List.of(), true),
      builtIn("", "pods", "Pod", true, List.of("po"), List.of("all"), true),
      builtIn("", "services", "Service", true, List.of("svc"), List.of("all"), true),
      builtIn("", "configmaps", "ConfigMap", true, List.of("cm"), List.of(), false),
      builtIn("", "secrets", "Secret", true, List.of(), List.of(), false),
      builtIn("", "serviceaccounts", "ServiceAccount", true, List.of("sa"), List.of(), false),
      builtIn("", "events", "Event", true, List.of("ev"), List.of(), false),
      builtIn("", "endpoints", "Endpoints", true, List.of("ep"), List.of(), false),
      builtIn("", "persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc"), List.of(), true),
      builtIn("apps/v1", "deployments", "Deployment", true, List.of("deploy"), List.of("all"), true),
      builtIn("apps/v1", "statefulsets", "StatefulSet", true, List.of("sts"), List.of("all"), true),
      builtIn("apps/v1", "replicasets", "ReplicaSet", true, List.of("rs"), List.of("all"), true),
      builtIn("apps/v1", "daemonsets", "DaemonSet", true, List.of("ds"), List.of("all"), true),
      builtIn("batch/v1", "jobs", "Job", true, List.of(), List.of("all"), true),
      builtIn("batch/v1", "cronjobs", "CronJob", true, List.of("cj"), List.of("all"), true),
      builtIn("coordination.k8s.io/v1", "leases", "Lease", true, List.of(), List.of(), false),
      builtIn("events.k8s.io/v1", "events", "Event", true, List.of("ev"), List.of(), false),
      builtIn("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", false,
          List.of("crd", "crds"), List.of("api-extensions"), true));

  private final ObjectMapper json;
  private final Supplier<List<JsonNode>> crds;

  /**
   * @param crds supplies the CustomResourceDefinitions currently stored (apiextensions.k8s.io/v1 JSON)
   */
  Discovery(ObjectMapper json, Supplier<List<JsonNode>> crds) {
    this.json = json;
    this.crds = crds;
  }

  private static ResourceType builtIn(String groupVersion, String plural, String kind, boolean namespaced,
      List<String> shortNames, List<String> categories, boolean status) {
    String group = groupVersion.contains("/") ? groupVersion.substring(0, groupVersion.indexOf('/')) : "";
    String version = groupVersion.contains("/") ? groupVersion.substring(groupVersion.indexOf('/') + 1) : "v1";
    return new ResourceType(group, version, plural, kind.toLowerCase(), kind, namespaced, shortNames, categories,
        status, false, List.of(), null);
  }

  /** Every served resource: built-ins first, then one entry per served version of each stored CRD. */
  List<ResourceType> all() {
    List<ResourceType> all = new ArrayList<>(BUILT_IN);
    for (JsonNode crd : crds.get()) {
      all.addAll(fromCrd(crd));
    }
    return all;
  }

  Optional<ResourceType> find(String group, String version, String plural) {
    String g = group == null ? "" : group;
    return all().stream()
        .filter(t -> t.group().equals(g) && t.version().equals(version) && t.plural().equals(plural))
        .findFirst();
  }

  Optional<ResourceType> findKind(String apiVersion, String kind) {
    return all().stream().filter(t -> t.apiVersion().equals(apiVersion) && t.kind().equals(kind)).findFirst();
  }

  static List<ResourceType> fromCrd(JsonNode crd) {
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    List<ResourceType> types = new ArrayList<>();
    for (JsonNode v : spec.path("versions")) {
      if (!v.path("served").asBoolean(true)) {
        continue;
      }
      List<JsonNode> columns = new ArrayList<>();
      v.path("additionalPrinterColumns").forEach(columns::add);
      String plural = names.path("plural").asText();
      types.add(new ResourceType(
          spec.path("group").asText(),
          v.path("name").asText(),
          plural,
          names.path("singular").asText(names.path("kind").asText().toLowerCase()),
          names.path("kind").asText(),
          !"Cluster".equals(spec.path("scope").asText("Namespaced")),
          strings(names.path("shortNames")),
          strings(names.path("categories")),
          v.path("subresources").has("status"),
          v.path("subresources").has("scale"),
          columns,
          v.path("schema").path("openAPIV3Schema")));
    }
    return types;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** {@code GET /api}. */
  ObjectNode apiVersions(String serverAddress) {
    ObjectNode root = json.createObjectNode().put("kind", "APIVersions");
    root.putArray("versions").add("v1");
    root.putArray("serverAddressByClientCIDRs").addObject()
        .put("clientCIDR", "0.0.0.0/0")
        .put("serverAddress", serverAddress);
    return root;
  }

  /** {@code GET /apis}: every non-core group, built-in and custom. */
  ObjectNode groupList() {
    ObjectNode root = json.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode groups = root.putArray("groups");
    groupVersions().forEach((group, versions) -> groups.add(group(group, versions)));
    return root;
  }

  /** {@code GET /apis/<group>}, empty when the group is unknown. */
  Optional<ObjectNode> group(String group) {
    Set<String> versions = groupVersions().get(group);
    if (versions == null) {
      return Optional.empty();
    }
    return Optional.of(group(group, versions).put("kind", "APIGroup").put("apiVersion", "v1"));
  }

  private ObjectNode group(String group, Set<String> versions) {
    ObjectNode g = json.createObjectNode().put("name", group);
    ArrayNode vs = g.putArray("versions");
    for (String v : versions) {
      vs.addObject().put("groupVersion", group + "/" + v).put("version", v);
    }
    String preferred = versions.iterator().next();
    g.putObject("preferredVersion").put("groupVersion", group + "/" + preferred).put("version", preferred);
    return g;
  }

  /** Groups with their versions in Kubernetes priority order (GA before beta before alpha, newest first). */
  private Map<String, Set<String>> groupVersions() {
    Map<String, Set<String>> groups = new LinkedHashMap<>();
    for (ResourceType t : all()) {
      if (!t.isCore()) {
        groups.computeIfAbsent(t.group(), k -> new java.util.TreeSet<>(Discovery::compareVersions)).add(t.version());
      }
    }
    return groups;
  }

  private static final java.util.regex.Pattern KUBE_VERSION =
      java.util.regex.Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

  /** Kubernetes version priority, highest first: v2, v1, v1beta2, v1beta1, v1alpha1, then others by name. */
  static int compareVersions(String a, String b) {
    java.util.regex.Matcher ma = KUBE_VERSION.matcher(a);
    java.util.regex.Matcher mb = KUBE_VERSION.matcher(b);
    boolean ka = ma.matches();
    boolean kb = mb.matches();
    if (!ka || !kb) {
      return ka ? -1 : kb ? 1 : a.compareTo(b);
    }
    int stability = Integer.compare(stability(mb.group(2)), stability(ma.group(2)));
    if (stability != 0) {
      return stability;
    }
    int major = Integer.compare(Integer.parseInt(mb.group(1)), Integer.parseInt(ma.group(1)));
    if (major != 0 || ma.group(3) == null) {
      return major;
    }
    return Integer.compare(Integer.parseInt(mb.group(3)), Integer.parseInt(ma.group(3)));
  }

  private static int stability(String level) {
    return level == null ? 2 : level.equals("beta") ? 1 : 0;
  }

  /**
   * {@code GET /api/v1} ({@code group} empty) or {@code GET /apis/<group>/<version>}: the APIResourceList with
   * verbs, short names, categories, scope and the {@code status}/{@code scale} subresources.
   */
  Optional<ObjectNode> resourceList(String group, String version) {
    List<ResourceType> types = all().stream()
        .filter(t -> t.group().equals(group) && t.version().equals(version))
        .toList();
    if (types.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode root = json.createObjectNode()
        .put("kind", "APIResourceList")
        .put("apiVersion", "v1")
        .put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode resources = root.putArray("resources");
    for (ResourceType t : types) {
      ObjectNode r = resources.addObject()
          .put("name", t.plural())
          .put("singularName", t.singular())
          .put("namespaced", t.namespaced())
          .put("kind", t.kind());
      VERBS.forEach(r.putArray("verbs")::add);
      if (!t.shortNames().isEmpty()) {
        t.shortNames().forEach(r.putArray("shortNames")::add);
      }
      if (!t.categories().isEmpty()) {
        t.categories().forEach(r.putArray("categories")::add);
      }
      if (t.statusSubresource()) {
        ObjectNode s = resources.addObject()
            .put("name", t.plural() + "/status")
            .put("singularName", "")
            .put("namespaced", t.namespaced())
            .put("kind", t.kind());
        SUBRESOURCE_VERBS.forEach(s.putArray("verbs")::add);
      }
      if (t.scaleSubresource()) {
        ObjectNode s = resources.addObject()
            .put("name", t.plural() + "/scale")
            .put("singularName", "")
            .put("namespaced", t.namespaced())
            .put("group", "autoscaling")
            .put("version", "v1")
            .put("kind", "Scale");
        SUBRESOURCE_VERBS.forEach(s.putArray("verbs")::add);
      }
    }
    return Optional.of(root);
  }
}
