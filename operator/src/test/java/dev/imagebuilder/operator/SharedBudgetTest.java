package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A hundred watches created together share one ECS request budget and converge. */
@EnableKubernetesMockClient(crud = true)
class SharedBudgetTest {

  static final double RATE = 10;

  KubernetesMockServer server;
  KubernetesClient client;
  OperatorHarness harness;

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void hundredWatchesStayWithinTheBudgetShareListingsAndAllBecomeReady() {
    harness = new OperatorHarness(server, client);
    // Fifty pipelines, each named by two watches in two namespaces (two in one namespace would
    // write the same children, so only one of them mirrors): one listing serves both.
    for (int p = 0; p < 50; p++) {
      harness.pipeline("ip-shared" + p);
      harness.ecs.addExecutions(REGION, "ip-shared" + p, 3, "SUCCESS", "m-" + p, null);
    }
    // Created before the operator starts, as after a restart: its first pass already knows which
    // watches share a pipeline.
    for (int w = 0; w < 100; w++) {
      int pipeline = w % 50;
      var watch = new ImagePipelineWatch();
      watch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
          .withName("w" + w).withNamespace(w < 50 ? OperatorHarness.NAMESPACE : "builds-b").build());
      var spec = new dev.imagebuilder.operator.api.ImagePipelineWatchSpec();
      spec.setRegionId(REGION);
      spec.setImagePipelineId("ip-shared" + pipeline);
      spec.setInterval("10m");
      watch.setSpec(spec);
      client.resource(watch).create();
    }
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, Clock.systemUTC(), java.util.Map.of("ECS_REQUESTS_PER_SECOND", Double.toString(RATE),
        "OWN_CREDENTIALS_GRANTS", "[{\"namespace\":\"" + OperatorHarness.NAMESPACE + "\",\"pipelines\":[\"*\"]},"
            + "{\"namespace\":\"builds-b\",\"pipelines\":[\"*\"]}]"));

    await("all hundred watches Ready", () -> client.resources(ImagePipelineWatch.class).inAnyNamespace()
        .list().getItems().stream()
        .filter(w -> w.getStatus() != null && w.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
        .count() == 100);

    List<Instant> calls = harness.ecs.callTimes();
    assertThat(calls).as("one listing per pipeline").hasSize(50);
    assertThat(harness.children()).hasSize(150);
    // A token bucket with one second's burst releases at most burst + rate * W calls in any W
    // seconds. Times are taken where ECS receives the calls, on a busy machine: a call released
    // early can arrive late, so the check allows one more burst of lateness, over windows of two
    // seconds. Without the budget all fifty would arrive within a fraction of a second.
    for (int i = 0; i < calls.size(); i++) {
      Instant end = calls.get(i).plus(Duration.ofSeconds(2));
      long inWindow = calls.stream().skip(i).takeWhile(t -> t.isBefore(end)).count();
      assertThat(inWindow).as("calls in the two seconds after call %d", i).isLessThanOrEqualTo((long) (RATE + 2 * RATE + RATE));
    }
    // 40 calls past the burst take 4 s at 10/s; the first arrivals may lag the first releases.
    Duration span = Duration.between(calls.get(0), calls.get(calls.size() - 1));
    assertThat(span).as("50 calls at %s/s after a burst of %s", RATE, RATE).isGreaterThan(Duration.ofSeconds(3));
    assertThat(harness.ecs.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(50);
  }
}
