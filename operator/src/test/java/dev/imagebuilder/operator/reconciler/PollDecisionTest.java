package dev.imagebuilder.operator.reconciler;

import static dev.imagebuilder.operator.reconciler.ListingPlannerTest.ecs;
import static dev.imagebuilder.operator.reconciler.ListingPlannerTest.settings;
import static dev.imagebuilder.operator.reconciler.ListingPlannerTest.watch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** One row per way a poll can end: the status, the next poll, the events and what is remembered. */
class PollDecisionTest {

  static final Instant NOW = Instant.parse("2026-06-01T12:00:30Z");
  /** No jitter (a factor of exactly 1), and half the throttle spread. */
  static final PollSchedule SCHEDULE = new PollSchedule(OperatorConfig.Retry.DEFAULT, new Half());
  static final ImagePipelineWatch WATCH = watch(spec -> spec.setInterval("2m"));
  static final WatchSettings SETTINGS = settings(WATCH);
  static final ChildWriter.Result NO_WRITES = new ChildWriter.Result(0, List.of(), Map.of(), List.of(), List.of());
  static final EcsExecution BUILDING = ecs("exec-1", "BUILDING", null, 1);

  /**
   * @param failuresBefore polls failed in a row before this one
   * @param ready the Ready condition's status
   * @param stalled whether Stalled=True is set
   * @param reason Ready's reason
   * @param next the delay until the next poll
   * @param failuresAfter polls failed in a row after this one
   * @param events the reasons of the events recorded whatever becomes of the status
   */
  record Row(String name, PollOutcome outcome, int failuresBefore, String ready, boolean stalled, String reason, Duration next,
      int failuresAfter, List<String> events) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    var listed = new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()),
        new PollPlan(List.of(), EcsView.ofListing(List.of(BUILDING), NOW), List.of("Bad_Id"), List.of(BUILDING), List.of()),
        NO_WRITES, Duration.ofSeconds(1));
    var writesFailed = new PollOutcome.Listed(SETTINGS, listed.scope(), listed.plan(),
        new ChildWriter.Result(0, List.of("exec-1: HTTP 503"), Map.of(), List.of(), List.of("exec-2")), Duration.ofSeconds(1));
    return Stream.of(
        new Row("suspended keeps everything and its failures", new PollOutcome.Suspended(SETTINGS), 2,
            null, false, null, Duration.ofMinutes(2), 2, List.of()),
        new Row("invalid spec stalls at the old interval", new PollOutcome.InvalidSpec("pageSize 0 is not between 1 and 500"), 2,
            "False", true, "InvalidSpec", Duration.ofMinutes(1), 0, List.of()),
        new Row("duplicate stalls naming the first", new PollOutcome.Duplicate(SETTINGS, "first"), 0,
            "False", true, "DuplicatePipeline", Duration.ofMinutes(2), 0, List.of()),
        new Row("credentials unusable stall with their reason",
            new PollOutcome.CredentialsUnusable(SETTINGS, WatchCredentials.Problem.CredentialsSecretNotFound, "Secret s does not exist"), 0,
            "False", true, "CredentialsSecretNotFound", Duration.ofMinutes(2), 0, List.of()),
        new Row("pipeline not found stalls", ecsFailed(EcsException.Kind.PIPELINE_NOT_FOUND), 3,
            "False", true, "PipelineNotFound", Duration.ofMinutes(2), 0, List.of()),
        new Row("access denied stalls", ecsFailed(EcsException.Kind.ACCESS_DENIED), 0,
            "False", true, "AccessDenied", Duration.ofMinutes(2), 0, List.of()),
        new Row("an invalid request stalls", ecsFailed(EcsException.Kind.INVALID_REQUEST), 0,
            "False", true, "InvalidRequest", Duration.ofMinutes(2), 0, List.of()),
        new Row("a listing too large stalls", ecsFailed(EcsException.Kind.TOO_LARGE), 0,
            "False", true, "ListingTooLarge", Duration.ofMinutes(2), 0, List.of()),
        new Row("a listing that does not end stalls, keeping its children", ecsFailed(EcsException.Kind.UNBOUNDED), 0,
            "False", true, "ListingUnbounded", Duration.ofMinutes(2), 0, List.of()),
        new Row("throttled waits for the next minute and half the spread", ecsFailed(EcsException.Kind.THROTTLED), 0,
            "False", false, "RetryingAfterThrottle", Duration.ofSeconds(35), 1, List.of()),
        new Row("unavailable backs off from 5s", ecsFailed(EcsException.Kind.UNAVAILABLE), 0,
            "False", false, "RetryingAfterError", Duration.ofSeconds(5), 1, List.of()),
        new Row("a bad response backs off, doubling", ecsFailed(EcsException.Kind.BAD_RESPONSE), 2,
            "False", false, "RetryingAfterBadResponse", Duration.ofSeconds(20), 3, List.of()),
        new Row("backing off never waits longer than the interval", ecsFailed(EcsException.Kind.UNAVAILABLE), 8,
            "False", false, "RetryingAfterError", Duration.ofMinutes(2), 9, List.of()),
        new Row("no request of the budget within its wait is a retry", ecsFailed(EcsException.Kind.BUDGET_WAIT), 0,
            "False", false, "RetryingAfterBudgetWait", Duration.ofSeconds(5), 1, List.of()),
        new Row("a crash is retried", new PollOutcome.Crashed("IllegalStateException"), 0,
            "False", false, "InternalError", Duration.ofSeconds(5), 1, List.of()),
        new Row("failed writes are retried, with the events of what was not mirrored", writesFailed, 1,
            "False", false, "RetryingAfterWriteError", Duration.ofSeconds(10), 2, List.of("InvalidExecutionId", "ExecutionNameTaken")),
        new Row("synced", listed, 3,
            "True", false, "Synced", Duration.ofMinutes(2), 0, List.of("InvalidExecutionId", "Imported")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void eachOutcomeDecidesStatusNextPollEventsAndMemory(Row row) {
    var memory = WatchMemory.fresh(Duration.ofMinutes(1)).withFailures(row.failuresBefore());
    var decision = PollDecision.of(row.outcome(), WATCH, memory, null, SCHEDULE, NOW);

    var conditions = decision.status().getConditions();
    assertThat(Conditions.find(conditions, "Ready").map(Condition::getStatus).orElse(null)).isEqualTo(row.ready());
    assertThat(Conditions.find(conditions, "Ready").map(Condition::getReason).orElse(null)).isEqualTo(row.reason());
    assertThat(Conditions.isTrue(conditions, "Stalled")).isEqualTo(row.stalled());
    assertThat(Conditions.isTrue(conditions, "Reconciling")).isEqualTo(row.reason() != null && row.reason().startsWith("Retrying")
        || "InternalError".equals(row.reason()));
    assertThat(decision.next()).isEqualTo(row.next());
    assertThat(decision.memory().failures()).isEqualTo(row.failuresAfter());
    assertThat(decision.events()).extracting(WatchEvents.Event::reason).containsExactlyElementsOf(row.events());
    // A first failure or sync turns Ready from nothing: one event says so, Warning when bad.
    if (row.ready() != null) {
      assertThat(decision.transitions()).extracting(WatchEvents.Event::reason).containsExactly(row.reason());
    }
  }

  @Test
  void everyFailureReasonHasARow() {
    assertThat(rows().map(Row::reason).filter(r -> r != null && !r.equals("Synced")))
        .containsAll(PollOutcome.failureReasons().stream().filter(r -> !r.startsWith("Credentials") && !r.startsWith("WatchCredentials")).toList());
  }

  @Test
  void aSyncRemembersWhatEcsSaidAndWhatTheApiServerRefused() {
    var refused = Map.of("exec-2", ecs("exec-2", "FAILED", null, 2));
    var outcome = new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()),
        new PollPlan(List.of(), EcsView.ofListing(List.of(BUILDING), NOW), List.of(), List.of(), List.of()),
        new ChildWriter.Result(1, List.of(), refused, List.of("exec-2: Invalid"), List.of()), Duration.ofSeconds(1));

    var decision = PollDecision.of(outcome, WATCH, WatchMemory.fresh(Duration.ofMinutes(1)), "2026-06-01T12:00:00Z", SCHEDULE, NOW);

    assertThat(decision.memory().view().active()).containsOnlyKeys("exec-1");
    assertThat(decision.memory().rejected()).isEqualTo(refused);
    assertThat(decision.memory().interval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(decision.status().getLastHandledReconcileAt()).isEqualTo("2026-06-01T12:00:00Z");
    assertThat(decision.status().getExecutionCount()).isEqualTo(1);
    assertThat(decision.status().getConditions().get(0).getMessage()).contains("1 could not be mirrored");
  }

  @Test
  void aTransientFailureKeepsReadyWhileTheLastSyncIsFreshAndSaysSo() {
    var synced = PollDecision.of(
        new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()),
            new PollPlan(List.of(), EcsView.ofListing(List.of(BUILDING), NOW), List.of(), List.of(), List.of()), NO_WRITES, Duration.ZERO),
        WATCH, WatchMemory.fresh(Duration.ofMinutes(1)), null, SCHEDULE, NOW);
    var watch = watch(spec -> spec.setInterval("2m"));
    watch.setStatus(synced.status());

    var decision = PollDecision.of(ecsFailed(EcsException.Kind.UNAVAILABLE), watch, synced.memory(), null, SCHEDULE, NOW.plusSeconds(60));
    assertThat(Conditions.find(decision.status().getConditions(), "Ready")).get()
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo("True"))
        .satisfies(c -> assertThat(c.getMessage()).endsWith("; showing the last sync"));
    assertThat(decision.transitions()).as("Ready did not turn").isEmpty();

    var stale = PollDecision.of(ecsFailed(EcsException.Kind.UNAVAILABLE), watch, synced.memory(), null, SCHEDULE, NOW.plusSeconds(6 * 60 + 1));
    assertThat(Conditions.find(stale.status().getConditions(), "Ready").map(Condition::getStatus)).contains("False");
    assertThat(stale.transitions()).extracting(WatchEvents.Event::type).containsExactly("Warning");
  }

  @Test
  void aStatusThatCouldNotBeWrittenIsOneMoreFailureAndDropsTheTransitionEvents() {
    var decision = PollDecision.of(new PollOutcome.Duplicate(SETTINGS, "first"), WATCH, WatchMemory.fresh(Duration.ofMinutes(1)), null,
        SCHEDULE, NOW);
    var unwritten = decision.statusNotWritten(SCHEDULE, NOW);
    assertThat(unwritten.memory().failures()).isEqualTo(1);
    assertThat(unwritten.next()).isEqualTo(Duration.ofSeconds(5));
    assertThat(unwritten.transitions()).isEmpty();
    assertThat(unwritten.status()).isEqualTo(decision.status());
  }

  @Test
  void eachStallInARowWaitsLongerAndASyncStartsAfresh() {
    var memory = WatchMemory.fresh(Duration.ofMinutes(2));
    List<Duration> waits = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      var decision = PollDecision.of(ecsFailed(EcsException.Kind.PIPELINE_NOT_FOUND), WATCH, memory, null, SCHEDULE, NOW);
      waits.add(decision.next());
      memory = decision.memory();
    }
    assertThat(waits).containsExactly(
        Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8), Duration.ofMinutes(10), Duration.ofMinutes(10));
    assertThat(memory.stalls()).isEqualTo(5);

    var synced = PollDecision.of(listedBuilding(), WATCH, memory, null, SCHEDULE, NOW);
    assertThat(synced.memory().stalls()).isZero();
    var again = PollDecision.of(ecsFailed(EcsException.Kind.PIPELINE_NOT_FOUND), WATCH, synced.memory(), null, SCHEDULE, NOW);
    assertThat(again.next()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void aTransientFailureBetweenStallsKeepsTheirCount() {
    var stalled = PollDecision.of(ecsFailed(EcsException.Kind.ACCESS_DENIED), WATCH, WatchMemory.fresh(Duration.ofMinutes(2)), null,
        SCHEDULE, NOW);
    var retried = PollDecision.of(ecsFailed(EcsException.Kind.BUDGET_WAIT), WATCH, stalled.memory(), null, SCHEDULE, NOW);
    assertThat(retried.memory().stalls()).isEqualTo(1);
    var stalledAgain = PollDecision.of(ecsFailed(EcsException.Kind.ACCESS_DENIED), WATCH, retried.memory(), null, SCHEDULE, NOW);
    assertThat(stalledAgain.next()).isEqualTo(Duration.ofMinutes(4));
  }

  /**
   * @param lastSyncAgo seconds since the last sync, or -1 for none
   * @param readyReason the reason of Ready=True before, or null for Ready=False
   */
  @ParameterizedTest(name = "last sync {0}s ago, Ready {1} -> {2}")
  @org.junit.jupiter.params.provider.CsvSource({
    "60, Synced, Synced",
    "240, Synced, Synced",
    "241, Synced, SyncDelayed",
    "600, SyncDelayed, SyncDelayed",
    "100, SyncDelayed, Synced",
    "600, RetryingAfterError, Synced",
    "600, , Synced",
    "-1, , Synced"})
  void aSyncLaterThanTwoIntervalsAfterTheLastOfAWatchInSyncSaysSo(long lastSyncAgo, String readyReason, String reason) {
    var watch = watch(spec -> spec.setInterval("2m"));
    if (lastSyncAgo >= 0) {
      var status = new dev.imagebuilder.operator.api.ImagePipelineWatchStatus();
      status.setLastSyncTime(Conditions.timestamp(NOW.minusSeconds(lastSyncAgo)));
      status.setConditions(Conditions.merge(List.of(),
          List.of(new Conditions.Desired("Ready", readyReason == null ? "False" : "True",
              readyReason == null ? "PipelineNotFound" : readyReason, "before")),
          watch.getMetadata().getGeneration(), NOW.minusSeconds(lastSyncAgo)));
      watch.setStatus(status);
    }
    var decision = PollDecision.of(listedBuilding(), watch, WatchMemory.fresh(Duration.ofMinutes(2)), null, SCHEDULE, NOW);
    var ready = Conditions.find(decision.status().getConditions(), "Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo(reason);
    if (reason.equals("SyncDelayed")) {
      assertThat(ready.getMessage()).contains("this sync came " + lastSyncAgo + "s after the last one")
          .contains("more than twice the interval of 120s");
    }
  }

  static PollOutcome.Listed listedBuilding() {
    return new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()),
        new PollPlan(List.of(), EcsView.ofListing(List.of(BUILDING), NOW), List.of(), List.of(), List.of()), NO_WRITES, Duration.ZERO);
  }

  static PollOutcome.EcsFailed ecsFailed(EcsException.Kind kind) {
    return new PollOutcome.EcsFailed(SETTINGS, kind, "ECS said no", NO_WRITES);
  }

  /** Always the middle: jitter factors of exactly 1. */
  static final class Half implements RandomGenerator {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public double nextDouble() {
      return 0.5;
    }
  }

  @Test
  void aTakenNameOrACollisionIsAnEventWhenItIsNewsAndAlwaysCountsAsNotMirrored() {
    var collision = new ChildNames.Collision("exec-a", List.of("Exec-A", "exec-a"));
    var view = EcsView.ofListing(List.of(BUILDING), NOW);
    var firstPlan = new PollPlan(List.of(), view, List.of(), List.of(), List.of(), List.of(collision), 1, Set.of());
    var takenNow = new ChildWriter.Result(0, List.of(), Map.of(), List.of(), List.of("exec-2"));
    var first = PollDecision.of(new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()), firstPlan, takenNow, Duration.ZERO),
        WATCH, WatchMemory.fresh(Duration.ofMinutes(1)), null, SCHEDULE, NOW);
    assertThat(first.events()).extracting(WatchEvents.Event::reason).contains("ExecutionNameTaken", "ExecutionNameCollision");
    assertThat(first.events()).filteredOn(e -> e.reason().equals("ExecutionNameCollision")).singleElement()
        .satisfies(e -> assertThat(e.message()).contains("Exec-A", "exec-a").startsWith("executions whose IDs differ only in case"));
    assertThat(first.memory().taken().skips("exec-2")).isTrue();

    // The next poll leaves the taken name out, and the collision is no news.
    var quiet = new PollPlan(List.of(), view, List.of(), List.of(), List.of(), List.of(), 1, Set.of("exec-2"));
    var next = PollDecision.of(new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()), quiet, NO_WRITES, Duration.ZERO),
        WATCH, first.memory(), null, SCHEDULE, NOW);
    assertThat(next.events()).isEmpty();
    assertThat(Conditions.find(next.status().getConditions(), "Ready").orElseThrow().getMessage()).contains("2 could not be mirrored");
    assertThat(Conditions.find(first.status().getConditions(), "Ready").orElseThrow().getMessage()).contains("2 could not be mirrored");

    // Tried again and still taken: no new event, a longer backoff.
    var retried = PollDecision.of(new PollOutcome.Listed(SETTINGS, new ListingScope(true, Set.of()), new PollPlan(List.of(), view, List.of(), List.of(), List.of(), List.of(), 1, Set.of()), takenNow,
        Duration.ZERO), WATCH, next.memory(), null, SCHEDULE, NOW);
    assertThat(retried.events()).isEmpty();
    assertThat(retried.memory().taken().names().get("exec-2").skipLeft()).isEqualTo(2);
  }

  @Test
  void aListingThatFailsPartWayStillBacksOffTheNamesItsPagesFoundTaken() {
    var takenOnAPage = new ChildWriter.Result(0, List.of(), Map.of(), List.of(), List.of("exec-2"));
    var failed = PollDecision.of(new PollOutcome.EcsFailed(SETTINGS, EcsException.Kind.UNAVAILABLE, "ECS said no", takenOnAPage),
        WATCH, WatchMemory.fresh(Duration.ofMinutes(1)), null, SCHEDULE, NOW);
    assertThat(failed.memory().taken().skips("exec-2")).as("not tried again at the very next poll").isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // case                                          | before         | failure      | only waited after
        "a wait for the budget after a sync               | SYNCED         | BUDGET_WAIT  | true",
        "waits for the budget in a row                    | WAITED         | BUDGET_WAIT  | true",
        "a wait for the budget after an ECS error         | FAILED         | BUDGET_WAIT  | false",
        "an ECS error after waits for the budget          | WAITED         | UNAVAILABLE  | false",
        "a throttle after a sync                          | SYNCED         | THROTTLED    | false",
      })
  void onlyPollsThatMerelyWaitedForTheBudgetSpareTheNextAFullListing(String name, String before, EcsException.Kind kind, boolean onlyWaited) {
    var memory = switch (before) {
      case "SYNCED" -> WatchMemory.fresh(Duration.ofMinutes(1));
      case "WAITED" -> WatchMemory.fresh(Duration.ofMinutes(1)).withFailures(2).withOnlyWaited(true);
      default -> WatchMemory.fresh(Duration.ofMinutes(1)).withFailures(1).withOnlyWaited(false);
    };
    var decision = PollDecision.of(ecsFailed(kind), WATCH, memory, null, SCHEDULE, NOW);
    assertThat(decision.memory().failures()).isEqualTo(memory.failures() + 1);
    assertThat(decision.memory().onlyWaited()).isEqualTo(onlyWaited);
  }
}
