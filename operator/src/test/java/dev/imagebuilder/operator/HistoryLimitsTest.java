package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.HistoryLimits;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** spec.history keeps etcd bounded: finished children are pruned, running ones never, counts stay true. */
@EnableKubernetesMockClient(crud = true)
class HistoryLimitsTest {

  KubernetesMockServer server;
  KubernetesClient client;
  OperatorHarness harness;
  MutableClock ecsClock = new MutableClock();

  @BeforeEach
  void setUp() {
    harness = new OperatorHarness(server, client, ecsClock);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void limitsKeepTheNewestFinishedChildrenAndEveryRunningOne() {
    String pipeline = harness.pipeline("ip-limited");
    List<String> ok = harness.ecs.addExecutions(REGION, pipeline, 5, "SUCCESS", "m-ok", null);
    List<String> failed = harness.ecs.addExecutions(REGION, pipeline, 3, "FAILED");
    String running = harness.ecs.addExecution(REGION, pipeline, "BUILDING");
    harness.start();
    var history = new HistoryLimits();
    history.setSuccessfulLimit(2L);
    history.setFailedLimit(1L);
    harness.createWatch("limited", pipeline, spec -> spec.setHistory(history));

    var watch = harness.awaitFirstPoll("limited");
    assertThat(harness.childWrites()).as("only the kept executions are ever created").isEqualTo(4);

    assertThat(names()).containsExactlyInAnyOrder(ok.get(3), ok.get(4), failed.get(2), running);
    assertThat(watch.getStatus().getExecutionCount()).as("counts describe ECS, not the children").isEqualTo(9);
    assertThat(watch.getStatus().getExecutionsByStatus()).isEqualTo(Map.of("SUCCESS", 5, "FAILED", 3, "BUILDING", 1));

    harness.clearRequests();
    harness.poll("limited");
    assertThat(harness.childWrites()).as("pruned executions are not created again").isZero();

    harness.ecs.setStatus(running, "SUCCESS", "m-newest", "done");
    watch = harness.poll("limited");
    await("the oldest kept success pruned", () -> names().size() == 3);
    assertThat(names()).containsExactlyInAnyOrder(ok.get(4), running, failed.get(2));
    assertThat(watch.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-newest");
  }

  @Test
  void firstSyncOfAnOldPipelineImportsOnlyTheNewestExecutions() {
    String pipeline = harness.pipeline("ip-old");
    ecsClock.advance(Duration.ofDays(-30));
    List<String> old = harness.ecs.addExecutions(REGION, pipeline, 40, "SUCCESS", "m-old", null);
    ecsClock.advance(Duration.ofDays(30));
    harness.start();
    var history = new HistoryLimits();
    history.setMaxCount(5L);
    harness.createWatch("old", pipeline, spec -> spec.setHistory(history));
    harness.awaitFirstPoll("old");
    assertThat(names()).containsExactlyInAnyOrderElementsOf(old.subList(35, 40));

    String fresh = harness.ecs.addExecution(REGION, pipeline, "PREPARING");
    harness.poll("old");

    assertThat(names()).hasSize(6).contains(fresh);
  }

  private List<String> names() {
    return harness.children().stream().map(c -> c.getMetadata().getName()).toList();
  }
}
