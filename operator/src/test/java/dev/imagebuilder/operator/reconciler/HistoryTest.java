package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.HistoryLimits;
import dev.imagebuilder.operator.reconciler.History.Candidate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class HistoryTest {

  static final Instant WATCH_CREATED = Instant.parse("2026-06-01T00:00:00Z");
  static final Instant NOW = WATCH_CREATED.plusSeconds(86_400);

  /** Executions one hour apart, the first {@code hoursBefore} hours before the watch. */
  static List<Candidate> hourly(int hoursBefore, String... statuses) {
    List<Candidate> list = new ArrayList<>();
    for (int i = 0; i < statuses.length; i++) {
      Instant created = WATCH_CREATED.minusSeconds(3600L * (hoursBefore - i));
      list.add(new Candidate("e" + i, statuses[i], created, created.plusSeconds(600)));
    }
    return list;
  }

  static List<String> kept(List<Candidate> candidates, Consumer<HistoryLimits> limits) {
    var history = new HistoryLimits();
    limits.accept(history);
    var spec = new dev.imagebuilder.operator.api.ImagePipelineWatchSpec();
    spec.setRegionId("cn-hangzhou");
    spec.setImagePipelineId("ip-abc");
    spec.setHistory(history);
    History.Limits parsed;
    try {
      parsed = WatchSettings.of(spec, java.time.Duration.ofMinutes(1)).history();
    } catch (WatchSettings.Invalid e) {
      throw new AssertionError(e);
    }
    var kept = History.keep(candidates, parsed, WATCH_CREATED, NOW);
    return candidates.stream().map(Candidate::name).filter(kept::contains).toList();
  }

  @Test
  void withoutLimitsEverythingIsKept() {
    var all = hourly(5, "SUCCESS", "FAILED", "BUILDING");
    assertThat(History.keep(all, null, WATCH_CREATED, NOW)).containsExactlyInAnyOrder("e0", "e1", "e2");
  }

  @Test
  void successfulLimitKeepsTheNewestSuccessesAndLeavesFailuresAlone() {
    var all = hourly(5, "SUCCESS", "PARTITION_SUCCESS", "FAILED", "SUCCESS", "CANCELLED");
    assertThat(kept(all, h -> h.setSuccessfulLimit(2L))).containsExactly("e1", "e2", "e3", "e4");
  }

  @Test
  void failedLimitCountsFailedTestFailedAndCancelled() {
    var all = hourly(5, "FAILED", "TEST_FAILED", "SUCCESS", "CANCELLED", "FAILED");
    assertThat(kept(all, h -> h.setFailedLimit(1L))).containsExactly("e2", "e4");
  }

  @Test
  void runningAndUnknownStatusesAreNeverPruned() {
    var all = hourly(30, "BUILDING", "CANCELLING", "QUANTUM_BAKING", "SUCCESS");
    assertThat(kept(all, h -> {
      h.setSuccessfulLimit(0L);
      h.setFailedLimit(0L);
      h.setTtlSecondsAfterFinished(1L);
      h.setMaxAge("1h");
      h.setMaxCount(0L);
    })).containsExactly("e0", "e1", "e2");
  }

  @Test
  void ttlRemovesExecutionsFinishedLongerAgo() {
    var old = new Candidate("old", "SUCCESS", NOW.minusSeconds(7200), NOW.minusSeconds(3700));
    var recent = new Candidate("recent", "FAILED", NOW.minusSeconds(600), NOW.minusSeconds(60));
    assertThat(kept(List.of(old, recent), h -> h.setTtlSecondsAfterFinished(3600L))).containsExactly("recent");
  }

  @Test
  void maxAgeLeavesOutExecutionsCreatedLongBeforeTheWatch() {
    var all = hourly(5, "SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS");
    assertThat(kept(all, h -> h.setMaxAge("3h"))).containsExactly("e2", "e3", "e4");
    assertThat(kept(all, h -> h.setMaxAge(""))).as("empty, which the schema allows, is unset").hasSize(5);
  }

  @Test
  void maxCountImportsOnlyTheNewestOfTheExecutionsBeforeTheWatch() {
    var before = hourly(3, "SUCCESS", "FAILED", "SUCCESS");
    var after = new Candidate("new", "SUCCESS", WATCH_CREATED.plusSeconds(60), WATCH_CREATED.plusSeconds(600));
    var all = new ArrayList<>(before);
    all.add(after);
    assertThat(kept(all, h -> h.setMaxCount(1L))).containsExactly("e2", "new");
  }

  @Test
  void executionsCreatedAtTheSameTimeAreChosenByNameWhateverTheOrder() {
    Instant created = WATCH_CREATED.plusSeconds(60);
    var a = new Candidate("exec-a", "SUCCESS", created, created);
    var b = new Candidate("exec-b", "SUCCESS", created, created);
    assertThat(kept(List.of(a, b), h -> h.setSuccessfulLimit(1L))).containsExactly("exec-a");
    assertThat(kept(List.of(b, a), h -> h.setSuccessfulLimit(1L))).containsExactly("exec-a");
  }
}
