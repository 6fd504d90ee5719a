package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A Kubernetes API server for laptop demos: the Fabric8 CRUD mock server's storage behind a plain-HTTP front on
 * 127.0.0.1 that adds what kubectl and controllers expect of a real one (discovery, {@code /version}, health,
 * OpenAPI from the CRD schemas, server-side Table printing, HTTP-streamed and WebSocket watches, set-based label
 * selectors, merge/strategic/apply patches, ownerReference garbage collection). It works from whatever
 * CustomResourceDefinitions (apiextensions.k8s.io/v1) are created in it.
 *
 * <pre>{@code
 * try (EmbeddedKubernetes kube = EmbeddedKubernetes.start(0)) {
 *   kube.writeKubeconfig(Path.of("target/kubeconfig"));  // KUBECONFIG=target/kubeconfig kubectl get crd
 *   kube.client().resource(crd).create();
 * }
 * }</pre>
 */
public final class EmbeddedKubernetes implements AutoCloseable {

  /** The version {@code /version} reports. */
  public static final String KUBERNETES_VERSION = "v1.33.0";
  /** The bearer token written to kubeconfigs; the server accepts any token or none. */
  public static final String TOKEN = "embedded-kubernetes-demo-token";

  private static final String HOST = "127.0.0.1";

  private final Store store;
  private final GarbageCollector garbageCollector;
  private final ApiServer apiServer;
  private final int port;
  private KubernetesClient client;

  private EmbeddedKubernetes(int requestedPort) {
    ObjectMapper json = new ObjectMapper();
    store = new Store(json);
    Discovery discovery = new Discovery(json,
        () -> store.list("apiextensions.k8s.io", "v1", "customresourcedefinitions"));
    garbageCollector = new GarbageCollector(store);
    apiServer = new ApiServer(json, store, discovery, new OpenApi(json, discovery),
        new TablePrinter(json, Clock.systemUTC()), versionInfo(json));
    port = apiServer.listen(HOST, requestedPort);
  }

  /**
   * Starts a server on 127.0.0.1.
   *
   * @param port the TCP port, 0 for an ephemeral one (see {@link #port()})
   */
  public static EmbeddedKubernetes start(int port) {
    return new EmbeddedKubernetes(port);
  }

  /** The bound TCP port. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://" + HOST + ":" + port;
  }

  /**
   * Writes a kubeconfig (cluster, user with {@link #TOKEN}, context {@code embedded}, namespace {@code default})
   * for kubectl and other clients, creating parent directories.
   *
   * @return {@code file}
   */
  public Path writeKubeconfig(Path file) throws IOException {
    String kubeconfig = String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: embedded",
        "  cluster:",
        "    server: " + url(),
        "users:",
        "- name: embedded",
        "  user:",
        "    token: " + TOKEN,
        "contexts:",
        "- name: embedded",
        "  context:",
        "    cluster: embedded",
        "    user: embedded",
        "    namespace: default",
        "current-context: embedded",
        "");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, kubeconfig, StandardCharsets.UTF_8);
    return file;
  }

  /** A client configuration for this server (ignores ~/.kube/config and the environment). */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withOauthToken(TOKEN)
        .withNamespace("default")
        .withHttp2Disable(true)
        .build();
  }

  /** A Fabric8 client for this server, created on first use and closed by {@link #close()}. */
  public synchronized KubernetesClient client() {
    if (client == null) {
      client = new KubernetesClientBuilder().withConfig(clientConfig()).build();
    }
    return client;
  }

  /** Stops the server (and closes {@link #client()}). */
  @Override
  public void close() {
    synchronized (this) {
      if (client != null) {
        client.close();
        client = null;
      }
    }
    apiServer.close();
    garbageCollector.close();
    store.shutdown();
  }

  private static ObjectNode versionInfo(ObjectMapper json) {
    String[] parts = KUBERNETES_VERSION.substring(1).split("\\.");
    return json.createObjectNode()
        .put("major", parts[0])
        .put("minor", parts[1])
        .put("emulationMajor", parts[0])
        .put("emulationMinor", parts[1])
        .put("gitVersion", KUBERNETES_VERSION)
        .put("gitCommit", "0000000000000000000000000000000000000000")
        .put("gitTreeState", "clean")
        .put("buildDate", "2025-04-23T00:00:00Z")
        .put("goVersion", "go1.24.2")
        .put("compiler", "gc")
        .put("platform", "linux/amd64");
  }
}
