package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link EmbeddedKubernetes} through the Fabric8 client (as the operator uses it) and plain HTTP requests; needs no
 * kubectl.
 */
class EmbeddedKubernetesClientTest {

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();

  static EmbeddedKubernetes kube;
  static KubernetesClient client;

  @BeforeAll
  static void startServerAndLoadCrds() throws IOException {
    kube = EmbeddedKubernetes.start(0);
    client = kube.client();
    try (InputStream crds = EmbeddedKubernetesClientTest.class.getResourceAsStream(
        "/embedded-kubernetes/widgets-crd.yaml")) {
      client.load(crds).create();
    }
  }

  @AfterAll
  static void stopServer() {
    if (kube != null) {
      kube.close();
    }
  }

  private static String newNamespace() {
    String namespace = "c" + NAMESPACES.incrementAndGet();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    return namespace;
  }

  private static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> widgets(KubernetesClient c, String namespace) {
    return c.genericKubernetesResources("example.dev/v1", "Widget").inNamespace(namespace);
  }

  private static GenericKubernetesResource widget(String namespace, String name, int size, Map<String, String> labels) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("example.dev/v1").withKind("Widget")
        .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("size", size, "color", "red")))
        .build();
  }

  /** A request with the server's token, as every client of the kubeconfig sends it. */
  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(kube.url() + path)).header("Authorization", "Bearer " + kube.token());
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return send(kube, request);
  }

  private static HttpResponse<String> send(EmbeddedKubernetes server, HttpRequest request) throws Exception {
    return HttpClient.newBuilder().sslContext(server.sslContext()).build()
        .send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = send(request(path).build());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  @ParameterizedTest(name = "onlyHttpWatches={0}")
  @ValueSource(booleans = { false, true })
  void informerReceivesAddUpdateAndDeleteOverPlainHttp(boolean onlyHttpWatches) throws Exception {
    String ns = newNamespace();
    widgets(client, ns).resource(widget(ns, "early", 1, Map.of())).create();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (KubernetesClient watching = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(kube.clientConfig()).withOnlyHttpWatches(onlyHttpWatches).build()).build()) {
      SharedIndexInformer<GenericKubernetesResource> informer = widgets(watching, ns).inform(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
              events.add("ADD " + obj.getMetadata().getName());
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
              if (!oldObj.getMetadata().getResourceVersion().equals(newObj.getMetadata().getResourceVersion())) {
                events.add("UPDATE " + newObj.getMetadata().getName() + " size="
                    + ((Map<?, ?>) newObj.getAdditionalProperties().get("spec")).get("size"));
              }
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
              events.add("DELETE " + obj.getMetadata().getName());
            }
          });
      try {
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADD early");

        widgets(client, ns).resource(widget(ns, "late", 2, Map.of())).create();
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("ADD late");

        widgets(client, ns).withName("late").edit(w -> {
          w.setAdditionalProperties(Map.of("spec", Map.of("size", 3, "color", "red")));
          return w;
        });
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("UPDATE late size=3");

        widgets(client, ns).withName("early").delete();
        assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("DELETE early");
        assertThat(events.poll(500, TimeUnit.MILLISECONDS)).as("no replayed or duplicate events").isNull();
      } finally {
        informer.close();
      }
    }
  }

  @Test
  void createSetsUidCreationTimestampResourceVersionAndGeneration() {
    String ns = newNamespace();

    GenericKubernetesResource created = widgets(client, ns).resource(widget(ns, "meta", 1, Map.of())).create();

    assertThat(created.getMetadata().getUid()).isNotBlank();
    assertThat(created.getMetadata().getCreationTimestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(created.getMetadata().getResourceVersion()).matches("\\d+");
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Test
  void specChangesBumpTheGenerationButMetadataAndStatusChangesDoNot() {
    String ns = newNamespace();
    Resource<GenericKubernetesResource> widget = widgets(client, ns).resource(widget(ns, "gen", 1, Map.of()));
    widget.create();

    widgets(client, ns).withName("gen").edit(w -> {
      w.getMetadata().setLabels(Map.of("touched", "yes"));
      return w;
    });
    assertThat(widgets(client, ns).withName("gen").get().getMetadata().getGeneration()).isEqualTo(1L);

    widgets(client, ns).withName("gen").editStatus(w -> {
      w.setAdditionalProperty("status", Map.of("phase", "Running"));
      return w;
    });
    assertThat(widgets(client, ns).withName("gen").get().getMetadata().getGeneration()).isEqualTo(1L);

    widgets(client, ns).withName("gen").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"size\":2}}");
    assertThat(widgets(client, ns).withName("gen").get().getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void theStatusSubresourceSeparatesStatusFromTheRestOfTheObject() {
    String ns = newNamespace();
    GenericKubernetesResource withStatus = widget(ns, "sub", 1, Map.of());
    withStatus.setAdditionalProperty("status", Map.of("phase", "IgnoredOnCreate"));
    widgets(client, ns).resource(withStatus).create();
    assertThat(widgets(client, ns).withName("sub").get().getAdditionalProperties()).doesNotContainKey("status");

    GenericKubernetesResource statusUpdate = widgets(client, ns).withName("sub").get();
    statusUpdate.setAdditionalProperty("status", Map.of("phase", "Running"));
    statusUpdate.setAdditionalProperty("spec", Map.of("size", 50, "color", "red"));
    widgets(client, ns).resource(statusUpdate).updateStatus();

    GenericKubernetesResource afterStatus = widgets(client, ns).withName("sub").get();
    assertThat(afterStatus.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "Running"));
    assertThat(((Map<?, ?>) afterStatus.getAdditionalProperties().get("spec")).get("size")).isEqualTo(1);

    afterStatus.setAdditionalProperty("status", Map.of("phase", "Overwritten"));
    afterStatus.setAdditionalProperty("spec", Map.of("size", 2, "color", "red"));
    widgets(client, ns).resource(afterStatus).update();
    widgets(client, ns).withName("sub").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"status\":{\"phase\":\"PatchedAway\"}}");

    GenericKubernetesResource afterUpdate = widgets(client, ns).withName("sub").get();
    assertThat(afterUpdate.getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "Running"));
    assertThat(((Map<?, ?>) afterUpdate.getAdditionalProperties().get("spec")).get("size")).isEqualTo(2);
  }

  @Test
  void mergePatchesReplaceArraysAndRemoveNullFieldsAsInRfc7386() {
    String ns = newNamespace();
    GenericKubernetesResource w = widget(ns, "merge", 1, Map.of());
    w.setAdditionalProperty("spec", Map.of("size", 1, "color", "red", "tags", List.of("a", "b")));
    widgets(client, ns).resource(w).create();

    widgets(client, ns).withName("merge").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"tags\":[\"c\"],\"color\":null}}");

    assertThat(widgets(client, ns).withName("merge").get().getAdditionalProperties().get("spec"))
        .isEqualTo(Map.of("size", 1, "tags", List.of("c")));
  }

  @Test
  void serverSideApplyCreatesAndThenUpdatesAnObject() {
    String ns = newNamespace();
    widgets(client, ns).resource(widget(ns, "ssa", 1, Map.of())).fieldManager("test").forceConflicts()
        .serverSideApply();
    widgets(client, ns).resource(widget(ns, "ssa", 4, Map.of())).fieldManager("test").forceConflicts()
        .serverSideApply();

    GenericKubernetesResource applied = widgets(client, ns).withName("ssa").get();
    assertThat(((Map<?, ?>) applied.getAdditionalProperties().get("spec")).get("size")).isEqualTo(4);
    assertThat(applied.getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void labelSelectorsSupportEqualityAndSetBasedRequirements() {
    String ns = newNamespace();
    widgets(client, ns).resource(widget(ns, "a", 1, Map.of("tier", "front"))).create();
    widgets(client, ns).resource(widget(ns, "b", 1, Map.of("tier", "back", "env", "dev"))).create();
    widgets(client, ns).resource(widget(ns, "c", 1, Map.of())).create();

    assertThat(names(widgets(client, ns).withLabel("tier", "front").list().getItems())).containsExactly("a");
    assertThat(names(widgets(client, ns).withLabelIn("tier", "front", "back").list().getItems()))
        .containsExactly("a", "b");
    assertThat(names(widgets(client, ns).withoutLabel("env").list().getItems())).containsExactly("a", "c");
    assertThat(names(widgets(client, ns).withLabelNotIn("tier", "front").list().getItems()))
        .containsExactly("b", "c");
  }

  private static List<String> names(List<GenericKubernetesResource> items) {
    return items.stream().map(i -> i.getMetadata().getName()).toList();
  }

  @Test
  void deletingAnOwnerGarbageCollectsDependentsOfAnyKindButNotThoseWithAnotherLivingOwner() {
    String ns = newNamespace();
    GenericKubernetesResource owner = widgets(client, ns).resource(widget(ns, "owner", 1, Map.of())).create();
    GenericKubernetesResource other = widgets(client, ns).resource(widget(ns, "other", 1, Map.of())).create();
    client.configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("owned-config").withOwnerReferences(ownerReference(owner)).endMetadata()
        .addToData("k", "v").build()).create();
    client.configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("shared-config").withOwnerReferences(ownerReference(owner), ownerReference(other))
        .endMetadata().build()).create();

    widgets(client, ns).withName("owner").delete();

    // Polled rather than watched: a deletion between an informer's list and its watch reaches no watch here
    // (the store keeps no history), and this test is about the collector, not about watches.
    await("owned-config collected", () -> client.configMaps().inNamespace(ns).withName("owned-config").get() == null);
    assertThat(client.configMaps().inNamespace(ns).withName("shared-config").get()).isNotNull();
  }

  private static io.fabric8.kubernetes.api.model.OwnerReference ownerReference(GenericKubernetesResource owner) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).build();
  }

  @Test
  void servesVersionHealthDiscoveryAndOpenApi() throws Exception {
    assertThat(get("/version").path("gitVersion").asText()).isEqualTo(EmbeddedKubernetes.KUBERNETES_VERSION);
    assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo(EmbeddedKubernetes.KUBERNETES_VERSION);
    assertThat(send(request("/readyz").build()).body()).isEqualTo("ok");

    assertThat(get("/api").path("versions").toString()).isEqualTo("[\"v1\"]");
    assertThat(get("/apis").path("groups").findValuesAsText("name"))
        .contains("apiextensions.k8s.io", "apps", "coordination.k8s.io", "example.dev");
    JsonNode resources = get("/apis/example.dev/v1").path("resources");
    assertThat(resources.findValuesAsText("name")).contains("widgets", "widgets/status", "gizmos");
    JsonNode widgets = resources.get(resources.findValuesAsText("name").indexOf("widgets"));
    assertThat(widgets.path("kind").asText()).isEqualTo("Widget");
    assertThat(widgets.path("singularName").asText()).isEqualTo("widget");
    assertThat(widgets.path("namespaced").asBoolean()).isTrue();
    assertThat(widgets.path("shortNames").toString()).isEqualTo("[\"wdg\"]");
    assertThat(widgets.path("categories").toString()).isEqualTo("[\"gadgetry\"]");
    assertThat(widgets.path("verbs").toString()).contains("\"watch\"", "\"patch\"");
    assertThat(get("/api/v1").path("resources").findValuesAsText("name"))
        .contains("namespaces", "configmaps", "secrets", "events", "serviceaccounts", "pods");

    String url = get("/openapi/v3").path("paths").path("apis/example.dev/v1").path("serverRelativeURL").asText();
    assertThat(url).startsWith("/openapi/v3/apis/example.dev/v1?hash=");
    JsonNode widget = get(url).path("components").path("schemas").path("dev.example.v1.Widget");
    assertThat(widget.path("properties").path("spec").path("properties").path("size").path("description").asText())
        .isEqualTo("Size of the widget in centimetres.");
    assertThat(get("/openapi/v2").path("definitions").has("dev.example.v1.Widget")).isTrue();
  }

  @Test
  void answersTablesForListsAndSingleObjects() throws Exception {
    String ns = newNamespace();
    widgets(client, ns).resource(widget(ns, "tabled", 6, Map.of())).create();
    HttpRequest request = request("/apis/example.dev/v1/namespaces/" + ns + "/widgets/tabled")
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json").build();

    JsonNode table = JSON.readTree(send(request).body());

    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
    assertThat(table.path("columnDefinitions").findValuesAsText("name"))
        .containsExactly("Name", "Size", "Color", "Ready", "Phase", "Age");
    JsonNode cells = table.path("rows").path(0).path("cells");
    assertThat(cells.get(0).asText()).isEqualTo("tabled");
    assertThat(cells.get(1).asInt()).isEqualTo(6);
    assertThat(cells.get(3).isNull()).isTrue();
    assertThat(cells.get(5).asText()).matches("\\d+s");
    assertThat(table.path("rows").path(0).path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");

    JsonNode list = get("/apis/example.dev/v1/namespaces/" + ns + "/widgets");
    assertThat(list.path("kind").asText()).isEqualTo("WidgetList");
    assertThat(list.path("apiVersion").asText()).isEqualTo("example.dev/v1");
  }

  /**
   * A request without the token is refused on its headers: the server answers 401 and closes the
   * connection although the announced 100 MB body never comes (reading it first would wait for it).
   */
  @ParameterizedTest(name = "token: {0}")
  @ValueSource(strings = {"none", "wrong"})
  void refusesARequestWithoutTheTokenBeforeReadingItsBody(String token) throws Exception {
    String authorization = token.equals("none") ? "" : "Authorization: Bearer not-the-token\r\n";
    try (var socket = kube.sslContext().getSocketFactory().createSocket("127.0.0.1", kube.port())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(("POST /api/v1/namespaces HTTP/1.1\r\nHost: 127.0.0.1\r\n" + authorization
          + "Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{\"kind\":")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 401 ").contains("\"reason\":\"Unauthorized\"");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = { "/version", "/readyz", "/apis", "/api/v1/namespaces", "/apis/example.dev/v1/widgets",
      "/openapi/v2" })
  void answersOnlyRequestsBearingItsToken(String path) throws Exception {
    HttpRequest none = HttpRequest.newBuilder(URI.create(kube.url() + path)).build();
    HttpRequest wrong = HttpRequest.newBuilder(URI.create(kube.url() + path))
        .header("Authorization", "Bearer " + "0".repeat(kube.token().length())).build();
    HttpRequest basic = HttpRequest.newBuilder(URI.create(kube.url() + path))
        .header("Authorization", "Basic " + kube.token()).build();

    for (HttpRequest refused : List.of(none, wrong, basic)) {
      HttpResponse<String> response = send(refused);
      assertThat(response.statusCode()).as(refused.headers().toString()).isEqualTo(401);
      JsonNode status = JSON.readTree(response.body());
      assertThat(status.path("kind").asText()).isEqualTo("Status");
      assertThat(status.path("status").asText()).isEqualTo("Failure");
      assertThat(status.path("reason").asText()).isEqualTo("Unauthorized");
      assertThat(status.path("code").asInt()).isEqualTo(401);
    }
    assertThat(send(request(path).build()).statusCode()).isEqualTo(200);
  }

  @Test
  void refusesWritesAndWatchesOfAClientWithAnotherToken() {
    String ns = newNamespace();
    try (KubernetesClient other = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(kube.clientConfig()).withOauthToken("not-the-token").build()).build()) {
      assertThatThrownBy(() -> widgets(other, ns).resource(widget(ns, "intruder", 1, Map.of())).create())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(401));
      assertThatThrownBy(() -> widgets(other, ns).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, GenericKubernetesResource resource) {
        }

        @Override
        public void onClose(WatcherException cause) {
        }
      })).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    }
    assertThat(widgets(client, ns).withName("intruder").get()).isNull();
  }

  @Test
  void eachServerDrawsItsOwnToken() throws Exception {
    try (EmbeddedKubernetes second = EmbeddedKubernetes.start(0)) {
      assertThat(second.token()).hasSize(64).isNotEqualTo(kube.token());
      HttpRequest withFirstToken = HttpRequest.newBuilder(URI.create(second.url() + "/version"))
          .header("Authorization", "Bearer " + kube.token()).build();
      assertThat(send(second, withFirstToken).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void kubeconfigCarriesTheTokenAndOnlyItsOwnerMayReadIt(@TempDir Path dir) throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, "left over");
    Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));

    kube.writeKubeconfig(kubeconfig);

    assertThat(Files.getPosixFilePermissions(kubeconfig)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    Config fromFile = Config.fromKubeconfig(Files.readString(kubeconfig));
    assertThat(fromFile.getAutoOAuthToken()).isEqualTo(kube.token());
    assertThat(fromFile.getMasterUrl()).startsWith(kube.url());
    assertThat(new String(Base64.getDecoder().decode(fromFile.getCaCertData()), StandardCharsets.UTF_8))
        .isEqualTo(kube.certificatePem());
  }
}
