package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.ImagePipelineOperatorTest.condition;
import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import dev.imagebuilder.operator.simulator.Fault;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fault matrix of docs/reliability.md: each ECS fault through the real SDK against the
 * simulator, asserting that no child is lost or blanked, the watch shows the right condition and
 * reason, and the operator recovers by itself.
 */
class ReliabilityTest extends MockClusterTest {

  static final String LIST = EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS;

  MutableClock clock = new MutableClock();

  /** A synced watch over three SUCCESS executions, and a fourth that ECS adds afterwards. */
  private String syncedWatchWithANewExecution(String name) {
    String pipeline = harness.pipeline("ip-" + name.replace("-", ""));
    harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS", "m-good", "built");
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, clock);
    harness.createWatch(name, pipeline, spec -> {});
    harness.awaitFirstPoll(name);
    return harness.ecs.addExecution(REGION, pipeline, "BUILDING");
  }

  /**
   * The children of the first sync are all there, as they were. The execution added since may
   * already be mirrored too: on a busy machine the retry can land before this looks.
   */
  private void assertChildrenIntact(int count) {
    assertThat(harness.children())
        .filteredOn(c -> !"BUILDING".equals(c.getStatus().getPhase()))
        .hasSize(count)
        .allSatisfy(c -> {
          assertThat(c.getStatus().getPhase()).isEqualTo("SUCCESS");
          assertThat(c.getStatus().getImageId()).isEqualTo("m-good");
        });
  }

  private void awaitRecovered(String name, String added) {
    await("the new execution after recovery", () -> harness.child(added) != null);
    await("Ready/Synced", () -> condition(harness.watch(name), "Ready").map(Condition::getReason).equals(Optional.of("Synced")));
    assertThat(condition(harness.watch(name), "Reconciling")).isEmpty();
    assertThat(condition(harness.watch(name), "Stalled")).isEmpty();
  }

  static Stream<Arguments> transientFaults() {
    return Stream.of(
        Arguments.of("throttling", Fault.throttling("Throttling"), "RetryingAfterThrottle"),
        Arguments.of("throttling-user", Fault.throttling("Throttling.User"), "RetryingAfterThrottle"),
        Arguments.of("throttling-api", Fault.throttling("Throttling.Api"), "RetryingAfterThrottle"),
        Arguments.of("rejected-throttling", Fault.throttling("Rejected.Throttling"), "RetryingAfterThrottle"),
        Arguments.of("unavailable", Fault.serviceUnavailable(), "RetryingAfterError"),
        Arguments.of("internal-error", Fault.internalError(), "RetryingAfterError"),
        Arguments.of("read-timeout", Fault.delay(Duration.ofSeconds(4)), "RetryingAfterError"),
        Arguments.of("non-json", Fault.badGatewayHtml(), "RetryingAfterError"),
        // A 200 whose body is cut short or is not an object is not an empty last page.
        Arguments.of("cut-short", Fault.answer("{\"TotalCount\":3,\"ImagePipelineExecution\":{\"ImagePipelineExecutionSet\":[{\"Ex"),
            "RetryingAfterError"),
        Arguments.of("not-an-object", Fault.answer("null"), "RetryingAfterError"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transientFaults")
  void transientFaultKeepsChildrenAndRecoversByItself(String name, Fault fault, String reason) {
    String added = syncedWatchWithANewExecution(name);

    // Twice, to see the backoff grow; throttling once, since each retry waits for a minute
    // boundary and only the first is brought near.
    harness.ecs.failNext(reason.equals("RetryingAfterThrottle") ? 1 : 2, fault);
    clock.nearMinuteEnd();
    var watch = harness.poll(name);

    assertThat(condition(watch, "Reconciling")).map(Condition::getReason).contains(reason);
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).as("Ready does not flap").contains("True");
    assertChildrenIntact(3);
    awaitRecovered(name, added);
  }

  @Test
  void connectionRefusedKeepsChildrenAndRecoversWhenEcsIsBack() throws Exception {
    String name = "refused";
    syncedWatchWithANewExecution(name);
    int port = harness.ecs.port();

    harness.ecs.close();
    var watch = harness.poll(name);

    assertThat(condition(watch, "Reconciling")).map(Condition::getReason).contains("RetryingAfterError");
    assertChildrenIntact(3);
    try (var back = EcsSimulator.start(java.time.Clock.systemUTC(), port)) {
      back.credentials(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET).addPipeline(REGION, "ip-refused");
      String replayed = back.addExecution(REGION, "ip-refused", "SUCCESS", "m-good", "built");
      await("recovery", () -> harness.child(replayed) != null);
      await("Ready/Synced", () -> condition(harness.watch(name), "Ready").map(Condition::getReason).equals(Optional.of("Synced")));
    }
  }

  @Test
  void aListingThatFailsPartWayKeepsTheChildrenOfThePagesItHad() {
    String pipeline = harness.pipeline("ip-partial");
    List<String> ids = harness.ecs.addExecutions(REGION, pipeline, 1200, "SUCCESS");
    harness.ecs.failNext(1000, Fault.serviceUnavailable().onlyWithNextToken());
    harness.start();
    harness.createWatch("partial", pipeline, spec -> spec.setPageSize(500));

    var watch = harness.awaitFirstPoll("partial");

    assertThat(condition(watch, "Reconciling")).map(Condition::getReason).contains("RetryingAfterError");

    // Page 1 holds the 500 newest; its children were written while page 2 was being asked for.
    assertThat(harness.children())
        .extracting(c -> c.getSpec().getExecutionId())
        .containsExactlyInAnyOrderElementsOf(ids.subList(700, 1200));
    assertThat(harness.watch("partial").getStatus().getExecutionCount())
        .as("counts come only from a complete listing")
        .isNull();
  }

  @Test
  void invalidNextTokenMidPagingRestartsFromTheFirstPageAndCompletes() {
    String pipeline = harness.pipeline("ip-token");
    harness.ecs.addExecutions(REGION, pipeline, 1200, "SUCCESS");
    harness.ecs.failNext(1, Fault.invalidNextToken());
    harness.start();
    harness.createWatch("token", pipeline, spec -> spec.setPageSize(500));

    var watch = harness.awaitFirstPoll("token");

    assertThat(harness.children()).hasSize(1200);
    assertThat(harness.ecs.callCount(LIST)).as("page 1, a refused page 2, then pages 1 to 3").isEqualTo(5);
    assertThat(condition(watch, "Ready")).map(Condition::getReason).contains("Synced");
  }

  static Stream<Arguments> accessFaults() {
    return Stream.of(
        Arguments.of("unknown-key", "InvalidAccessKeyId.NotFound"),
        Arguments.of("wrong-secret", "SignatureDoesNotMatch"),
        Arguments.of("forbidden", "Forbidden.RAM"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("accessFaults")
  void accessErrorsStallTheWatchKeepChildrenAndRetryOnlyAtTheInterval(String name, String code) throws Exception {
    String pipeline = harness.pipeline("ip-" + name.replace("-", ""));
    harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS", "m-good", "built");
    switch (code) {
      case "InvalidAccessKeyId.NotFound" -> harness.start("LTAI5tNobodyKnowsMe", "whatever", clock);
      case "SignatureDoesNotMatch" -> harness.start(OperatorHarness.ACCESS_KEY_ID, "not-the-secret", clock);
      default -> {
        harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, clock);
        harness.ecs.failNext(100, Fault.forbiddenRam());
      }
    }
    harness.createWatch(name, pipeline, spec -> spec.setInterval("1h"));

    var watch = harness.awaitFirstPoll(name);

    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("AccessDenied");
    assertThat(condition(watch, "Stalled").get().getMessage()).contains(code);
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("False");
    int calls = harness.ecs.callCount(LIST);
    Thread.sleep(1500); // transient errors would have been retried three times by now
    assertThat(harness.ecs.callCount(LIST)).as("no retry before the interval").isEqualTo(calls);
  }

  @Test
  void accessErrorAfterAGoodSyncKeepsTheChildren() {
    syncedWatchWithANewExecution("revoked");
    harness.ecs.failNext(100, Fault.forbiddenRam());

    var watch = harness.poll("revoked");

    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("AccessDenied");
    assertChildrenIntact(3);
    assertThat(watch.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-good");
  }

  /**
   * The API server refuses the status of a poll (as in an outage: the watch never gets to say): the
   * next poll must still list everything, since an execution may have started and ended meanwhile,
   * and a listing of the running ones alone would miss it until the next full resync.
   */
  @Test
  void aPollWhoseStatusCouldNotBeWrittenIsFollowedByAFullListing() {
    String pipeline = harness.pipeline("ip-unsaid");
    harness.ecs.addExecution(REGION, pipeline, "SUCCESS", "m-before", "built");
    harness.start();
    harness.createWatch("unsaid", pipeline, spec -> {
      spec.setInterval("10s");
      spec.setFullResyncInterval("1h");
    });
    harness.awaitFirstPoll("unsaid");
    server
        .expect()
        .patch()
        .withPath("/apis/ecs.imagebuilder.dev/v1alpha1/namespaces/builds/imagepipelinewatches/unsaid/status")
        // Any refusal the client does not retry by itself (it retries a 503 or a lost connection).
        .andReturn(409, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "reason", "Conflict", "code", 409))
        .once();
    // Started and ended between two polls: only a full listing has it.
    String meanwhile = harness.ecs.addExecution(REGION, pipeline, "SUCCESS", "m-meanwhile", "built");

    await("the execution of the unsaid poll's time mirrored", () -> harness.child(meanwhile) != null);
    await("Ready/Synced", () -> "m-meanwhile".equals(harness.watch("unsaid").getStatus().getLatestSuccessfulImageId()));
  }

  @Test
  void conflictFromAConcurrentEditIsRetried() {
    String pipeline = harness.pipeline("ip-conflict");
    String id = harness.ecs.addExecution(REGION, pipeline, "BUILDING");
    harness.start();
    harness.createWatch("conflict", pipeline, spec -> {});
    harness.awaitFirstPoll("conflict");
    server
        .expect()
        .put()
        .withPath("/apis/ecs.imagebuilder.dev/v1alpha1/namespaces/builds/imagepipelineexecutions/" + id)
        .andReturn(409, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "reason", "Conflict", "code", 409))
        .once();

    harness.ecs.setStatus(id, "SUCCESS", "m-after-conflict", "done");
    var watch = harness.poll("conflict");

    assertThat(condition(watch, "Reconciling")).map(Condition::getReason).contains("RetryingAfterWriteError");
    await("the write retried", () -> "SUCCESS".equals(harness.child(id).getStatus().getPhase()));
    await("Ready/Synced", () -> condition(harness.watch("conflict"), "Ready").map(Condition::getReason).equals(Optional.of("Synced")));
  }

  @ParameterizedTest(name = "a person {0}")
  @ValueSource(strings = {"deletes a child", "edits a child's status"})
  void childrenChangedByAPersonAreRestoredByTheNextPoll(String change) {
    String pipeline = harness.pipeline("ip-tamper");
    List<String> ids = harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS", "m-good", "built");
    harness.start();
    harness.createWatch("tamper", pipeline, spec -> {});
    harness.awaitFirstPoll("tamper");
    var children = client.resources(ImagePipelineExecution.class).inNamespace(OperatorHarness.NAMESPACE);
    if (change.startsWith("deletes")) {
      children.withName(ids.get(0)).delete();
      await("deleted", () -> harness.child(ids.get(0)) == null);
    } else {
      children.withName(ids.get(0)).edit(c -> {
        c.getStatus().setPhase("FAILED");
        c.getStatus().setImageId("m-forged");
        return c;
      });
    }

    // The operator compares with its informer cache, which may not have seen the change yet on a
    // busy machine: a poll that finds nothing to do is followed by another one, as in production.
    java.util.function.BooleanSupplier restored = () -> {
      var child = harness.child(ids.get(0));
      return child != null && "SUCCESS".equals(child.getStatus().getPhase()) && "m-good".equals(child.getStatus().getImageId());
    };
    for (int poll = 0; poll < 5 && !restored.getAsBoolean(); poll++) {
      harness.poll("tamper");
    }
    await("restored", restored);
  }
}
