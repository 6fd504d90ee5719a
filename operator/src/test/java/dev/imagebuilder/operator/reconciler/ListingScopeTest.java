package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListingScopeTest {

  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "never listed by this operator   | -                    | 1 | 1 | -    | -   | -          | true",
        "listed 5m ago, default 10m      | 2026-06-01T11:55:00Z | 1 | 1 | -    | -   | -          | false",
        "listed 10m ago, default 10m     | 2026-06-01T11:50:00Z | 1 | 1 | -    | -   | -          | true",
        "listed 5m ago, resync every 2m  | 2026-06-01T11:55:00Z | 1 | 1 | -    | -   | 2m         | true",
        "spec changed since              | 2026-06-01T11:59:00Z | 2 | 1 | -    | -   | -          | true",
        "poll requested                  | 2026-06-01T11:59:00Z | 1 | 1 | now  | old | -          | true",
        "request already handled         | 2026-06-01T11:59:00Z | 1 | 1 | same | -   | -          | false",
        "last poll failed, status unsaid | 2026-06-01T11:59:00Z | 1 | 1 | fail | -   | -          | true",
      })
  void fullListingWhenDueRequestedOrTheSpecChanged(
      String when, String lastFull, long generation, long observed, String requested, String handled, String resync, boolean full) {
    var watch = watch(lastFull, generation, observed, requested, handled, resync);
    Instant last = lastFull == null ? null : Instant.parse(lastFull);
    boolean pending = PollRequest.of(watch).pending(null, watch.getStatus().getLastHandledReconcileAt()) != null;
    boolean failed = "fail".equals(requested);
    assertThat(ListingScope.of(watch, settings(resync, Set.of()), last, pending, failed, NOW).full()).isEqualTo(full);
  }

  @ParameterizedTest(name = "filter {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''                  | BUILDING,CANCELLING,DISTRIBUTING,PREPARING,RELEASING,REPAIRING,TESTING",
        "BUILDING,SUCCESS    | BUILDING",
        "FAILED,TEST_FAILED  | ''",
      })
  void betweenFullListingsOnlyActiveStatusesWithinTheFilterAreAsked(String filter, String asked) {
    var watch = watch("2026-06-01T11:59:00Z", 1, 1, null, null, null);
    Set<String> filterSet = filter.isEmpty() ? Set.of() : Set.of(filter.split(","));
    var plan = ListingScope.of(watch, settings(null, filterSet), Instant.parse("2026-06-01T11:59:00Z"), false, false, NOW);
    assertThat(plan.full()).isFalse();
    assertThat(String.join(",", plan.statuses())).isEqualTo(asked);
    assertThat(plan.asksEcs()).isEqualTo(!asked.isEmpty());
  }

  static WatchSettings settings(String resync, Set<String> filter) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId("cn-hangzhou");
    spec.setImagePipelineId("ip-abc");
    spec.setInterval("1m");
    spec.setFullResyncInterval(resync);
    spec.setStatusFilter(filter.stream().map(dev.imagebuilder.operator.api.EcsStatus::valueOf).toList());
    try {
      return WatchSettings.of(spec, Duration.ofMinutes(1));
    } catch (WatchSettings.Invalid e) {
      throw new AssertionError(e);
    }
  }

  static ImagePipelineWatch watch(String lastFull, long generation, long observed, String requested, String handled, String resync) {
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName("w").withGeneration(generation)
        .withAnnotations(requested == null ? Map.of() : Map.of(ImagePipelineWatch.RECONCILE_REQUESTED_AT, requested))
        .build());
    var spec = new ImagePipelineWatchSpec();
    spec.setFullResyncInterval(resync);
    watch.setSpec(spec);
    var status = new ImagePipelineWatchStatus();
    status.setLastFullSyncTime(lastFull);
    status.setObservedGeneration(observed);
    // "fail": the last poll failed and its status could not say so (the API server was away).
    status.setLastHandledReconcileAt("same".equals(requested) || "fail".equals(requested) ? requested : handled);
    watch.setStatus(status);
    return watch;
  }
}
