package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import dev.imagebuilder.operator.simulator.Fault;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The testdata of the Argo CD health checks ({@code helm/argocd/ecs.imagebuilder.dev/<Kind>/testdata})
 * are objects the operator wrote to a real API server, read back with {@code kubectl get -o yaml}
 * (which leaves out managedFields, the only thing taken away). This test sets up every state they
 * show: one execution per ECS status (the twelve documented and one ECS might add), with and
 * without image and message; watches Ready, Stalled, suspended, retrying, with a generation the
 * operator has not seen yet, and being deleted.
 *
 * <p>Normally it compares what the operator writes now with the committed files, after replacing
 * what differs from run to run (times, UIDs, execution IDs, resourceVersions, the namespace): any
 * other change (a field, a condition, a reason or a message) fails it, so the health checks are
 * never tested against objects the operator no longer writes. After such a change, capture them
 * again and review the diff and {@code health_test.yaml}:
 *
 * <pre>make e2e MVN='mvn -B -ntp -Dargocd.capture=true'</pre>
 *
 * <p>Three inputs cannot come from the operator, which never writes them, and are written by this
 * test to the API server instead: an execution without status (no-status), a watch whose status has
 * no conditions (no-conditions) and anything being deleted (a finalizer of the test holds it).
 */
class ArgoCdTestdataIT {

  static final boolean CAPTURE = Boolean.getBoolean("argocd.capture");
  static final Path CUSTOMIZATIONS = RealCluster.REPO.resolve("helm/argocd/ecs.imagebuilder.dev");
  static final Path EXECUTION_TESTDATA = CUSTOMIZATIONS.resolve("ImagePipelineExecution/testdata");
  static final Path WATCH_TESTDATA = CUSTOMIZATIONS.resolve("ImagePipelineWatch/testdata");
  static final Path ACTION_TESTDATA = CUSTOMIZATIONS.resolve("ImagePipelineWatch/actions/testdata");
  /** The time the Lua harnesses pin os.date/os.time to, so refresh (and reconcile) write a known value. */
  static final String ACTION_TIME = "2025-06-02T08:30:00Z";
  static final String EARLIER_REQUEST = "2025-06-01T18:04:10Z";

  static final String REGION = "cn-hangzhou";
  static final String KEY_ID = "LTAI5tArgoCd";
  static final String KEY_SECRET = "argocd-e2e-secret-value";
  static final String NAMESPACE = "image-builds";
  static final String ARGOCD_APP = "image-pipelines";
  static final String PIPELINE = "ip-bp1c9e4u2x7lhwq3k2m8";
  static final String IMAGE = "m-bp1fj2x8q9kw3c5d7e0r";
  static final String HOLD = "e2e.imagebuilder.dev/hold";
  static final String UNDOCUMENTED = "ROLLING_BACK";

  /** One execution of PIPELINE as ECS reports it, and the testdata file its child goes to. */
  record Execution(String file, String status, String imageId, String message) {}

  /** Oldest first: the last is the newest, which the watch reports as its latest. */
  static final List<Execution> EXECUTIONS =
      List.of(
          new Execution("preparing", "PREPARING", null, null),
          new Execution("repairing", "REPAIRING", null, null),
          new Execution("building", "BUILDING", null, null),
          new Execution("testing", "TESTING", null, null),
          new Execution("distributing", "DISTRIBUTING", IMAGE, null),
          new Execution("releasing", "RELEASING", IMAGE, null),
          new Execution("success", "SUCCESS", IMAGE, "The image was built, tested and distributed."),
          new Execution("success-without-image", "SUCCESS", null, null),
          new Execution("partition_success", "PARTITION_SUCCESS", IMAGE,
              "Distributing the image to cn-beijing failed: QuotaExceed.Image: the number of custom images exceeds the quota."),
          new Execution("partition_success-condition-message", "PARTITION_SUCCESS", IMAGE, null),
          new Execution("failed", "FAILED", null, "Build step 3 (RUN apt-get install -y nginx) exited with code 100."),
          new Execution("failed-without-message", "FAILED", null, null),
          new Execution("test_failed", "TEST_FAILED", IMAGE, "Test component smoke-http failed: curl http://localhost/ returned 502."),
          new Execution("cancelling", "CANCELLING", null, null),
          new Execution("cancelled", "CANCELLED", null, "Cancelled by the user."),
          new Execution("cancelled-without-message", "CANCELLED", null, null),
          new Execution("unknown-status", UNDOCUMENTED, null, null),
          new Execution("deleting", "BUILDING", null, null));

