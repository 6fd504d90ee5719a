package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.OperatorHarness.ACCESS_KEY_ID;
import static dev.imagebuilder.operator.OperatorHarness.ACCESS_KEY_SECRET;
import static dev.imagebuilder.operator.OperatorHarness.NAMESPACE;
import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.HistoryLimits;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionSpec;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.ecs.ImagePipelines;
import dev.imagebuilder.operator.ecs.PipelineRef;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Children are pruned and named from what ECS reported alone: a child someone else wrote never
 * decides what the operator deletes, two executions never share a child, and a name someone else
 * holds costs less and less as it stays taken.
 */
class PruningAndNamingTest extends MockClusterTest {

  static final String CHILDREN = "/apis/ecs.imagebuilder.dev/v1alpha1/namespaces/" + NAMESPACE + "/imagepipelineexecutions";

  @Test
  void aForgedNewerSuccessNeitherPrunesTheRealOneNorIsKeptInItsPlace() {
    String pipeline = harness.pipeline("ip-forgedlimit");
    List<String> real = harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS", "m-real", "built");
    harness.start();
    var history = new HistoryLimits();
    history.setSuccessfulLimit(1L);
    var watch = harness.createWatch("limited", pipeline, spec -> spec.setHistory(history));
    var synced = harness.awaitFirstPoll("limited");
    assertThat(names()).containsExactly(real.get(1));

    // A tenant writes a SUCCESS child dated 2099 that names the watch as its controller.
    var forged = new ImagePipelineExecution();
    forged.setMetadata(new ObjectMetaBuilder()
        .withName("exec-forged").withNamespace(NAMESPACE)
        .withLabels(harness.child(real.get(1)).getMetadata().getLabels())
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(watch.getApiVersion()).withKind(watch.getKind())
            .withName("limited").withUid(synced.getMetadata().getUid()).withController(true).build())
        .build());
    forged.setSpec(new ImagePipelineExecutionSpec(REGION, pipeline, "exec-forged"));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase("SUCCESS");
    status.setImageId("m-forged");
    status.setCreationTime("2099-01-01T00:00:00Z");
    status.setModifiedTime("2099-01-01T00:00:00Z");
    forged.setStatus(status);
    client.resource(forged).create();

    harness.poll("limited");
    var after = harness.poll("limited");

    assertThat(names()).as("the real newest success stays; the forgery is left where its author put it")
        .containsExactlyInAnyOrder(real.get(1), "exec-forged");
    assertThat(after.getStatus().getLatestSuccessfulImageId()).startsWith("m-real");

