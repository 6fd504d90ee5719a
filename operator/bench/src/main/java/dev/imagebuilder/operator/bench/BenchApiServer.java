package dev.imagebuilder.operator.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Fabric8 mock API server in CRUD mode (as the operator's tests use it), with two additions for
 * benchmarking:
 *
 * <ul>
 *   <li>every request is counted as it reaches the server, by method, resource and client (the
 *       bench's own driver identifies itself by its User-Agent, so its writes are not counted as
 *       the operator's);
 *   <li>objects are found by name through an index. The stock dispatcher scans every stored object
 *       on every create, update, patch and get by name ({@code AttributeSet.matches}, which itself
 *       calls {@code HashMap.containsValue}): measured here at 7 ms per create with 1,000 objects
 *       stored and 15 ms with 9,000, so 50,000 sequential creates would take about 40 minutes and
 *       every number would measure that scan, not the client. The index only narrows the
 *       candidates to the objects of that name; each is still checked with the mock's own {@code
 *       matches}, so answers are the same.
 * </ul>
 */
final class BenchApiServer implements AutoCloseable {

  /** The User-Agent of the bench's driver client, whose requests are counted apart. */
  static final String DRIVER_AGENT = "image-pipeline-bench-driver";

  private final KubernetesMockServer server;
  private final Dispatcher dispatcher;
  private final KubernetesClient driver;

  private BenchApiServer() {
    dispatcher = new Dispatcher();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    driver =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl(server.url("/").toString())
                    .withHttp2Disable(true)
                    .withUserAgent(DRIVER_AGENT)
                    .build())
            .build();
  }

  static BenchApiServer start(Path crds) {
    var s = new BenchApiServer();
    try (var files = Files.list(crds)) {
      for (Path file : files.sorted().toList()) {
        try (var in = Files.newInputStream(file)) {
          s.driver.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return s;
  }

  /** A client for the bench itself (its requests are not counted as the operator's). */
  KubernetesClient driver() {
    return driver;
  }

  String url() {
    return server.url("/").toString();
  }

  /** Writes a kubeconfig for clients in other processes. */
  Path writeKubeconfig(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: bench",
            "  cluster:",
            "    server: " + url(),
            "users:",
            "- name: bench",
            "  user:",
            "    token: bench",
            "contexts:",
            "- name: bench",
            "  context:",
            "    cluster: bench",
            "    user: bench",
            "current-context: bench",
            ""));
    return file;
  }

  /** Requests received so far, keyed "METHOD resource" with "driver " in front of the bench's own. */
  Counts counts() {
    drainRequestLog();
    return new Counts(dispatcher.snapshot());
  }

  /** The mock server keeps every request in a queue for tests; the counts are taken in dispatch. */
  private void drainRequestLog() {
    try {
      while (server.takeRequest(0, TimeUnit.MILLISECONDS) != null) {
        // dropped
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    driver.close();
    server.destroy();
  }

  /** A snapshot of request counts. */
  record Counts(Map<String, Long> byKey) {

    Counts minus(Counts before) {
      Map<String, Long> out = new TreeMap<>();
      byKey.forEach((k, v) -> {
        long d = v - before.byKey.getOrDefault(k, 0L);
        if (d != 0) {
          out.put(k, d);
        }
      });
      return new Counts(out);
    }

    /** A read: GET of one object, LIST or WATCH. */
    static boolean read(String key) {
      return key.startsWith("GET ") || key.startsWith("LIST ") || key.startsWith("WATCH ");
    }

    /** POST/PUT/PATCH/DELETE requests not sent by the bench's driver. */
    long writes() {
      return sum(k -> !k.startsWith("driver ") && !read(k));
    }

    /** Creates and updates of ImagePipelineExecutions not sent by the driver. */
    long childWrites() {
      return sum(k -> !k.startsWith("driver ") && !read(k) && k.endsWith(" imagepipelineexecutions"));
    }

    /** Reads of one key, e.g. "GET imagepipelineexecutions" (a real API server's GET of one object). */
    long count(String key) {
      return byKey.getOrDefault(key, 0L);
    }

    /** e.g. "LIST imagepipelineexecutions 1, GET leases 3"; the driver's reads included where the server cannot tell them apart. */
    String readsDetail() {
      return detail(Counts::read);
    }

    long sum(java.util.function.Predicate<String> key) {
      return byKey.entrySet().stream().filter(e -> key.test(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    /** e.g. "POST imagepipelineexecutions 10000, PATCH imagepipelinewatches/status 1". */
    String writesDetail() {
      return detail(k -> !k.startsWith("driver ") && !read(k));
    }

    private String detail(java.util.function.Predicate<String> key) {
      var sb = new StringBuilder();
      byKey.forEach((k, v) -> {
        if (key.test(k)) {
          sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v);
        }
      });
      return sb.length() == 0 ? "none" : sb.toString();
    }
  }

  /** The CRUD dispatcher, counting requests and finding objects by name through an index. */
  private static final class Dispatcher extends KubernetesCrudDispatcher {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    /** Keys of {@link #map} by object name; guarded by the dispatcher's write lock for writes. */
    private final Map<String, Set<AttributeSet>> byName = new ConcurrentHashMap<>();
    private final KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;

    Map<String, Long> snapshot() {
      Map<String, Long> out = new TreeMap<>();
      counts.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String agent = request.getHeader("User-Agent");
      String who = agent != null && agent.startsWith(DRIVER_AGENT) ? "driver " : "";
      counts.computeIfAbsent(who + verb(request.getMethod(), request.getPath()) + " " + resource(request.getPath()),
          k -> new LongAdder()).increment();
      return super.dispatch(request);
    }

    /** As a real API server names it: a GET of a collection is LIST, or WATCH with watch=true. */
    private static String verb(String method, String path) {
      if (!method.equals("GET")) {
        return method;
      }
      if (path.contains("watch=true")) {
        return "WATCH";
      }
      String[] s = segments(path);
      return s.length == resourceAt(s, path) + 1 ? "LIST" : "GET";
    }

    private static String[] segments(String path) {
      int q = path.indexOf('?');
      return (q < 0 ? path : path.substring(0, q)).split("/");
    }

    /** Where the resource's plural is among a path's segments. */
    private static int resourceAt(String[] s, String path) {
      // /apis/group/version/namespaces/ns/plural/name/sub or /api/version/namespaces/ns/plural/name
      int i = path.startsWith("/apis/") ? 4 : 3;
      return s.length > i + 2 && s[i].equals("namespaces") ? i + 2 : i;
    }

    /** "imagepipelineexecutions", "imagepipelinewatches/status", "events", ... */
    private static String resource(String path) {
      String[] s = segments(path);
      int i = resourceAt(s, path);
      if (s.length <= i) {
        return path;
      }
      return s[i] + (s.length > i + 2 ? "/" + s[i + 2] : "");
    }

    @Override
    public MockResponse handleGet(String path) {
      AttributeSet query = getKey(path);
      String name = name(query);
      if (name == null || path.contains("watch=true")) {
        return super.handleGet(path);
      }
      synchronized (map) {
        var entry = lookup(query, name);
        return entry == null
            ? new MockResponse().setResponseCode(404)
            : new MockResponse().setResponseCode(200).setBody(entry.getValue());
      }
    }

    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
      String name = name(attributes);
      if (name == null) {
        return super.findResource(attributes);
      }
      synchronized (map) {
        return lookup(attributes, name);
      }
    }

    private Map.Entry<AttributeSet, String> lookup(AttributeSet query, String name) {
      for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
        String value = map.get(key);
        if (value != null && key.matches(query)) {
          return Map.entry(key, value);
        }
      }
      return null;
    }

    @Override
    public void processEvent(
        String path, AttributeSet pathAttributes, AttributeSet oldAttributes, GenericKubernetesResource resource, String newState) {
      synchronized (map) {
        super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        if (oldAttributes != null) {
          String name = name(oldAttributes);
          if (name != null) {
            byName.computeIfPresent(name, (n, keys) -> {
              keys.remove(oldAttributes);
              return keys.isEmpty() ? null : keys;
            });
          }
        }
        if (newState != null) {
          // The same key the super class stored the object under.
          AttributeSet key = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
          if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
            key = AttributeSet.merge(pathAttributes, key);
          }
          String name = name(key);
          if (name != null && map.containsKey(key)) {
            byName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(key);
          }
        }
      }
    }

    private static String name(AttributeSet set) {
      Attribute a = set.getAttribute(KubernetesAttributesExtractor.NAME);
      return a == null || a.getValues().size() != 1 ? null : a.getValues().get(0).toString();
    }
  }
}
