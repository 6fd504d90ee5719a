package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.HistoryLimits;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.ecs.EcsExecution;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListingPlannerTest {

  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  static final ListingScope FULL = new ListingScope(true, Set.of());
  static final ListingScope ACTIVE = new ListingScope(false, ListingScope.ACTIVE);

  final ImagePipelineWatch watch = watch(spec -> {});
  final WatchSettings settings = settings(watch);
  final ExecutionChildren.Owner owner = ExecutionChildren.Owner.of(watch, settings);
  final Map<String, ImagePipelineExecution> cached = new LinkedHashMap<>();
  final Map<String, EcsExecution> rejected = new HashMap<>();

  @Test
  void aFirstListingCreatesEveryChildAndCountsWhatEcsSaid() {
    var plan = plan(null, full(ecs("exec-1", "SUCCESS", "m-1", 1), ecs("exec-2", "BUILDING", null, 2)));
    assertThat(plan.writes()).extracting(PollPlan.Write::name).containsExactly("exec-1", "exec-2");
    assertThat(plan.writes()).allMatch(w -> w.existing() == null && w.desired() != null);
    assertThat(plan.added()).extracting(EcsExecution::executionId).containsExactly("exec-1", "exec-2");
    assertThat(plan.view().counts()).containsExactlyInAnyOrderEntriesOf(Map.of("SUCCESS", 1, "BUILDING", 1));
    assertThat(plan.view().active()).containsOnlyKeys("exec-2");
    assertThat(plan.view().latest().executionId()).isEqualTo("exec-2");
    assertThat(plan.view().latestSuccess().imageId()).isEqualTo("m-1");
  }

  @Test
  void aListingThatChangesNothingWritesNothing() {
    var listed = List.of(ecs("exec-1", "SUCCESS", "m-1", 1), ecs("exec-2", "BUILDING", null, 2));
    listed.forEach(e -> cache(ExecutionChildren.desired(owner, e, null, NOW.minusSeconds(60))));
    var plan = plan(EcsView.ofListing(listed, NOW.minusSeconds(60)), full(listed.toArray(EcsExecution[]::new)));
    assertThat(plan.writes()).isEmpty();
    assertThat(plan.added()).isEmpty();
  }

  @Test
  void anExecutionIdThatIsNoObjectNameIsSkippedAndStillCounted() {
    var plan = plan(null, full(ecs("exec-1", "SUCCESS", "m-1", 1), ecs("Exec_2/..", "FAILED", null, 2), ecs("x".repeat(254), "FAILED", null, 3)));
    assertThat(plan.writes()).extracting(PollPlan.Write::name).containsExactly("exec-1");
    assertThat(plan.skipped()).hasSize(2).contains("Exec_2/..");
    assertThat(plan.view().total()).isEqualTo(3);
  }

  @Test
  void aCompleteListingMarksWhatItNoLongerReturnsRetainedAndLeavesOthersObjectsAlone() {
    var gone = ExecutionChildren.desired(owner, ecs("exec-old", "SUCCESS", "m-0", 0), null, NOW);
    cache(gone);
    var foreign = ExecutionChildren.desired(owner, ecs("exec-foreign", "SUCCESS", "m-x", 0), null, NOW);
    foreign.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withUid("someone-else").withController(true).build()));
    cache(foreign);
    var plan = plan(null, full(ecs("exec-1", "SUCCESS", "m-1", 1)));
    var retained = plan.writes().stream().filter(w -> w.name().equals("exec-old")).findFirst().orElseThrow();
    assertThat(ExecutionChildren.isRetained(retained.desired())).isTrue();
    assertThat(plan.writes()).extracting(PollPlan.Write::name).doesNotContain("exec-foreign");
  }

  @Test
  void aForgedChildNeverMovesWhatTheWatchReports() {
    var real = ecs("exec-1", "SUCCESS", "m-real", 1);
    // Someone writes a child that claims this watch, a later time and another image.
    var forged = ExecutionChildren.desired(owner, ecs("exec-forged", "SUCCESS", "m-forged", 99), null, NOW);
    cache(forged);
    var plan = plan(null, full(real));
    assertThat(plan.view().latestSuccess().imageId()).isEqualTo("m-real");
    assertThat(plan.view().latest().executionId()).isEqualTo("exec-1");
    assertThat(plan.view().counts()).containsExactlyEntriesOf(Map.of("SUCCESS", 1));
    var status = WatchStatuses.synced(watch, null, plan.view(), true, 0, NOW);
    assertThat(status.getLatestSuccessfulImageId()).isEqualTo("m-real");
    assertThat(status.getLatestExecution().getExecutionId()).isEqualTo("exec-1");
  }

  @Test
  void betweenFullListingsCountsMoveWithWhatEcsReportedAndEndedExecutionsAreNamed() {
    var building = ecs("exec-2", "BUILDING", null, 2);
    var doomed = ecs("exec-3", "TESTING", null, 3);
    var before = EcsView.ofListing(List.of(ecs("exec-1", "SUCCESS", "m-1", 1), building, doomed), NOW.minusSeconds(60));
    var finished = ecs("exec-2", "SUCCESS", "m-2", 2);
    var fresh = ecs("exec-4", "PREPARING", null, 4);
    var plan = plan(before, new PollPlan.Observation(ACTIVE, List.of(fresh), List.of(finished), Set.of("exec-3")));
    assertThat(plan.view().counts()).containsExactlyInAnyOrderEntriesOf(Map.of("SUCCESS", 2, "PREPARING", 1));
    assertThat(plan.view().active()).containsOnlyKeys("exec-4");
    assertThat(plan.view().latestSuccess().imageId()).isEqualTo("m-2");
    assertThat(plan.view().latest().executionId()).isEqualTo("exec-4");
    assertThat(plan.ended()).extracting(EcsExecution::executionId).containsExactly("exec-2");
    assertThat(plan.view().lastFull()).isEqualTo(before.lastFull());
  }

  @Test
  void aChildRefusedForGoodIsNotSentAgainForTheSameAnswer() {
    var e = ecs("exec-1", "FAILED", null, 1);
    rejected.put("exec-1", e);
    assertThat(plan(null, full(e)).writes()).isEmpty();
    var changed = ecs("exec-1", "FAILED", null, 2);
    assertThat(plan(null, full(changed)).writes()).extracting(PollPlan.Write::name).containsExactly("exec-1");
  }

  @Test
  void childrenWrittenWhileTheListingWentOnAreNotWrittenTwice() {
    var e = ecs("exec-1", "SUCCESS", "m-1", 1);
    var planner = planner(watch, null);
    assertThat(planner.offer(List.of(e))).extracting(PollPlan.Write::name).containsExactly("exec-1");
    var plan = planner.finish(full(e));
    assertThat(plan.writes()).isEmpty();
    assertThat(plan.added()).extracting(EcsExecution::executionId).containsExactly("exec-1");
  }

  @Test
  void historyLimitsDeleteWhatTheyDoNotKeepAndCreateNothingTheyDropAtOnce() {
    var limited = watch(spec -> {
      var history = new HistoryLimits();
      history.setSuccessfulLimit(1L);
      spec.setHistory(history);
    });
    var limitedOwner = ExecutionChildren.Owner.of(limited, settings(limited));
    var old = ExecutionChildren.desired(limitedOwner, ecs("exec-1", "SUCCESS", "m-1", 1), null, NOW);
    cached.put("exec-1", old);
    var listed = full(ecs("exec-1", "SUCCESS", "m-1", 1), ecs("exec-2", "SUCCESS", "m-2", 2), ecs("exec-3", "SUCCESS", "m-3", 3));
    var planner = planner(limited, null);
    assertThat(planner.offer(listed.listed())).as("nothing is written before the whole listing is known").isEmpty();
    var plan = planner.finish(listed);
    assertThat(plan.writes()).extracting(w -> w.name() + (w.desired() == null ? " delete" : " write"))
        .containsExactlyInAnyOrder("exec-1 delete", "exec-3 write");
    assertThat(plan.added()).extracting(EcsExecution::executionId).containsExactly("exec-3");
    assertThat(plan.view().total()).as("counts still describe ECS").isEqualTo(3);
  }

  static ImagePipelineWatch limitedTo(long successes) {
    return watch(spec -> {
      var history = new HistoryLimits();
      history.setSuccessfulLimit(successes);
      spec.setHistory(history);
    });
  }

  /**
   * History limits as a table: which children a full listing deletes, given what ECS lists and
   * which children exist (real ones were written from ECS; "forged" is a child anyone wrote that
   * names the watch as its controller, a SUCCESS dated 2099).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a forged newest success is not counted: the real one stays | exec-1                 | exec-1,forged        | ''",
      "a forged child is never deleted, even past the limit        | exec-1,exec-2          | exec-1,exec-2,forged | exec-1",
      "only what ECS reported is counted                           | exec-1,exec-2,exec-3   | exec-1,exec-2,exec-3 | exec-1,exec-2",
      "a child no listing reported is left alone                   | exec-3                 | exec-1,exec-3        | ''"})
  void historyLimitsCountOnlyExecutionsEcsReported(String row, String listedIds, String childIds, String deleted) {
    var limited = limitedTo(1);
    var limitedOwner = ExecutionChildren.Owner.of(limited, settings(limited));
    for (String id : childIds.split(",")) {
      var e = id.equals("forged") ? forgedSuccess() : ecs(id, "SUCCESS", "m-" + id, hourOf(id));
      cache(ExecutionChildren.desired(limitedOwner, e, null, NOW));
    }
    var listed = java.util.Arrays.stream(listedIds.split(",")).map(id -> ecs(id, "SUCCESS", "m-" + id, hourOf(id))).toArray(EcsExecution[]::new);
    var plan = planner(limited, null).finish(full(listed));
    assertThat(plan.writes()).filteredOn(w -> w.desired() == null).extracting(PollPlan.Write::name)
        .containsExactlyInAnyOrderElementsOf(deleted.isEmpty() ? List.of() : List.of(deleted.split(",")));
    assertThat(plan.writes()).filteredOn(w -> w.name().equals("exec-forged")).allSatisfy(w -> assertThat(w.desired()).isNotNull());
    assertThat(plan.view().history()).doesNotContainKey("exec-forged");
  }

  static EcsExecution forgedSuccess() {
    return new EcsExecution("exec-forged", "ip-abc", "SUCCESS", "m-forged", null, "2099-01-01T00:00:00Z", "2099-01-01T00:00:00Z", null, Map.of());
  }

  static int hourOf(String id) {
    return Integer.parseInt(id.substring(id.indexOf('-') + 1));
  }

  @Test
  void betweenFullListingsTheLimitsCountWhatEcsReportedBeforeAsItReportedIt() {
    var limited = limitedTo(1);
    var limitedOwner = ExecutionChildren.Owner.of(limited, settings(limited));
    var first = planner(limited, null).finish(full(ecs("exec-1", "SUCCESS", "m-1", 1), ecs("exec-2", "BUILDING", null, 2)));
    assertThat(first.view().history()).containsOnlyKeys("exec-1", "exec-2");
    first.writes().forEach(w -> cache(w.desired()));
    // Someone edits the real child to look newer than anything: the limits still go by ECS's times.
    var edited = ExecutionChildren.desired(limitedOwner, ecs("exec-1", "SUCCESS", "m-1", 99), null, NOW);
    cache(edited);

    var finished = ecs("exec-2", "SUCCESS", "m-2", 2);
    var plan = planner(limited, first.view()).finish(new PollPlan.Observation(ACTIVE, List.of(), List.of(finished), Set.of()));

    assertThat(plan.writes()).extracting(w -> w.name() + (w.desired() == null ? " delete" : " write"))
        .containsExactlyInAnyOrder("exec-1 delete", "exec-2 write");
    assertThat(plan.view().history()).containsOnlyKeys("exec-2");
  }

  @Test
  void idsDifferingOnlyInCaseGiveTheNameToOneOwnerWhateverTheOrderAndThenWriteNothing() {
    var upper = ecs("Exec-A", "SUCCESS", "m-upper", 1);
    var lower = ecs("exec-a", "FAILED", null, 2);
    var plan = plan(null, full(lower, upper));
    assertThat(plan(null, full(upper, lower)).writes()).extracting(w -> w.desired().getSpec().getExecutionId()).containsExactly("Exec-A");
    assertThat(plan.writes()).extracting(w -> w.desired().getSpec().getExecutionId()).containsExactly("Exec-A");
    assertThat(plan.added()).extracting(EcsExecution::executionId).containsExactly("Exec-A");
    assertThat(plan.collisions()).singleElement().satisfies(c -> assertThat(c.executionIds()).containsExactly("Exec-A", "exec-a"));
    assertThat(plan.unowned()).isEqualTo(1);
    assertThat(plan.view().total()).as("both are counted: they are two executions").isEqualTo(2);
    cache(plan.writes().get(0).desired());

    // The next polls, a full listing in either order or one of running executions only.
    var again = planner(watch, plan.view());
    assertThat(again.offer(List.of(lower, upper))).isEmpty();
    var second = again.finish(full(lower, upper));
    assertThat(second.writes()).isEmpty();
    assertThat(second.collisions()).as("the same collision is no news").isEmpty();
    var runningLower = ecs("exec-a", "BUILDING", null, 2);
    var partial = plan(second.view(), new PollPlan.Observation(ACTIVE, List.of(runningLower), List.of(), Set.of()));
    assertThat(partial.writes()).isEmpty();
    assertThat(partial.unowned()).isEqualTo(1);
  }

  @Test
  void betweenFullListingsAChildOfAnotherIdOfTheSameNameIsLeftForTheNextFullListing() {
    cache(ExecutionChildren.desired(owner, ecs("exec-a", "SUCCESS", "m-a", 1), null, NOW));
    var running = ecs("Exec-A", "BUILDING", null, 2);
    var before = EcsView.ofListing(List.of(ecs("exec-a", "SUCCESS", "m-a", 1)), NOW.minusSeconds(60));
    var planner = planner(watch, before);
    assertThat(planner.offer(List.of(running))).isEmpty();
    var partial = planner.finish(new PollPlan.Observation(ACTIVE, List.of(running), List.of(), Set.of()));
    assertThat(partial.writes()).as("only ECS's complete answer decides the owner").isEmpty();

    var full = planner(watch, partial.view()).finish(full(ecs("exec-a", "SUCCESS", "m-a", 1), running));
    assertThat(full.writes()).extracting(w -> w.desired().getSpec().getExecutionId()).containsExactly("Exec-A");
    assertThat(full.collisions()).hasSize(1);
  }

  @Test
  void aTakenNameIsLeftOutWhileItIsBackedOff() {
    var e = ecs("exec-1", "SUCCESS", "m-1", 1);
    var taken = TakenNames.NONE.after(List.of("exec-1"), Set.of());
    var memory = WatchMemory.fresh(Duration.ofMinutes(1)).withTaken(taken);
    var planner = new ListingPlanner(watch, settings, memory, cached, NOW);
    assertThat(planner.offer(List.of(e))).isEmpty();
    var plan = planner.finish(full(e));
    assertThat(plan.writes()).isEmpty();
    assertThat(plan.backedOff()).containsExactly("exec-1");

    var retry = WatchMemory.fresh(Duration.ofMinutes(1)).withTaken(taken.after(List.of(), plan.backedOff()));
    assertThat(new ListingPlanner(watch, settings, retry, cached, NOW).finish(full(e)).writes())
        .extracting(PollPlan.Write::name).containsExactly("exec-1");
  }

  PollPlan plan(EcsView before, PollPlan.Observation seen) {
    return planner(watch, before).finish(seen);
  }

  ListingPlanner planner(ImagePipelineWatch w, EcsView before) {
    var memory = WatchMemory.fresh(Duration.ofMinutes(1)).withView(before).withRejected(rejected);
    return new ListingPlanner(w, settings(w), memory, cached, NOW);
  }

  void cache(ImagePipelineExecution child) {
    cached.put(child.getMetadata().getName(), child);
  }

  static PollPlan.Observation full(EcsExecution... listed) {
    return new PollPlan.Observation(FULL, List.of(listed), List.of(), Set.of());
  }

  static EcsExecution ecs(String id, String status, String image, int hour) {
    String time = NOW.minus(Duration.ofHours(100 - hour)).toString();
    return new EcsExecution(id, "ip-abc", status, image, null, time, time, null, Map.of());
  }

  static ImagePipelineWatch watch(Consumer<ImagePipelineWatchSpec> change) {
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName("w").withNamespace("team-a").withUid("uid-w").withGeneration(1L).build());
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId("cn-hangzhou");
    spec.setImagePipelineId("ip-abc");
    change.accept(spec);
    watch.setSpec(spec);
    return watch;
  }

  static WatchSettings settings(ImagePipelineWatch watch) {
    try {
      return WatchSettings.of(watch.getSpec(), Duration.ofMinutes(1));
    } catch (WatchSettings.Invalid e) {
      throw new AssertionError(e);
    }
  }
}