  static RealCluster cluster;
  static EcsSimulator ecs;
  static Process operator;
  static String namespace;

  @BeforeAll
  static void setUp() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    // ECS's clock three hours behind: the executions ran before the operator mirrored them.
    ecs = EcsSimulator.start(Clock.offset(Clock.systemUTC(), Duration.ofHours(-3))).credentials(KEY_ID, KEY_SECRET);
    if (CAPTURE) {
      // The files carry the namespace: a fixed, readable one (the cluster is fresh in make e2e).
      namespace = NAMESPACE;
      cluster.client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
    } else {
      namespace = cluster.freshNamespace(NAMESPACE);
    }
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET, 
        Map.of("HTTP_PORT", "0", "OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(namespace)), "operator-argocd.log");
  }

  @AfterAll
  static void tearDown() throws InterruptedException {
    stopOperator();
    if (ecs != null) {
      ecs.close();
    }
    if (cluster != null && namespace != null) {
      cluster.client.namespaces().withName(namespace).delete();
    }
  }

  @Test
  void theTestdataAreWhatTheOperatorWritesToARealApiServer() throws Exception {
    Map<Path, String> captured = new LinkedHashMap<>();

    // --- With the operator running: every state it writes.
    ecs.addPipeline(REGION, PIPELINE);
    Map<String, String> fileByExecution = new LinkedHashMap<>();
    for (Execution e : EXECUTIONS) {
      boolean undocumented = e.status().equals(UNDOCUMENTED);
      String id = ecs.addExecution(REGION, PIPELINE, undocumented ? "BUILDING" : e.status(), e.imageId(), e.message());
      if (undocumented) {
        ecs.setUndocumentedStatus(id, UNDOCUMENTED);
      }
      fileByExecution.put(id, e.file());
    }
    String weekly = pipeline("ip-bp1weekly7k2m4x9q", 3, "SUCCESS");
    String hourly = pipeline("ip-bp1hourly3n8v5c2w", 2, "SUCCESS");
    String canary = pipeline("ip-bp1canary6t1r8z4y", 1, "SUCCESS");
    String retiring = pipeline("ip-bp1retire2h7j5d3s", 1, "FAILED");
    String release = pipeline("ip-bp1release9w4e6u1", 1, "SUCCESS");

    createWatch("nightly-base", PIPELINE);
    createWatch("weekly-base", weekly);
    createWatch("hourly-base", hourly);
    createWatch("canary-base", canary);
    createWatch("retiring-base", retiring);
    createWatch("legacy-base", "ip-bp1legacy0deleted");
    createWatch("legacy-base-paused", "ip-bp1legacy1deleted");

    await("every child with a status", () -> children().stream().filter(c -> c.getStatus() != null).count() == EXECUTIONS.size() + 7);
    for (String name : List.of("nightly-base", "weekly-base", "hourly-base", "canary-base", "retiring-base")) {
      await(name + " Ready", () -> "True".equals(condition(name, "Ready")));
    }
    for (String name : List.of("legacy-base", "legacy-base-paused")) {
      await(name + " Stalled", () -> "True".equals(condition(name, "Stalled")));
    }

    // Suspended after a sync, and after a stall.
    for (String name : List.of("weekly-base", "legacy-base-paused")) {
      kubectl("patch", "ipw", name, "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
      await(name + " observed suspended", () -> Objects.equals(2L, watch(name).getStatus().getObservedGeneration()));
    }

    // The inputs of the watch actions (actions/testdata): a Ready watch whose earlier poll request
    // was handled, one without annotations, one whose request is of this very second, and one
    // suspended after a sync. Their pipelines have no executions, so the children above stay as they
    // are; each watch has its own, since a second watch of a pipeline in a namespace mirrors nothing.
    String actionsPipeline = "ip-bp1actions8k3m5q";
    for (int p = 2; p <= 5; p++) {
      ecs.addPipeline(REGION, actionsPipeline + p);
    }
    createWatch("actions-base", actionsPipeline + 2, Map.of(TRACKING, tracking("actions-base"), ImagePipelineWatch.RECONCILE_REQUESTED_AT, EARLIER_REQUEST));
    createWatch("actions-bare", actionsPipeline + 3, Map.of());
    createWatch("actions-this-second", actionsPipeline + 4, Map.of(TRACKING, tracking("actions-this-second"), ImagePipelineWatch.RECONCILE_REQUESTED_AT, ACTION_TIME));
    createWatch("actions-suspended", actionsPipeline + 5);
    for (String name : List.of("actions-base", "actions-bare", "actions-this-second", "actions-suspended")) {
      await(name + " Ready", () -> "True".equals(condition(name, "Ready")));
    }
    await("actions-base's request handled", () -> EARLIER_REQUEST.equals(watch("actions-base").getStatus().getLastHandledReconcileAt()));
    await("actions-this-second's request handled", () -> ACTION_TIME.equals(watch("actions-this-second").getStatus().getLastHandledReconcileAt()));
    kubectl("patch", "ipw", "actions-suspended", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
    await("actions-suspended observed suspended", () -> Objects.equals(2L, watch("actions-suspended").getStatus().getObservedGeneration()));

    // A new watch while its first sync is under way (ECS answers the listing late; every other
    // watch polls hourly): observedGeneration and Reconciling=True are written before ECS is asked.
    String importing = pipeline("ip-bp1import5v8n2k6d", 2, "SUCCESS");
    ecs.failNext(1, Fault.delay(Duration.ofSeconds(12)).onlyForAction(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS));
    createWatch("import-base", importing);
    await("import-base syncing", () -> "True".equals(condition("import-base", "Reconciling")));
    captured.put(WATCH_TESTDATA.resolve("syncing.yaml"), get("ipw", "import-base"));
    await("import-base Ready", () -> "True".equals(condition("import-base", "Ready")));

    // ECS throttles: a watch that had synced keeps Ready=True (showing the last sync) while it
    // retries; a new watch is not Ready until its first poll succeeds.
    ecs.failNext(100, Fault.throttling("Throttling.User"));
    createWatch("release-base", release);
    kubectl("annotate", "ipw", "hourly-base", "--overwrite", ImagePipelineWatch.RECONCILE_REQUESTED_AT + "=2025-06-02T08:30:00Z");
    for (String name : List.of("release-base", "hourly-base")) {
      await(name + " retrying", () -> "True".equals(condition(name, "Reconciling")));
    }
    await("the request handled", () -> watch("hourly-base").getStatus().getLastHandledReconcileAt() != null);

    for (var child : children()) {
      String file = fileByExecution.get(child.getSpec().getExecutionId());
      if (file != null && !file.equals("deleting")) {
        captured.put(EXECUTION_TESTDATA.resolve(file + ".yaml"), get("ipe", child.getMetadata().getName()));
      }
    }
    captured.put(WATCH_TESTDATA.resolve("ready.yaml"), get("ipw", "nightly-base"));
    captured.put(WATCH_TESTDATA.resolve("stalled.yaml"), get("ipw", "legacy-base"));
    captured.put(WATCH_TESTDATA.resolve("suspended.yaml"), get("ipw", "weekly-base"));
    captured.put(WATCH_TESTDATA.resolve("suspended-and-stalled.yaml"), get("ipw", "legacy-base-paused"));
    captured.put(WATCH_TESTDATA.resolve("retrying.yaml"), get("ipw", "hourly-base"));
    captured.put(WATCH_TESTDATA.resolve("first-poll-failed.yaml"), get("ipw", "release-base"));

    // --- With the operator stopped: what it has not seen yet, and what the test writes itself.
    stopOperator();
    ecs.clearFaults();

    captureActions(captured);

    kubectl("patch", "ipw", "canary-base", "--type=merge", "-p", "{\"spec\":{\"interval\":\"2h\"}}");
    captured.put(WATCH_TESTDATA.resolve("generation-behind.yaml"), get("ipw", "canary-base"));

    createWatch("fresh-base", "ip-bp1fresh5q2w8e7r");
    captured.put(WATCH_TESTDATA.resolve("new.yaml"), get("ipw", "fresh-base"));

    createWatch("quiet-base", "ip-bp1quiet4r6t9y2u");
    kubectl("patch", "ipw", "quiet-base", "--subresource=status", "--type=merge", "-p", "{\"status\":{\"observedGeneration\":1}}");
    captured.put(WATCH_TESTDATA.resolve("no-conditions.yaml"), get("ipw", "quiet-base"));

    captured.put(WATCH_TESTDATA.resolve("deleting.yaml"), deleteHeld("ipw", "retiring-base"));
    String deleting = fileByExecution.entrySet().stream().filter(e -> e.getValue().equals("deleting")).findFirst().orElseThrow().getKey();
    captured.put(EXECUTION_TESTDATA.resolve("deleting.yaml"), deleteHeld("ipe", deleting));

    // An execution written without status: the operator's own children always have one.
    var building = child(fileByExecution.entrySet().stream().filter(e -> e.getValue().equals("building")).findFirst().orElseThrow().getKey());
    String bare = ecs.addExecution(REGION, PIPELINE, "PREPARING");
    var noStatus = new GenericKubernetesResource();
    noStatus.setApiVersion(building.getApiVersion());
    noStatus.setKind(building.getKind());
    noStatus.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(bare)
        .withNamespace(namespace)
        .withLabels(Map.of(
            ImagePipelineExecution.WATCH_LABEL, "nightly-base",
            ImagePipelineExecution.PIPELINE_LABEL, PIPELINE))
        .withOwnerReferences(building.getMetadata().getOwnerReferences())
        .build());
    noStatus.setAdditionalProperty("spec", Map.of("regionId", REGION, "imagePipelineId", PIPELINE, "executionId", bare));
    cluster.client.resource(noStatus).create();
    captured.put(EXECUTION_TESTDATA.resolve("no-status.yaml"), get("ipe", bare));

    // --- Write them, or compare them with the committed ones.
    if (CAPTURE) {
      for (Path dir : List.of(EXECUTION_TESTDATA, WATCH_TESTDATA, ACTION_TESTDATA)) {
        for (Path old : yamlFiles(dir)) {
          if (!captured.containsKey(old)) {
            Files.delete(old);
          }
        }
      }
      for (var e : captured.entrySet()) {
        Files.writeString(e.getKey(), e.getValue());
      }
      return;
    }
    var committed = new TreeSet<Path>();
    committed.addAll(yamlFiles(EXECUTION_TESTDATA));
    committed.addAll(yamlFiles(WATCH_TESTDATA));
    committed.addAll(yamlFiles(ACTION_TESTDATA));
    assertThat(committed).as("testdata files; capture them with -Dargocd.capture=true")
        .containsExactlyInAnyOrderElementsOf(captured.keySet());
    for (var e : captured.entrySet()) {
      assertThat(normalize(e.getValue(), namespace))
          .as("%s as the operator writes it now (capture again with -Dargocd.capture=true)", RealCluster.REPO.relativize(e.getKey()))
          .isEqualTo(normalize(Files.readString(e.getKey()), NAMESPACE));
    }
  }

  /**
   * The actions' testdata: each input is a watch the operator wrote, read back as Argo CD reads
   * it; each expected output is that input with exactly the change the action makes (the Lua
   * harnesses compare whole objects), and the API server must accept it as an update of the live
   * watch (a server-side dry run: the schema and the resourceVersion are checked, nothing is
   * stored). Refresh writes ACTION_TIME, where the harnesses pin the clock; reconcile, the same
   * script, is tested on the same files.
   */
  static void captureActions(Map<Path, String> captured) throws Exception {
    String key = ImagePipelineWatch.RECONCILE_REQUESTED_AT;
    String base = get("ipw", "actions-base");
    String bare = get("ipw", "actions-bare");
    String thisSecond = get("ipw", "actions-this-second");
    String suspended = get("ipw", "actions-suspended");
    Map<String, String> files = new LinkedHashMap<>();
    files.put("watch", base);
    files.put("watch-refreshed", setAnnotation(base, key, ACTION_TIME));
    files.put("watch-suspended", setSuspend(base, true));
    files.put("watch-without-annotations", bare);
    files.put("watch-without-annotations-refreshed", setAnnotation(bare, key, ACTION_TIME));
    files.put("watch-without-annotations-suspended", setSuspend(bare, true));
    files.put("watch-requested-this-second", thisSecond);
    files.put("watch-requested-this-second-refreshed", setAnnotation(thisSecond, key, ACTION_TIME + " #1"));
    files.put("suspended-watch", suspended);
    files.put("suspended-watch-resumed", setSuspend(suspended, false));
    for (var e : files.entrySet()) {
      Path file = ACTION_TESTDATA.resolve(e.getKey() + ".yaml");
      if (e.getKey().endsWith("-refreshed") || e.getKey().endsWith("-suspended") || e.getKey().endsWith("-resumed")) {
        Path tmp = Files.createTempFile("action", ".yaml");
        try {
          Files.writeString(tmp, e.getValue());
          var dryRun = cluster.kubectlApart("replace", "--dry-run=server", "-f", tmp.toString());
          assertThat(dryRun.exitCode()).as("the API server accepts %s: %s", file.getFileName(), dryRun.stderr()).isZero();
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      captured.put(file, e.getValue());
    }
  }

  /** The watch with the annotation set, as an Argo CD action would return it. */
  static String setAnnotation(String yaml, String key, String value) {
    String line = "    " + key + ": \"" + value + "\"\n";
    var existing = java.util.regex.Pattern.compile("(?m)^    " + java.util.regex.Pattern.quote(key) + ": .*\n");
    if (existing.matcher(yaml).find()) {
      return existing.matcher(yaml).replaceFirst(java.util.regex.Matcher.quoteReplacement(line));
    }
    if (yaml.contains("\n  annotations:\n")) {
      return yaml.replaceFirst("\n  annotations:\n", java.util.regex.Matcher.quoteReplacement("\n  annotations:\n" + line));
    }
    assertThat(yaml).contains("\nmetadata:\n");
    return yaml.replaceFirst("\nmetadata:\n", java.util.regex.Matcher.quoteReplacement("\nmetadata:\n  annotations:\n" + line));
  }

  /** The watch with spec.suspend set, as the suspend and resume actions return it. */
  static String setSuspend(String yaml, boolean suspend) {
    if (yaml.contains("\n  suspend: ")) {
      return yaml.replaceFirst("\n  suspend: (true|false)\n", "\n  suspend: " + suspend + "\n");
    }
    assertThat(yaml).contains("\nspec:\n");
    return yaml.replaceFirst("\nspec:\n", "\nspec:\n  suspend: " + suspend + "\n");
  }

  /**
   * What differs from one run to the next: times, UIDs, resourceVersions, execution IDs and
   * resource groups made up by the simulator, and the namespace.
   */
  static String normalize(String yaml, String namespace) {
    return yaml.replace(namespace, "<namespace>")
        .replaceAll("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z", "<time>")
        .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uid>")
        .replaceAll("resourceVersion: \"\\d+\"", "resourceVersion: <resourceVersion>")
        .replaceAll("exec-[0-9a-f]{20}", "<executionId>")
        .replaceAll("rg-[0-9a-z]+", "<resourceGroupId>");
  }

  // ---------------------------------------------------------------- helpers

  static String pipeline(String id, int executions, String status) {
    ecs.addPipeline(REGION, id);
    ecs.addExecutions(REGION, id, executions, status, status.equals("SUCCESS") ? IMAGE : null, null);
    return id;
  }

  static final String TRACKING = "argocd.argoproj.io/tracking-id";

  static String tracking(String name) {
    return ARGOCD_APP + ":ecs.imagebuilder.dev/ImagePipelineWatch:" + namespace + "/" + name;
  }

  /** A watch with exactly these annotations (the tracking one included or not). */
  static void createWatch(String name, String pipeline, Map<String, String> annotations) {
    var watch = new GenericKubernetesResource();
    watch.setApiVersion("ecs.imagebuilder.dev/v1alpha1");
    watch.setKind("ImagePipelineWatch");
    watch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(name).withNamespace(namespace).withAnnotations(annotations.isEmpty() ? null : annotations).build());
    watch.setAdditionalProperty("spec", Map.of("regionId", REGION, "imagePipelineId", pipeline, "interval", "1h"));
    cluster.client.resource(watch).create();
  }

  /** A watch as Argo CD applies it from Git: with its tracking annotation. */
  static void createWatch(String name, String pipeline) {
    String yaml =
        """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineWatch
        metadata:
          name: %1$s
          namespace: %2$s
          annotations:
            argocd.argoproj.io/tracking-id: %3$s:ecs.imagebuilder.dev/ImagePipelineWatch:%2$s/%1$s
        spec:
          regionId: %4$s
          imagePipelineId: %5$s
          interval: 1h
        """
            .formatted(name, namespace, ARGOCD_APP, REGION, pipeline);
    cluster.client.resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class)).create();
  }

