package dev.imagebuilder.operator.reconciler;

import static dev.imagebuilder.operator.reconciler.Conditions.FALSE;
import static dev.imagebuilder.operator.reconciler.Conditions.TRUE;

import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.api.LatestExecution;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The watch status for each outcome of a poll, rebuilt from scratch and compared with the old one
 * by the caller. Conditions follow kstatus: Ready, Reconciling only while a sync is being retried,
 * Stalled only for errors retrying cannot fix.
 */
final class WatchStatuses {

  static final String READY = "Ready";
  static final String RECONCILING = "Reconciling";
  static final String STALLED = "Stalled";

  static final String SYNCED = "Synced";

  private WatchStatuses() {}

  /** After a complete listing whose children were all written. */
  static ImagePipelineWatchStatus synced(
      ImagePipelineWatch watch,
      Map<String, Integer> byStatus,
      boolean fullListing,
      Collection<ImagePipelineExecution> children,
      Instant now) {
    var status = base(watch);
    status.setExecutionCount(byStatus.values().stream().mapToInt(Integer::intValue).sum());
    status.setExecutionsByStatus(new TreeMap<>(byStatus));
    status.setLastSyncTime(Conditions.timestamp(now));
    if (fullListing) {
      status.setLastFullSyncTime(Conditions.timestamp(now));
    }
    var newestFirst =
        Comparator.comparing(
            (ImagePipelineExecution c) -> c.getStatus().getCreationTime(),
            Comparator.nullsFirst(Comparator.<String>naturalOrder()));
    var latestChild = children.stream().filter(c -> c.getStatus() != null).max(newestFirst);
    var latest = latestChild.map(ImagePipelineExecution::getStatus);
    status.setLatestExecution(
        latestChild
            .map(
                c ->
                    new LatestExecution(
                        c.getSpec().getExecutionId(),
                        c.getStatus().getPhase(),
                        c.getStatus().getImageId(),
                        c.getStatus().getCreationTime(),
                        c.getStatus().getModifiedTime()))
            .orElse(null));
    children.stream()
        .map(ImagePipelineExecution::getStatus)
        .filter(c -> c != null && c.getImageId() != null && c.getCreationTime() != null)
        .filter(c -> EcsStatus.parse(c.getPhase()).map(s -> s.outcome() == EcsStatus.Outcome.SUCCEEDED).orElse(false))
        .max(Comparator.comparing(ImagePipelineExecutionStatus::getCreationTime))
        .ifPresent(c -> status.setLatestSuccessfulImageId(c.getImageId()));
    int count = status.getExecutionCount();
    String message =
        latest
            .map(c -> "Mirrored " + count + " executions; the latest is " + c.getPhase())
            .orElse("Mirrored " + count + " executions");
    status.setConditions(
        Conditions.merge(
            previous(watch),
            List.of(new Conditions.Desired(READY, TRUE, SYNCED, message)),
            watch.getMetadata().getGeneration(),
            now));
    return status;
  }

  /**
   * After a failure that a retry may fix. Ready keeps its status (and the last good data stays)
   * until the last sync is older than {@code staleAfter}, so one throttled call does not flap it.
   */
  static ImagePipelineWatchStatus retrying(
      ImagePipelineWatch watch, String reason, String message, Duration staleAfter, Instant now) {
    var status = base(watch);
    boolean fresh =
        status.getLastSyncTime() != null
            && Instant.parse(status.getLastSyncTime()).plus(staleAfter).isAfter(now)
            && Conditions.isTrue(previous(watch), READY);
    var ready =
        fresh
            ? new Conditions.Desired(READY, TRUE, reason, message + "; showing the last sync")
            : new Conditions.Desired(READY, FALSE, reason, message);
    status.setConditions(
        Conditions.merge(
            previous(watch),
            List.of(ready, new Conditions.Desired(RECONCILING, TRUE, reason, message)),
            watch.getMetadata().getGeneration(),
            now));
    return status;
  }

  /** After an error that only a change of spec, credentials or ECS itself can fix. */
  static ImagePipelineWatchStatus stalled(
      ImagePipelineWatch watch, String reason, String message, Instant now) {
    var status = base(watch);
    status.setConditions(
        Conditions.merge(
            previous(watch),
            List.of(
                new Conditions.Desired(READY, FALSE, reason, message),
                new Conditions.Desired(STALLED, TRUE, reason, message)),
            watch.getMetadata().getGeneration(),
            now));
    return status;
  }

  /** While suspended nothing is observed; only the generation and a handled request move. */
  static ImagePipelineWatchStatus suspended(ImagePipelineWatch watch) {
    var status = base(watch);
    status.setConditions(previous(watch));
    return status;
  }

  /** The old status's data with this pass's bookkeeping; conditions are always set anew. */
  private static ImagePipelineWatchStatus base(ImagePipelineWatch watch) {
    var old = watch.getStatus() == null ? new ImagePipelineWatchStatus() : watch.getStatus();
    var status = new ImagePipelineWatchStatus();
    status.setObservedGeneration(watch.getMetadata().getGeneration());
    status.setLastSyncTime(old.getLastSyncTime());
    status.setLastFullSyncTime(old.getLastFullSyncTime());
    status.setExecutionCount(old.getExecutionCount());
    status.setExecutionsByStatus(old.getExecutionsByStatus());
    status.setLatestExecution(old.getLatestExecution());
    status.setLatestSuccessfulImageId(old.getLatestSuccessfulImageId());
    status.setLastHandledReconcileAt(
        watch.reconcileRequestedAt() != null ? watch.reconcileRequestedAt() : old.getLastHandledReconcileAt());
    return status;
  }

  private static List<Condition> previous(ImagePipelineWatch watch) {
    return watch.getStatus() == null ? List.of() : watch.getStatus().getConditions();
  }
}
