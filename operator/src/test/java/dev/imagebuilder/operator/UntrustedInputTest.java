package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.ImagePipelineOperatorTest.condition;
import static dev.imagebuilder.operator.OperatorHarness.NAMESPACE;
import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.simulator.Fault;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What ECS answers and what the API server refuses reach one execution at most, never the watch. */
class UntrustedInputTest extends MockClusterTest {

  @Test
  void anExecutionIdThatIsNoObjectNameIsSkippedWithAWarningAndAMetric() {
    String pipeline = harness.pipeline("ip-oddids");
    harness.ecs.failNext(1, Fault.answer("""
        {"NextToken": "", "RequestId": "r", "TotalCount": 2, "ImagePipelineExecution": {"ImagePipelineExecutionSet": [
          {"ExecutionId": "exec-good1", "Status": "SUCCESS", "ImageId": "m-1", "CreationTime": "2026-06-01T10:00:00Z",
           "ModifiedTime": "2026-06-01T10:00:00Z", "Message": "%s"},
          {"ExecutionId": "../../etc/passwd", "Status": "SUCCESS", "ImageId": "m-2", "CreationTime": "2026-06-01T11:00:00Z",
           "ModifiedTime": "2026-06-01T11:00:00Z", "Message": ""}]}}
        """.formatted("m".repeat(100_000))));
    harness.start();
    harness.createWatch("odd", pipeline, spec -> {});

    var watch = harness.awaitFirstPoll("odd");

    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("True");
    assertThat(condition(watch, "Ready").get().getMessage()).contains("1 could not be mirrored");
    assertThat(harness.children()).extracting(c -> c.getMetadata().getName()).containsExactly("exec-good1");
    var child = harness.child("exec-good1");
    assertThat(child.getStatus().getMessage()).hasSizeLessThanOrEqualTo(1024);
    assertThat(child.getStatus().getConditions()).allSatisfy(c -> assertThat(c.getMessage()).hasSizeLessThanOrEqualTo(1024));
    assertThat(events("InvalidExecutionId")).singleElement().satisfies(e -> assertThat(e.getMessage()).contains("../../etc/passwd"));
    assertThat(harness.metrics.registry().get("imagebuilder_executions_skipped").tag("reason", "InvalidExecutionId").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aChildTheApiServerRefusesIsThatChildsProblemNotARetryOfTheWatch() {
    String pipeline = harness.pipeline("ip-refused");
    harness.ecs.addExecutions(REGION, pipeline, 1, "SUCCESS");
    server.expect().post().withPath("/apis/ecs.imagebuilder.dev/v1alpha1/namespaces/" + NAMESPACE + "/imagepipelineexecutions")
        .andReturn(422, new StatusBuilder().withStatus("Failure").withReason("Invalid").withCode(422)
            .withMessage("ImagePipelineExecution is invalid").build())
        .once();
    harness.start();
    harness.createWatch("refused", pipeline, spec -> {});

    var watch = harness.awaitFirstPoll("refused");
    harness.clearRequests();
    var again = harness.poll("refused");

    assertThat(condition(watch, "Ready")).map(Condition::getReason).contains("Synced");
    assertThat(condition(again, "Reconciling")).isEmpty();
    assertThat(harness.childWrites()).as("the same answer of ECS is not sent again").isZero();
    assertThat(events("ChildRejected")).singleElement().satisfies(e -> assertThat(e.getMessage()).contains("Invalid"));
    assertThat(harness.metrics.registry().get("imagebuilder_child_write_errors").tag("reason", "Rejected").counter().count())
        .isEqualTo(1);
  }

  List<io.fabric8.kubernetes.api.model.Event> events(String reason) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }
}
