package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import dev.imagebuilder.operator.simulator.Fault;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ImagePipelineOperatorTest extends MockClusterTest {

  static final String LIST = EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS;

  @Test
  void createsOneChildPerExecutionAcrossPages() {
    String pipeline = harness.pipeline("ip-pages");
    List<String> ids = harness.ecs.addExecutions(REGION, pipeline, 1234, "SUCCESS", "m-image", "done");
    harness.start();

    harness.createWatch("pages", pipeline, spec -> spec.setPageSize(500));
    var watch = harness.awaitFirstPoll("pages");

    assertThat(harness.ecs.callCount(LIST)).isEqualTo(3);
    var children = harness.children();
    assertThat(children).hasSize(1234);
    assertThat(children).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(ids);
    var child = harness.child(ids.get(7));
    assertThat(child.getSpec().getExecutionId()).isEqualTo(ids.get(7));
    assertThat(child.getSpec().getImagePipelineId()).isEqualTo(pipeline);
    assertThat(child.getSpec().getRegionId()).isEqualTo(REGION);
    assertThat(child.getStatus().getPhase()).isEqualTo("SUCCESS");
    assertThat(child.getStatus().getImageId()).isEqualTo("m-image");
    assertThat(child.getStatus().getMessage()).isEqualTo("done");
    assertThat(child.getStatus().getCreationTime()).isEqualTo(harness.ecs.findExecution(ids.get(7)).get().creationTime().toString());
    assertThat(condition(child, "Succeeded")).map(Condition::getStatus).contains("True");
    assertThat(child.getMetadata().getLabels())
        .containsEntry(ImagePipelineExecution.WATCH_LABEL, "pages")
        .containsEntry(ImagePipelineExecution.PIPELINE_LABEL, pipeline)
        .containsEntry(ImagePipelineExecution.STATUS_LABEL, "success");
    assertThat(child.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> {
          assertThat(o.getUid()).isEqualTo(watch.getMetadata().getUid());
          assertThat(o.getController()).isTrue();
        });
    assertThat(watch.getStatus().getExecutionCount()).isEqualTo(1234);
    assertThat(watch.getStatus().getExecutionsByStatus()).isEqualTo(Map.of("SUCCESS", 1234));
    assertThat(watch.getStatus().getLatestExecution().getExecutionId()).isEqualTo(ids.get(ids.size() - 1));
    assertThat(watch.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-image");
    assertThat(watch.getStatus().getObservedGeneration()).isEqualTo(watch.getMetadata().getGeneration());
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("True");
  }

  @Test
  void pollWithNothingChangedWritesNoChild() {
    String pipeline = harness.pipeline("ip-quiet");
    harness.ecs.addExecutions(REGION, pipeline, 30, "SUCCESS", "m-1", null);
    harness.start();
    harness.createWatch("quiet", pipeline, spec -> {});
    String readySince = condition(harness.awaitFirstPoll("quiet"), "Ready").get().getLastTransitionTime();
    harness.clearRequests();

    var watch = harness.poll("quiet");

    assertThat(harness.childWrites()).isZero();
    assertThat(condition(watch, "Ready").get().getLastTransitionTime()).isEqualTo(readySince);
  }

  @Test
  void statusChangeRewritesExactlyThatChildAndMovesTheLatestImage() {
    String pipeline = harness.pipeline("ip-change");
    harness.ecs.addExecutions(REGION, pipeline, 20, "SUCCESS", "m-old", null);
    String building = harness.ecs.addExecution(REGION, pipeline, "BUILDING");
    harness.start();
    harness.createWatch("change", pipeline, spec -> {});
    var before = harness.awaitFirstPoll("change");
    assertThat(before.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-old");
    assertThat(condition(harness.child(building), "Succeeded")).map(Condition::getStatus).contains("Unknown");
    harness.clearRequests();

    harness.ecs.setStatus(building, "SUCCESS", "m-new", "Image created");
    var after = harness.poll("change");

    assertThat(harness.childWrites()).isEqualTo(1);
    var child = harness.child(building);
    assertThat(child.getStatus().getPhase()).isEqualTo("SUCCESS");
    assertThat(child.getMetadata().getLabels()).containsEntry(ImagePipelineExecution.STATUS_LABEL, "success");
    assertThat(condition(child, "Succeeded")).map(Condition::getStatus).contains("True");
    assertThat(condition(child, "Reconciling")).isEmpty();
    assertThat(after.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-new");
    assertThat(after.getStatus().getLatestExecution().getStatus()).isEqualTo("SUCCESS");
    assertThat(events()).contains("Normal Imported Imported 21 executions from ECS", "Normal ExecutionSucceeded " + building + " ended SUCCESS with image m-new");
  }

  @Test
  void newExecutionsAndFailuresAreReportedOnceAsEventsNeverPerPoll() {
    String pipeline = harness.pipeline("ip-events");
    String running = harness.ecs.addExecution(REGION, pipeline, "TESTING");
    harness.start();
    harness.createWatch("events", pipeline, spec -> {});
    harness.awaitFirstPoll("events");

    String added = harness.ecs.addExecution(REGION, pipeline, "PREPARING");
    harness.ecs.setStatus(running, "TEST_FAILED", "m-broken", "test step failed");
    harness.poll("events");
    harness.poll("events");

    assertThat(events())
        .containsOnlyOnce("Normal NewExecutions 1 new executions: " + added + " (PREPARING)")
        .containsOnlyOnce("Warning ExecutionFailed " + running + " ended TEST_FAILED with image m-broken")
        .hasSize(4);
    assertThat(events()).filteredOn(e -> e.startsWith("Normal Synced")).as("Ready turned True once").hasSize(1);
  }

  private List<String> events() {
    return client.v1().events().inNamespace(OperatorHarness.NAMESPACE).list().getItems().stream()
        .map(e -> e.getType() + " " + e.getReason() + " " + e.getMessage())
        .collect(Collectors.toList());
  }

  @Test
  void anUndocumentedStatusIsShownAsRunningNotACrash() {
    String pipeline = harness.pipeline("ip-future");
    String id = harness.ecs.addExecution(REGION, pipeline, "BUILDING");
    harness.ecs.setUndocumentedStatus(id, "QUANTUM_BAKING");
    harness.start();
    harness.createWatch("future", pipeline, spec -> {});

    var watch = harness.awaitFirstPoll("future");

    var child = harness.child(id);
    assertThat(child.getStatus().getPhase()).isEqualTo("QUANTUM_BAKING");
    assertThat(condition(child, "Succeeded")).map(Condition::getReason).contains("UnrecognizedStatus");
    assertThat(condition(child, "Reconciling")).map(Condition::getStatus).contains("True");
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("True");
  }

  @Test
  void statusFilterAsksEcsForThoseStatusesAndRefreshesChildrenThatLeftIt() {
    String pipeline = harness.pipeline("ip-filter");
    harness.ecs.addExecutions(REGION, pipeline, 5, "SUCCESS", "m-1", null);
    String running = harness.ecs.addExecution(REGION, pipeline, "BUILDING");
    harness.start();
    harness.createWatch("filter", pipeline, spec -> spec.setStatusFilter(List.of(EcsStatus.BUILDING, EcsStatus.TESTING)));
    var watch = harness.awaitFirstPoll("filter");
    assertThat(harness.children()).extracting(c -> c.getMetadata().getName()).containsExactly(running);
    assertThat(watch.getStatus().getExecutionCount()).isEqualTo(1);

    harness.ecs.setStatus(running, "SUCCESS", "m-2", "done");
    harness.ecs.resetCallCounts();
    watch = harness.poll("filter");

    assertThat(harness.child(running).getStatus().getPhase()).isEqualTo("SUCCESS");
    assertThat(harness.child(running).getStatus().getImageId()).isEqualTo("m-2");
    assertThat(harness.ecs.callCount(LIST)).as("one listing plus one lookup by ExecutionId").isEqualTo(2);
    assertThat(harness.children()).hasSize(1);
    assertThat(watch.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-2");
  }

  @Test
  void pageSizeIsSentAsMaxResults() {
    String pipeline = harness.pipeline("ip-smallpages");
    harness.ecs.addExecutions(REGION, pipeline, 250, "FAILED");
    harness.start();
    harness.createWatch("small-pages", pipeline, spec -> spec.setPageSize(100));

    harness.awaitFirstPoll("small-pages");
    assertThat(harness.ecs.callCount(LIST)).isEqualTo(3);
    assertThat(harness.children()).hasSize(250);
  }

  @Test
  void reconcileRequestAnnotationPollsAtOnceAndIsEchoed() {
    String pipeline = harness.pipeline("ip-request");
    harness.start();
    harness.createWatch("request", pipeline, spec -> spec.setInterval("1h"));
    harness.awaitFirstPoll("request");
    String added = harness.ecs.addExecution(REGION, pipeline, "PREPARING");

    var watch = harness.poll("request");

    assertThat(watch.getStatus().getLastHandledReconcileAt()).isEqualTo("1");
    assertThat(harness.child(added)).isNotNull();
    assertThat(harness.ecs.callCount(LIST)).isEqualTo(2);
  }

  @Test
  void fluxRequestedAtPollsAtOnceAndBothAnnotationsTakeTurns() {
    String pipeline = harness.pipeline("ip-flux");
    harness.start();
    harness.createWatch("flux", pipeline, spec -> spec.setInterval("1h"));
    harness.awaitFirstPoll("flux");

    for (var request : List.of(
        Map.entry(ImagePipelineWatch.FLUX_REQUESTED_AT, "2026-06-01T10:00:00Z"),
        Map.entry(ImagePipelineWatch.RECONCILE_REQUESTED_AT, "own-1"),
        Map.entry(ImagePipelineWatch.FLUX_REQUESTED_AT, "2026-06-01T10:05:00Z"))) {
      String added = harness.ecs.addExecution(REGION, pipeline, "PREPARING");
      harness.editWatch("flux", w -> w.getMetadata().getAnnotations().put(request.getKey(), request.getValue()));
      await(request + " echoed", () -> request.getValue().equals(harness.watch("flux").getStatus().getLastHandledReconcileAt()));
      assertThat(harness.child(added)).as("polled for %s", request).isNotNull();
    }
    assertThat(harness.ecs.callCount(LIST)).isEqualTo(4);
  }

  @Test
  void aNewWatchAndANewSpecReadAsInProgressUntilTheirSyncEnds() {
    String pipeline = harness.pipeline("ip-import");
    harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS", "m-imported", null);
    harness.start();

    // The listing answers late (within the client's read timeout): the sync is under way meanwhile.
    harness.ecs.failNext(1, Fault.delay(java.time.Duration.ofMillis(1500)).onlyForAction(LIST));
    harness.createWatch("import", pipeline, spec -> spec.setInterval("1h"));
    await("the first sync announced", () -> "True".equals(status(harness.watch("import"), "Reconciling")));
    var syncing = harness.watch("import");
    assertThat(syncing.getStatus().getObservedGeneration()).isEqualTo(1L);
    assertThat(condition(syncing, "Ready")).get()
        .extracting(Condition::getStatus, Condition::getReason).containsExactly("Unknown", "Progressing");
    assertThat(condition(syncing, "Reconciling")).get().extracting(Condition::getReason).isEqualTo("Progressing");
    assertThat(syncing.getStatus().getLastHandledReconcileAt()).as("echoed only once handled").isNull();

    var synced = harness.awaitFirstPoll("import");
    assertThat(status(synced, "Ready")).isEqualTo("True");
    assertThat(condition(synced, "Reconciling")).isEmpty();

    harness.ecs.failNext(1, Fault.delay(java.time.Duration.ofMillis(1500)).onlyForAction(LIST));
    harness.editWatch("import", w -> w.getSpec().setInterval("2h"));
    await("the new spec announced", () -> {
      var w = harness.watch("import");
      return Long.valueOf(2).equals(w.getStatus().getObservedGeneration()) && "True".equals(status(w, "Reconciling"));
    });
    await("the new spec synced", () -> {
      var w = harness.watch("import");
      return "True".equals(status(w, "Ready")) && condition(w, "Reconciling").isEmpty();
    });
    assertThat(harness.watch("import").getStatus().getObservedGeneration()).isEqualTo(2L);
  }

  private static String status(ImagePipelineWatch watch, String type) {
    return condition(watch, type).map(Condition::getStatus).orElse(null);
  }

  @Test
  void executionNoLongerListedIsKeptAndMarkedRetained() {
    String pipeline = harness.pipeline("ip-history");
    List<String> ids = harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS", "m-1", null);
    harness.start();
    harness.createWatch("history", pipeline, spec -> {});
    harness.awaitFirstPoll("history");

    harness.ecs.deleteExecution(ids.get(0));
    harness.poll("history");

    var retained = harness.child(ids.get(0));
    assertThat(retained.getStatus().getPhase()).isEqualTo("SUCCESS");
    assertThat(condition(retained, "Retained")).map(Condition::getReason).contains("NoLongerListed");
    assertThat(condition(harness.child(ids.get(1)), "Retained")).isEmpty();
  }

  @Test
  void badCredentialsStallTheWatchWithAnAccessReason() {
    String pipeline = harness.pipeline("ip-denied");
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
    harness.start(OperatorHarness.ACCESS_KEY_ID, "wrong-secret", Clock.systemUTC());
    harness.createWatch("denied", pipeline, spec -> {});

    var watch = harness.awaitFirstPoll("denied");

    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("AccessDenied");
    assertThat(condition(watch, "Stalled").get().getMessage()).contains("SignatureDoesNotMatch").doesNotContain("wrong-secret");
    assertThat(condition(watch, "Reconciling")).isEmpty();
    assertThat(harness.children()).isEmpty();
  }

  @Test
  void throttlingKeepsChildrenAndRecoversByItself() {
    String pipeline = harness.pipeline("ip-throttled");
    harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS", "m-1", null);
    // A clock just before a minute boundary, so the wait for the next throttling window is short.
    var clock = new MutableClock();
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, clock);
    harness.createWatch("throttled", pipeline, spec -> {});
    harness.awaitFirstPoll("throttled");
    String added = harness.ecs.addExecution(REGION, pipeline, "BUILDING");

    harness.ecs.failNext(1, Fault.throttling("Throttling.User"));
    clock.nearMinuteEnd();
    var watch = harness.poll("throttled");

    assertThat(condition(watch, "Reconciling")).map(Condition::getReason).contains("RetryingAfterThrottle");
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).as("one throttled call does not flap Ready").contains("True");
    assertThat(harness.children()).hasSize(3);
    await("recovery without another request", () -> harness.child(added) != null);
    await("Ready with reason Synced", () -> condition(harness.watch("throttled"), "Ready").map(Condition::getReason).equals(Optional.of("Synced")));
    assertThat(condition(harness.watch("throttled"), "Reconciling")).isEmpty();
  }

  @Test
  void servesProbesAndMetricsOfEcsRequestsWritesAndWatches() throws Exception {
    String pipeline = harness.pipeline("ip-metrics");
    harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS");
    harness.ecs.addExecution(REGION, pipeline, "BUILDING");
    harness.start();
    harness.createWatch("metrics", pipeline, spec -> {});
    harness.awaitFirstPoll("metrics");
    harness.ecs.failNext(1, Fault.throttling("Throttling.User"));
    harness.poll("metrics");

    var http = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + harness.httpPort();
    assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);
    assertThat(get(http, base + "/metrics").statusCode()).as("/metrics is not on the probe port").isEqualTo(404);
    String metrics = get(http, "http://127.0.0.1:" + harness.metricsPort() + "/metrics").body();
    assertThat(metrics)
        .contains("imagebuilder_ecs_requests_total{action=\"DescribeImagePipelineExecutions\",region=\"cn-hangzhou\",result=\"OK\"} 1.0")
        .contains("imagebuilder_ecs_requests_total{action=\"DescribeImagePipelineExecutions\",region=\"cn-hangzhou\",result=\"Throttling.User\"} 1.0")
        .contains("imagebuilder_ecs_throttled_requests_total{action=\"DescribeImagePipelineExecutions\",region=\"cn-hangzhou\"} 1.0")
        .contains("imagebuilder_kubernetes_writes_total{kind=\"ImagePipelineExecution\",verb=\"create\"} 4.0")
        .contains("imagebuilder_executions{status=\"SUCCESS\"} 3.0")
        .contains("imagebuilder_executions{status=\"BUILDING\"} 1.0")
        .contains("imagebuilder_watch_ready{namespace=\"builds\",watch=\"metrics\"} 1.0")
        .contains("imagebuilder_watch_last_successful_sync_seconds{namespace=\"builds\",watch=\"metrics\"}")
        .contains("imagebuilder_sync_duration_seconds_count");

    client.resources(ImagePipelineWatch.class).inNamespace(OperatorHarness.NAMESPACE).withName("metrics").delete();
    await("the deleted watch's series gone", () -> !scrape(http, "http://127.0.0.1:" + harness.metricsPort()).contains("watch=\"metrics\""));
    assertThat(scrape(http, "http://127.0.0.1:" + harness.metricsPort()))
        .as("its executions leave the totals")
        .contains("imagebuilder_executions{status=\"SUCCESS\"} 0.0")
        .contains("imagebuilder_executions{status=\"BUILDING\"} 0.0");
  }

  private static String scrape(java.net.http.HttpClient http, String base) {
    try {
      return get(http, base + "/metrics").body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void watchEventsOfChildrenAreReadAsChildrenWithoutAConversion() {
    harness.start();
    String event =
        """
        {"type": "ADDED", "object": {"apiVersion": "ecs.imagebuilder.dev/v1alpha1",
          "kind": "ImagePipelineExecution", "metadata": {"name": "exec-1", "namespace": "builds"}}}
        """;

    var parsed = client.getKubernetesSerialization().unmarshal(event, io.fabric8.kubernetes.api.model.WatchEvent.class);

    assertThat(parsed.getObject()).isInstanceOf(ImagePipelineExecution.class);
  }

  private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient http, String url) throws Exception {
    return http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private List<String> warningReasons() {
    return client.v1().events().inNamespace(OperatorHarness.NAMESPACE).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()))
        .map(e -> e.getReason())
        .collect(Collectors.toList());
  }

  /** The condition, also of a watch not polled yet (none then). */
  static Optional<Condition> condition(ImagePipelineWatch watch, String type) {
    return watch == null || watch.getStatus() == null
        ? Optional.empty()
        : watch.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst();
  }

  static Optional<Condition> condition(ImagePipelineExecution child, String type) {
    return child.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst();
  }
}
