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
