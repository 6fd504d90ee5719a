package dev.imagebuilder.operator.demo.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the real kubectl against {@link EmbeddedKubernetes} with the sample CRDs (widgets and gizmos in
 * example.dev) and checks what kubectl prints.
 */
class EmbeddedKubernetesKubectlTest {

  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  @TempDir
  static Path dir;

  static EmbeddedKubernetes kube;
  static Kubectl kubectl;

  @BeforeAll
  static void startServerAndLoadCrds() throws IOException {
    Path binary = Kubectl.require();
    kube = EmbeddedKubernetes.start(0);
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    kubectl = new Kubectl(binary, kubeconfig, dir.resolve("kube-cache"));
    try (InputStream crds = EmbeddedKubernetesKubectlTest.class.getResourceAsStream(
        "/embedded-kubernetes/widgets-crd.yaml")) {
      List<HasMetadata> loaded = kube.client().load(crds).create();
      assertThat(loaded).hasSize(2);
    }
    System.out.println("kubectl version against the embedded server:\n" + kubectl.run("version"));
  }

  @AfterAll
  static void stopServer() {
    if (kube != null) {
      kube.close();
    }
  }

  private static String newNamespace() {
    String namespace = "t" + NAMESPACES.incrementAndGet();
    ok(kubectl.run("create", "namespace", namespace));
    return namespace;
  }

  private static Kubectl.Result ok(Kubectl.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isZero();
    return result;
  }

  private static String widget(String namespace, String name, int size, String color, String labels) {
    return "apiVersion: example.dev/v1\nkind: Widget\nmetadata:\n  name: " + name + "\n  namespace: " + namespace
        + "\n  labels: {" + labels + "}\nspec:\n  size: " + size + "\n  color: " + color + "\n";
  }

  private static String gizmo(String namespace, String name, String ownerKind, String ownerName, String ownerUid) {
    String owner = ownerUid == null ? "" : "  ownerReferences:\n  - apiVersion: example.dev/v1\n    kind: " + ownerKind
        + "\n    name: " + ownerName + "\n    uid: " + ownerUid + "\n";
    return "apiVersion: example.dev/v1\nkind: Gizmo\nmetadata:\n  name: " + name + "\n  namespace: " + namespace
        + "\n" + owner + "spec:\n  teeth: 12\n";
  }

  private static String uid(String namespace, String resource, String name) {
    return ok(kubectl.run("get", resource, name, "-n", namespace, "-o", "jsonpath={.metadata.uid}")).out();
  }

