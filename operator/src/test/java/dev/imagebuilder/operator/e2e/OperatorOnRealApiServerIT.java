package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The built operator jar, run as its own process against a real kube-apiserver + etcd +
 * garbage collector, and the ECS simulator through the real SDK: what the mock server cannot
 * prove (schema validation, the status subresource, garbage collection, real watches).
 */
class OperatorOnRealApiServerIT {

  static final String REGION = "cn-shanghai";
  static final String KEY_ID = "LTAI5tE2eKey";
  static final String KEY_SECRET = "e2e-secret-value";

  static RealCluster cluster;
  static Watches watches;
  static EcsSimulator ecs;
  static Process operator;
  static int operatorStarts;

  @BeforeAll
  static void startEverything() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    // Grants are read when the operator starts: the namespaces of the tests that poll come first.
    for (String prefix : List.of("pages", "kubectl", "gc", "restart")) {
      granted.put(prefix, cluster.freshNamespace(prefix));
    }
    startOperator();
  }

  /** Namespaces, by test, that may poll with the operator's own credentials. */
  static final Map<String, String> granted = new java.util.HashMap<>();

  @AfterAll
  static void stopEverything() throws InterruptedException {
    stopOperator();
    if (ecs != null) {
      ecs.close();
    }
  }

  static void startOperator() throws IOException {
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET, 
        Map.of("OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(granted.values().toArray(String[]::new))),
        "operator-" + (++operatorStarts) + ".log");
  }

  static void stopOperator() throws InterruptedException {
    RealCluster.stopOperator(operator);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "imagePipelineId: pipeline-1 | spec.imagePipelineId | should match '^ip-[a-z0-9]+$'",
        "regionId: CN_HANGZHOU       | spec.regionId        | should match",
        "pageSize: 0                 | spec.pageSize        | should be greater than or equal to 1",
        "pageSize: 501               | spec.pageSize        | should be less than or equal to 500",
        "statusFilter: [DONE]        | spec.statusFilter    | Unsupported value: \"DONE\"",
        "interval: 5s                | spec.interval        | interval 5s is not between 10s and 24h",
        "interval: 25h               | spec.interval        | interval 25h is not between 10s and 24h",
        "interval: soon              | spec.interval        | is not a duration such as 30s, 5m or 1h30m",
        "fullResyncInterval: 721h    | spec.fullResyncInterval | fullResyncInterval 721h is not between 0s and 720h",
        "'statusFilter: [FAILED, SUCCESS, FAILED]' | spec.statusFilter | statusFilter names FAILED more than once",
        "'history: {successfulLimit: -1}' | spec.history.successfulLimit | should be greater than or equal to 0",
        "'history: {maxAge: 87601h}'      | spec.history.maxAge          | history.maxAge 87601h is not between 0s and 87600h",
        "'history: {maxAge: forever}'     | spec.history.maxAge          | is not a duration such as 30s, 5m or 1h30m",
        "'credentialsSecretRef: {name: Bad_Name}' | spec.credentialsSecretRef.name | should match",
        "'credentialsSecretRef: {accessKeyIdKey: id}' | spec.credentialsSecretRef.name | Required value",
      })
  void badWatchesAreRejectedByTheSchemaWithAClearMessage(String override, String field, String message) {
    String ns = cluster.freshNamespace("invalid");
    String yaml =
        """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineWatch
        metadata:
          name: bad
        spec:
          regionId: cn-hangzhou
          imagePipelineId: ip-good
        """;
    String key = override.substring(0, override.indexOf(':'));
    yaml = yaml.replaceAll("(?m)^  " + key + ": .*\\n", "") + "  " + override + "\n";
    var watch = Serialization.unmarshal(yaml, GenericKubernetesResource.class);

    assertThatThrownBy(() -> cluster.client.resource(watch).inNamespace(ns).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining(field)
        .hasMessageContaining(message);
  }

  /**
   * What a user sees: {@code kubectl apply} of a watch that only the CRD's validation rules (CEL)
   * refuse, with the rule's own message, on every supported server version.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "interval: 25h                             | spec.interval           | interval 25h is not between 10s and 24h",
        "interval: 1 minute                        | spec.interval           | interval '1 minute' is not a duration such as 30s, 5m or 1h30m",
        "fullResyncInterval: 721h                  | spec.fullResyncInterval | fullResyncInterval 721h is not between 0s and 720h",
        "'statusFilter: [FAILED, SUCCESS, FAILED]' | spec.statusFilter       | statusFilter names FAILED more than once",
        "'history: {maxAge: 87601h}'               | spec.history.maxAge     | history.maxAge 87601h is not between 0s and 87600h",
      })
  void kubectlApplyOfAWatchTheValidationRulesRefuseShowsTheirMessage(String override, String field, String message)
      throws Exception {
    String ns = cluster.freshNamespace("cel");
    Path file = Files.createTempFile("watch", ".yaml");
    Files.writeString(file, """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineWatch
        metadata:
          name: refused
        spec:
          regionId: cn-hangzhou
          imagePipelineId: ip-good
        """ + "  " + override + "\n");
    var apply = cluster.kubectl("apply", "-n", ns, "-f", file.toString());
    Files.delete(file);
    assertThat(apply.exitCode()).as(apply.output()).isNotZero();
    assertThat(apply.output())
        .contains("The ImagePipelineWatch \"refused\" is invalid: ")
        .contains(field + ": Invalid value")
        .contains(message);
    assertThat(cluster.client.genericKubernetesResources("ecs.imagebuilder.dev/v1alpha1", "ImagePipelineWatch")
        .inNamespace(ns).withName("refused").get()).as("nothing stored").isNull();
  }

  @Test
  void aWatchWithoutPipelineIsRejectedAsRequired() {
    String ns = cluster.freshNamespace("invalid");
    var watch =
        Serialization.unmarshal(
            "apiVersion: ecs.imagebuilder.dev/v1alpha1\nkind: ImagePipelineWatch\nmetadata: {name: bad}\nspec: {regionId: cn-hangzhou}\n",
            GenericKubernetesResource.class);
    assertThatThrownBy(() -> cluster.client.resource(watch).inNamespace(ns).create())
        .hasMessageContaining("spec.imagePipelineId")
        .hasMessageContaining("Required value");
  }

  /** Pins the server build: one built with a newer Go decoded "" as null and rejected this. */
  @Test
  void emptyStringsInACustomResourceAreKept() {
    String ns = cluster.freshNamespace("empty");
    var child =
        Serialization.unmarshal(
            """
            apiVersion: ecs.imagebuilder.dev/v1alpha1
            kind: ImagePipelineExecution
            metadata: {name: exec-empty}
            spec: {regionId: cn-hangzhou, imagePipelineId: ip-x, executionId: exec-empty}
            status: {phase: BUILDING, message: "", imageId: ""}
            """,
            GenericKubernetesResource.class);
    cluster.client.resource(child).inNamespace(ns).create();

    var stored = cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).withName("exec-empty").get();
    assertThat(stored.getStatus().getMessage()).isEmpty();
    assertThat(stored.getStatus().getImageId()).isEmpty();
  }

  @Test
  void mirrorsEveryExecutionAcrossPagesAndFollowsStatusChanges() {
    String ns = granted.get("pages");
    String pipeline = pipeline("ip-e2epages");
    List<String> done = ecs.addExecutions(REGION, pipeline, 110, "SUCCESS", "m-e2e1", "ok");
    String running = ecs.addExecution(REGION, pipeline, "TESTING");
    createWatch(ns, "pages", pipeline, "pageSize: 50");

    await("all children", () -> children(ns).size() == 111);
    var child = cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).withName(done.get(3)).get();
    assertThat(child.getStatus().getPhase()).isEqualTo("SUCCESS");
    assertThat(child.getStatus().getImageId()).isEqualTo("m-e2e1");
    assertThat(child.getMetadata().getLabels()).containsEntry(ImagePipelineExecution.STATUS_LABEL, "success");
    await("watch Ready", () -> "True".equals(readyStatus(ns, "pages")));
    assertThat(watch(ns, "pages").getStatus().getExecutionCount()).isEqualTo(111);

    ecs.setStatus(running, "SUCCESS", "m-e2e2", "Image created");
    watches.requestPoll(ns, "pages", "after-change");

    await("status change", () -> "SUCCESS".equals(phase(ns, running)));
    await("latest image", () -> "m-e2e2".equals(watch(ns, "pages").getStatus().getLatestSuccessfulImageId()));
  }

  @Test
  void kubectlShowsThePrinterColumnsAndWaitsForSuccess() throws Exception {
    String ns = granted.get("kubectl");
    String pipeline = pipeline("ip-e2ekubectl");
    String id = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-e2ecolumns", "Image created");
    createWatch(ns, "columns", pipeline, "interval: 1m");
    await("child", () -> children(ns).size() == 1);
    await("watch Ready", () -> "True".equals(readyStatus(ns, "columns")));

    var ipe = cluster.kubectl("get", "ipe", "-n", ns);
    assertThat(ipe.exitCode()).isZero();
    assertThat(ipe.output().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PIPELINE", "STATUS", "IMAGE", "SUCCEEDED", "CREATED", "MODIFIED", "AGE");
    assertThat(ipe.output()).containsPattern(id + "\\s+" + pipeline + "\\s+SUCCESS\\s+m-e2ecolumns\\s+True\\s+");

    var ipw = cluster.kubectl("get", "ipw", "-n", ns);
    assertThat(ipw.output().lines().findFirst().orElseThrow().split("\\s{2,}"))
        .containsExactly("NAME", "PIPELINE", "REGION", "READY", "REASON", "LATEST", "IMAGE", "LAST SYNC", "AGE");
    assertThat(ipw.output()).containsPattern("columns\\s+" + pipeline + "\\s+" + REGION + "\\s+True\\s+Synced\\s+SUCCESS\\s+m-e2ecolumns");
    var wide = cluster.kubectl("get", "ipw", "-n", ns, "-o", "wide");
    assertThat(wide.output().lines().findFirst().orElseThrow().split("\\s{2,}"))
        .containsExactly("NAME", "PIPELINE", "REGION", "READY", "REASON", "LATEST", "IMAGE", "LAST SYNC", "AGE",
            "INTERVAL", "SUSPENDED", "EXECUTIONS");
    assertThat(wide.output()).containsPattern("\\s1m\\s+false\\s+1\\n");

    var wait = cluster.kubectl("wait", "--for=condition=Succeeded", "ipe/" + id, "-n", ns, "--timeout=60s");
    assertThat(wait.exitCode()).as(wait.output()).isZero();
    assertThat(wait.output()).contains("condition met");
  }

  @Test
  void deletingTheWatchGarbageCollectsItsChildren() {
    String ns = granted.get("gc");
    String pipeline = pipeline("ip-e2egc");
    ecs.addExecutions(REGION, pipeline, 5, "FAILED");
    createWatch(ns, "doomed", pipeline, "interval: 1m");
    await("children", () -> children(ns).size() == 5);

    cluster.client.resources(ImagePipelineWatch.class).inNamespace(ns).withName("doomed").delete();

    await("children garbage-collected", () -> children(ns).isEmpty());
  }

  @Test
  void restartingTheOperatorMidSyncLosesAndDuplicatesNothing() throws Exception {
    String ns = granted.get("restart");
    String pipeline = pipeline("ip-e2erestart");
    List<String> ids = ecs.addExecutions(REGION, pipeline, 1500, "SUCCESS", "m-restart", null);
    createWatch(ns, "restart", pipeline, "pageSize: 100");

    await("some children", () -> !children(ns).isEmpty());
    stopOperator();
    int whenKilled = children(ns).size();
    startOperator();

    await("all children after the restart", () -> children(ns).size() == ids.size());
    var names = new HashSet<String>();
    children(ns).forEach(c -> names.add(c.getMetadata().getName()));
    assertThat(names).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(whenKilled).as("killed before the sync finished").isLessThan(ids.size());
    await("watch Ready", () -> "True".equals(readyStatus(ns, "restart")));
    assertThat(watch(ns, "restart").getStatus().getExecutionCount()).isEqualTo(ids.size());
  }

  private static String pipeline(String id) {
    ecs.addPipeline(REGION, id);
    return id;
  }

  private static void createWatch(String ns, String name, String pipeline, String extraSpec) {
    watches.create(ns, name, pipeline, extraSpec);
  }

  private static ImagePipelineWatch watch(String ns, String name) {
    return cluster.client.resources(ImagePipelineWatch.class).inNamespace(ns).withName(name).get();
  }

  private static String readyStatus(String ns, String name) {
    var w = watch(ns, name);
    if (w == null || w.getStatus() == null) {
      return null;
    }
    return w.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("Ready"))
        .map(c -> c.getStatus())
        .findFirst()
        .orElse(null);
  }

  private static String phase(String ns, String executionId) {
    var c = cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).withName(executionId).get();
    return c == null || c.getStatus() == null ? null : c.getStatus().getPhase();
  }

  private static List<ImagePipelineExecution> children(String ns) {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).list().getItems();
  }
}
