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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * A Kubernetes API server for laptop demos: the Fabric8 CRUD mock server's storage behind an HTTPS front on
 * 127.0.0.1 that answers only requests bearing its token (random for each server, see {@link #token()}) and adds what kubectl and controllers expect of a real one (discovery, {@code /version}, health,
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
  private static final String HOST = "127.0.0.1";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final Store store;
  private final GarbageCollector garbageCollector;
  private final ApiServer apiServer;
  private final int port;
  private final String token;
  private final ServingCertificate certificate;
  private KubernetesClient client;

  private EmbeddedKubernetes(int requestedPort) {
    ObjectMapper json = new ObjectMapper();
    store = new Store(json);
    Discovery discovery = new Discovery(json,
        () -> store.list("apiextensions.k8s.io", "v1", "customresourcedefinitions"));
    garbageCollector = new GarbageCollector(store);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    token = HexFormat.of().formatHex(secret);
    apiServer = new ApiServer(json, store, discovery, new OpenApi(json, discovery),
        new TablePrinter(json, Clock.systemUTC()), versionInfo(json), token);
    certificate = ServingCertificate.create(HOST);
    port = apiServer.listen(HOST, requestedPort, certificate);
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

  /** {@code https://127.0.0.1:<port>}. */
  public String url() {
    return "https://" + HOST + ":" + port;
  }

  /**
   * The bearer token every request must carry; any other token, or none, is answered 401 Unauthorized. Drawn from
   * {@link SecureRandom} when the server starts, so another user of the machine cannot guess it.
   */
  public String token() {
    return token;
  }

  /**
   * The server's self-signed certificate in PEM, made when it starts: the one certificate its clients should trust
   * (kubectl sends a kubeconfig's token only over TLS).
   */
  public String certificatePem() {
    return certificate.pem();
  }

  /** For plain Java clients: an SSLContext that trusts this server's certificate and nothing else. */
  public SSLContext sslContext() {
    return certificate.trustingContext();
  }

  /**
   * Writes a kubeconfig (cluster with {@link #certificatePem()}, user with {@link #token()}, context
   * {@code embedded}, namespace {@code default})
   * for kubectl and other clients, creating parent directories. Where the file system has POSIX permissions, the
   * file is readable and writable by its owner only, since the token is the server's only protection.
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
        "    certificate-authority-data: " + base64(certificatePem()),
        "users:",
        "- name: embedded",
        "  user:",
        "    token: \"" + token + "\"",
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
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      if (Files.exists(file)) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      } else {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      }
    }
    Files.writeString(file, kubeconfig, StandardCharsets.UTF_8);
    return file;
  }

  /** A client configuration for this server (ignores ~/.kube/config and the environment). */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withCaCertData(base64(certificatePem()))
        .withOauthToken(token)
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

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
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