  private static void eventually(Runnable assertion) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  @Test
  void getListsTwoCustomKindsWithTheirPrinterColumns() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "alpha", 3, "red", "") + "---\n" + widget(ns, "beta", 7, "blue", "") + "---\n"
        + gizmo(ns, "cog", null, null, null)));
    ok(kubectl.run("patch", "widget", "alpha", "-n", ns, "--subresource=status", "--type=merge", "-p",
        "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Synced\",\"status\":\"False\"},"
            + "{\"type\":\"Ready\",\"status\":\"True\"}]}}"));

    String out = ok(kubectl.run("get", "widgets,gizmos", "-n", ns)).out();

    List<String> lines = out.lines().toList();
    assertThat(lines.get(0)).matches("NAME\\s+SIZE\\s+COLOR\\s+READY\\s+AGE");
    assertThat(lines.get(1)).matches("widget\\.example\\.dev/alpha\\s+3\\s+red\\s+True\\s+\\d+s");
    assertThat(lines.get(2)).matches("widget\\.example\\.dev/beta\\s+7\\s+blue\\s+\\d+s");
    assertThat(out).containsPattern("(?m)^NAME\\s+AGE$").containsPattern("(?m)^gizmo\\.example\\.dev/cog\\s+\\d+s$");

    String wide = ok(kubectl.run("get", "wdg", "alpha", "-n", ns, "-o", "wide")).out();
    assertThat(wide).containsPattern("NAME\\s+SIZE\\s+COLOR\\s+READY\\s+PHASE\\s+AGE")
        .containsPattern("alpha\\s+3\\s+red\\s+True\\s+Running\\s+\\d+s");
  }

  @Test
  void getPrintsAnObjectAsYamlWithTheMetadataTheServerSets() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "gamma", 4, "green", "app: demo")));

    String yaml = ok(kubectl.run("get", "widget", "gamma", "-n", ns, "-o", "yaml")).out();

    assertThat(yaml).contains("apiVersion: example.dev/v1", "kind: Widget", "name: gamma", "namespace: " + ns,
        "app: demo", "color: green", "size: 4", "generation: 1")
        .containsPattern("uid: \\S+").containsPattern("resourceVersion: \"\\d+\"")
        .containsPattern("creationTimestamp: \"\\d{4}-\\d\\d-\\d\\dT");
  }

  @Test
  void getEvaluatesJsonpathOutput() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "one", 1, "red", "") + "---\n" + widget(ns, "two", 2, "blue", "")));

    assertThat(ok(kubectl.run("get", "widgets", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}")).out())
        .isEqualTo("one two");
    assertThat(ok(kubectl.run("get", "widget", "two", "-n", ns, "-o",
        "jsonpath={.spec.color}/{.spec.size}")).out()).isEqualTo("blue/2");
  }

  @Test
  void getFiltersByEqualityAndSetBasedLabelSelectors() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "front", 1, "red", "tier: front, env: prod") + "---\n"
        + widget(ns, "back", 2, "red", "tier: back, env: dev") + "---\n"
        + widget(ns, "bare", 3, "red", "tier: back")));

    assertThat(names(ns, "tier=back")).isEqualTo("back bare");
    assertThat(names(ns, "tier!=back")).isEqualTo("front");
    assertThat(names(ns, "tier in (front,back),env")).isEqualTo("back front");
    assertThat(names(ns, "!env")).isEqualTo("bare");
    assertThat(names(ns, "env notin (prod)")).isEqualTo("back bare");
  }

  private static String names(String namespace, String selector) {
    return ok(kubectl.run("get", "widgets", "-n", namespace, "-l", selector, "-o",
        "jsonpath={.items[*].metadata.name}")).out();
  }

  @Test
  void getCrdListsTheDefinitions() {
    String out = ok(kubectl.run("get", "crd")).out();

    assertThat(out).containsPattern("NAME\\s+CREATED AT")
        .containsPattern("(?m)^widgets\\.example\\.dev\\s+\\d{4}-\\d\\d-\\d\\dT")
        .containsPattern("(?m)^gizmos\\.example\\.dev\\s+");
  }

  @Test
  void apiResourcesShowsShortNamesKindsAndCategories() {
    String out = ok(kubectl.run("api-resources", "--api-group=example.dev")).out();

    assertThat(out).containsPattern("NAME\\s+SHORTNAMES\\s+APIVERSION\\s+NAMESPACED\\s+KIND")
        .containsPattern("(?m)^widgets\\s+wdg\\s+example\\.dev/v1\\s+true\\s+Widget$")
        .containsPattern("(?m)^gizmos\\s+gzm\\s+example\\.dev/v1\\s+true\\s+Gizmo$");
    assertThat(ok(kubectl.run("api-resources", "--categories=gadgetry", "-o", "name")).out())
        .contains("widgets.example.dev", "gizmos.example.dev");
    assertThat(ok(kubectl.run("api-resources")).out())
        .containsPattern("(?m)^namespaces\\s+ns\\s+v1\\s+false\\s+Namespace$")
        .containsPattern("(?m)^configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap$");
  }

  @Test
  void explainPrintsTheStatusFieldDescriptionsFromTheCrdSchema() {
    String out = ok(kubectl.run("explain", "widgets.status")).out();

    assertThat(out).contains("KIND:       Widget", "GROUP:      example.dev", "VERSION:    v1",
        "FIELD: status <Object>", "WidgetStatus is what the controller observed.",
        "phase\t<string>", "Phase is the lifecycle phase the widget is in.",
        "conditions\t<[]Object>", "Conditions report the widget's readiness");
  }

  @Test
  void applyCreatesACustomResourceAndASecondApplyChangesIt() {
    String ns = newNamespace();

    assertThat(ok(kubectl.apply(widget(ns, "applied", 5, "red", ""))).out())
        .contains("widget.example.dev/applied created");
    assertThat(ok(kubectl.apply(widget(ns, "applied", 6, "yellow", "changed: \"yes\""))).out())
        .contains("widget.example.dev/applied configured");

    assertThat(ok(kubectl.run("get", "widget", "applied", "-n", ns, "-o",
        "jsonpath={.spec.size} {.spec.color} {.metadata.labels.changed} {.metadata.generation}")).out())
        .isEqualTo("6 yellow yes 2");
    assertThat(ok(kubectl.apply(widget(ns, "applied", 6, "yellow", "changed: \"yes\""))).out())
        .contains("widget.example.dev/applied unchanged");
  }

  @Test
  void deleteRemovesTheObjectsItOwnsRecursively() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "parent", 1, "red", "") + "---\n" + widget(ns, "bystander", 1, "red", "")));
    ok(kubectl.apply(gizmo(ns, "child", "Widget", "parent", uid(ns, "widget", "parent")) + "---\n"
        + gizmo(ns, "unowned", null, null, null)));
    ok(kubectl.apply(gizmo(ns, "grandchild", "Gizmo", "child", uid(ns, "gizmo", "child"))));

    assertThat(ok(kubectl.run("delete", "widget", "parent", "-n", ns)).out())
        .contains("widget.example.dev \"parent\" deleted");

    eventually(() -> assertThat(ok(kubectl.run("get", "widgets,gizmos", "-n", ns, "-o", "name")).out())
        .isEqualTo("widget.example.dev/bystander\ngizmo.example.dev/unowned\n"));
  }

  @Test
  void deleteWaitsOverAnHttpWatchUntilTheLastFinalizerIsRemoved() throws Exception {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "guarded", 1, "red", "")));
    ok(kubectl.run("patch", "widget", "guarded", "-n", ns, "--type=merge", "-p",
        "{\"metadata\":{\"finalizers\":[\"example.dev/cleanup\"]}}"));

    Process delete = kubectl.start("delete", "widget", "guarded", "-n", ns, "--timeout=20s");
    eventually(() -> assertThat(ok(kubectl.run("get", "widget", "guarded", "-n", ns, "-o",
        "jsonpath={.metadata.deletionTimestamp}")).out()).isNotEmpty());
    assertThat(delete.isAlive()).as("kubectl delete waits while the finalizer is there").isTrue();

    ok(kubectl.run("patch", "widget", "guarded", "-n", ns, "--type=merge", "-p",
        "{\"metadata\":{\"finalizers\":null}}"));

    assertThat(delete.waitFor(15, TimeUnit.SECONDS)).as("kubectl delete returns").isTrue();
    assertThat(delete.exitValue()).isZero();
    assertThat(kubectl.run("get", "widget", "guarded", "-n", ns).err())
        .contains("widgets.example.dev \"guarded\" not found");
  }

  @Test
  void getWatchPrintsChangesAsTheyHappen() throws Exception {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "watched", 1, "red", "")));
    Process watch = kubectl.start("get", "widgets", "-n", ns, "-w", "--output-watch-events");
    try {
      BlockingQueue<String> lines = lines(watch.getInputStream());
      assertThat(lines.poll(15, TimeUnit.SECONDS)).matches("EVENT\\s+NAME\\s+SIZE\\s+COLOR\\s+READY\\s+AGE");
      assertThat(lines.poll(15, TimeUnit.SECONDS)).matches("ADDED\\s+watched\\s+1\\s+red\\s+\\d+s");

      ok(kubectl.apply(widget(ns, "watched", 2, "blue", "")));
      assertThat(lines.poll(15, TimeUnit.SECONDS)).matches("MODIFIED\\s+watched\\s+2\\s+blue\\s+\\d+s");

      ok(kubectl.run("delete", "widget", "watched", "-n", ns));
      assertThat(lines.poll(15, TimeUnit.SECONDS)).matches("DELETED\\s+watched\\s+2\\s+blue\\s+\\d+s");
    } finally {
      watch.destroy();
    }
  }

  private static BlockingQueue<String> lines(InputStream stream) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the process was destroyed
      }
    });
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  @Test
  void annotateAddsAnAnnotationToACustomResource() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "noted", 1, "red", "")));

    assertThat(ok(kubectl.run("annotate", "widget", "noted", "-n", ns, "example.dev/note=hello")).out())
        .contains("widget.example.dev/noted annotated");

    assertThat(ok(kubectl.run("get", "widget", "noted", "-n", ns, "-o",
        "jsonpath={.metadata.annotations.example\\.dev/note} {.metadata.generation}")).out())
        .isEqualTo("hello 1");
  }

  @Test
  void patchOfTheStatusSubresourceChangesOnlyTheStatus() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "split", 1, "red", "")));

    ok(kubectl.run("patch", "widget", "split", "-n", ns, "--subresource=status", "--type=merge", "-p",
        "{\"status\":{\"phase\":\"Running\"},\"spec\":{\"size\":99}}"));
    ok(kubectl.run("patch", "widget", "split", "-n", ns, "--type=merge", "-p",
        "{\"status\":{\"phase\":\"Hacked\"},\"spec\":{\"size\":2}}"));

    assertThat(ok(kubectl.run("get", "widget", "split", "-n", ns, "-o",
        "jsonpath={.spec.size} {.status.phase} {.metadata.generation}")).out()).isEqualTo("2 Running 2");
  }

  @Test
  void createNamespaceMakesAnActiveNamespace() {
    assertThat(ok(kubectl.run("create", "namespace", "brand-new")).out()).contains("namespace/brand-new created");

    assertThat(ok(kubectl.run("get", "namespace", "brand-new")).out())
        .containsPattern("NAME\\s+STATUS\\s+AGE").containsPattern("brand-new\\s+Active\\s+\\d+s");
  }

  @Test
  void deletingANamespaceDeletesWhatIsInIt() {
    String ns = newNamespace();
    ok(kubectl.apply(widget(ns, "doomed", 1, "red", "")));
    ok(kubectl.run("create", "configmap", "doomed-config", "-n", ns, "--from-literal=a=b"));

    ok(kubectl.run("delete", "namespace", ns));

    eventually(() -> assertThat(ok(kubectl.run("get", "widgets,configmaps", "-A", "-o", "name",
        "--field-selector", "metadata.namespace=" + ns)).out()).isEmpty());
    assertThat(kubectl.run("get", "namespace", ns).err()).contains("not found");
  }
}