    // A new success in ECS still prunes the real one it replaces, and still not the forgery.
    String newest = harness.ecs.addExecution(REGION, pipeline, "SUCCESS", "m-newest", "built");
    harness.poll("limited");
    OperatorHarness.await("the older real success pruned", () -> !names().contains(real.get(1)));
    assertThat(names()).containsExactlyInAnyOrder(newest, "exec-forged");
  }

  @Test
  void executionIdsDifferingOnlyInCaseShareNoChildAndStopBeingWrittenAfterTheFirstPoll() {
    String pipeline = harness.pipeline("ip-cased");
    String lower = harness.ecs.addExecution(REGION, pipeline, "SUCCESS", "m-lower", "built");
    String upper = lower.toUpperCase(Locale.ROOT);
    // ECS IDs are case-sensitive: this ECS lists a second execution whose ID differs only in case.
    harness.start(ACCESS_KEY_ID, ACCESS_KEY_SECRET, Clock.systemUTC(), Map.of(), api -> withTwin(api, lower, upper));
    harness.createWatch("cased", pipeline, spec -> {});
    harness.awaitFirstPoll("cased");
    assertThat(harness.children()).singleElement()
        .satisfies(c -> assertThat(c.getSpec().getExecutionId()).as("the ID that sorts first").isEqualTo(upper));

    harness.clearRequests();
    for (int i = 0; i < 5; i++) {
      harness.poll("cased");
    }

    assertThat(harness.childWrites()).as("no child rewritten back and forth").isZero();
    assertThat(harness.child(lower).getSpec().getExecutionId()).isEqualTo(upper);
    assertThat(events("ExecutionNameCollision")).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains(lower, upper).contains("differ only in case"));
    assertThat(harness.watch("cased").getStatus().getExecutionCount()).as("ECS has two executions").isEqualTo(2);
  }

  @Test
  void aSquattedNameIsTriedLessAndLessOftenWithOneEvent() {
    String pipeline = harness.pipeline("ip-squat");
    String id = harness.ecs.addExecution(REGION, pipeline, "SUCCESS");
    var squatter = new ImagePipelineExecution();
    squatter.setMetadata(new ObjectMetaBuilder().withName(id).withNamespace(NAMESPACE).build());
    squatter.setSpec(new ImagePipelineExecutionSpec(REGION, pipeline, "mine"));
    client.resource(squatter).create();
    harness.clearRequests();
    harness.start();
    harness.createWatch("squatted", pipeline, spec -> {});
    harness.awaitFirstPoll("squatted");

    int polls = 40;
    for (int i = 0; i < polls; i++) {
      harness.poll("squatted");
    }

    int creates = 0;
    int reads = 0;
    for (RecordedRequest r = take(); r != null; r = take()) {
      creates += r.getMethod().equals("POST") && r.getPath().startsWith(CHILDREN) ? 1 : 0;
      reads += r.getMethod().equals("GET") && r.getPath().startsWith(CHILDREN + "/" + id) ? 1 : 0;
    }
    // The first poll, then polls 2, 5, 10, 19 and 36 of the 40 after it (1, 2, 4, 8, 16 left out).
    assertThat(creates).as("creates over %d polls", polls + 1).isEqualTo(6);
    assertThat(reads).as("reads of the squatted name over %d polls", polls + 1).isEqualTo(6);
    assertThat(events("ExecutionNameTaken")).as("one event when the name became taken").hasSize(1);
    assertThat(harness.child(id).getSpec().getExecutionId()).isEqualTo("mine");
    assertThat(harness.watch("squatted").getStatus().getConditions())
        .filteredOn(c -> c.getType().equals("Ready")).singleElement()
        .satisfies(c -> assertThat(c.getMessage()).contains("1 could not be mirrored"));
  }

  /** ECS as {@code api} says, with a twin of {@code id} under {@code twin}, FAILED, listed after it. */
  static ImagePipelines withTwin(ImagePipelines api, String id, String twin) {
    return new ImagePipelines() {
      @Override
      public List<EcsExecution> listExecutions(
          PipelineRef pipeline, Collection<String> statuses, int pageSize, Consumer<List<EcsExecution>> eachPage) throws EcsException {
        List<EcsExecution> all = new ArrayList<>();
        api.listExecutions(pipeline, statuses, pageSize, page -> {
          List<EcsExecution> twinned = new ArrayList<>();
          for (EcsExecution e : page) {
            twinned.add(e);
            if (e.executionId().equals(id) && (statuses.isEmpty() || statuses.contains("FAILED"))) {
              twinned.add(new EcsExecution(twin, e.imagePipelineId(), "FAILED", null, "failed", e.creationTime(), e.modifiedTime(),
                  e.resourceGroupId(), e.tags()));
            }
          }
          all.addAll(twinned);
          eachPage.accept(twinned);
        });
        return all;
      }

      @Override
      public Optional<EcsExecution> findExecution(PipelineRef pipeline, String executionId) throws EcsException {
        return api.findExecution(pipeline, executionId);
      }
    };
  }

  private RecordedRequest take() {
    try {
      return server.takeRequest(10, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  List<String> names() {
    return harness.children().stream().map(c -> c.getMetadata().getName()).toList();
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }
}
