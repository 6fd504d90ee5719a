package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Between full listings ECS is asked only for executions in progress. */
@EnableKubernetesMockClient(crud = true)
class IncrementalPollingTest {

  static final String LIST = EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS;

  KubernetesMockServer server;
  KubernetesClient client;
  OperatorHarness harness;

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void pollsBetweenFullListingsAskOnlyForActiveExecutionsAndLookUpThoseThatFinished() {
    harness = new OperatorHarness(server, client);
    String pipeline = harness.pipeline("ip-incremental");
    harness.ecs.addExecutions(REGION, pipeline, 1200, "SUCCESS", "m-old", null);
    List<String> running = harness.ecs.addExecutions(REGION, pipeline, 3, "BUILDING");
    harness.start();
    harness.createWatch("incremental", pipeline, spec -> {
      spec.setInterval("10s");
      spec.setFullResyncInterval("1h");
    });
    var first = harness.awaitFirstPoll("incremental");
    String fullAt = first.getStatus().getLastFullSyncTime();
    assertThat(harness.ecs.callCount(LIST)).as("the first poll lists everything").isEqualTo(3);

    harness.ecs.resetCallCounts();
    harness.ecs.setStatus(running.get(0), "SUCCESS", "m-new", "done");
    String started = harness.ecs.addExecution(REGION, pipeline, "PREPARING");
    await("the next scheduled poll", () -> !first.getStatus().getLastSyncTime().equals(harness.watch("incremental").getStatus().getLastSyncTime()));

    var watch = harness.watch("incremental");
    assertThat(watch.getStatus().getLastFullSyncTime()).as("no full listing").isEqualTo(fullAt);
    assertThat(harness.ecs.callCount(LIST)).as("one page of active executions, one lookup of the one that finished").isEqualTo(2);
    assertThat(harness.child(running.get(0)).getStatus().getPhase()).isEqualTo("SUCCESS");
    assertThat(harness.child(started)).isNotNull();
    assertThat(watch.getStatus().getExecutionsByStatus()).isEqualTo(Map.of("SUCCESS", 1201, "BUILDING", 2, "PREPARING", 1));
    assertThat(watch.getStatus().getExecutionCount()).isEqualTo(1204);
    assertThat(watch.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-new");
  }
}