  /** The object pending deletion, held by a finalizer of the test, which is then let go. */
  static String deleteHeld(String kind, String name) throws Exception {
    kubectl("patch", kind, name, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":[\"" + HOLD + "\"]}}");
    kubectl("delete", kind, name, "--wait=false");
    String yaml = get(kind, name);
    assertThat(yaml).contains("deletionTimestamp");
    kubectl("patch", kind, name, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");
    return yaml;
  }

  /** The object as Argo CD (or anyone) reads it: kubectl get -o yaml, without managedFields. */
  static String get(String kind, String name) throws Exception {
    var out = cluster.kubectlApart("get", kind, name, "-n", namespace, "-o", "yaml");
    assertThat(out.exitCode()).as(out.stderr()).isZero();
    assertThat(out.stdout()).doesNotContain("managedFields");
    return out.stdout();
  }

  static void kubectl(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-n", namespace));
    var result = cluster.kubectl(all.toArray(String[]::new));
    assertThat(result.exitCode()).as("kubectl %s: %s", String.join(" ", args), result.output()).isZero();
  }

  static void stopOperator() throws InterruptedException {
    RealCluster.stopOperator(operator);
    operator = null;
  }

  static ImagePipelineWatch watch(String name) {
    return cluster.client.resources(ImagePipelineWatch.class).inNamespace(namespace).withName(name).get();
  }

  static String condition(String name, String type) {
    var w = watch(name);
    if (w == null || w.getStatus() == null || w.getStatus().getConditions() == null) {
      return null;
    }
    return w.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(c -> c.getStatus()).findFirst().orElse(null);
  }

  static List<ImagePipelineExecution> children() {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(namespace).list().getItems();
  }

  static ImagePipelineExecution child(String name) {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(namespace).withName(name).get();
  }

  static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
    }
  }
}
