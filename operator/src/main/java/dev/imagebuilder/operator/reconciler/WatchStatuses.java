package dev.imagebuilder.operator.reconciler;

import static dev.imagebuilder.operator.reconciler.Conditions.FALSE;
import static dev.imagebuilder.operator.reconciler.Conditions.TRUE;
import static dev.imagebuilder.operator.reconciler.Conditions.UNKNOWN;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.api.LatestExecution;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The watch status for each outcome of a poll, rebuilt from scratch and compared with the old one
 * by the caller. Conditions follow kstatus: Ready; Reconciling while a sync of a new spec is under
 * way or a sync is being retried; Stalled only for errors retrying cannot fix. {@code request} is
 * the poll request this pass handles (echoed in lastHandledReconcileAt), or null.
 */
final class WatchStatuses {

  static final String READY = "Ready";
  static final String RECONCILING = "Reconciling";
  static final String STALLED = "Stalled";

  static final String SYNCED = "Synced";
  /** Ready=True, but this sync came later than two intervals after the last. */
  static final String SYNC_DELAYED = "SyncDelayed";
  static final String PROGRESSING = "Progressing";

  private WatchStatuses() {}

  /**
   * After a poll whose children were all written (or refused for good, {@code notMirrored} of
   * them). Counts, the latest execution and the latest image come from what ECS said, never from
   * children, which others can write.
   */
  static ImagePipelineWatchStatus synced(
      ImagePipelineWatch watch, String request, EcsView view, boolean fullListing, int notMirrored, Instant now) {
    return synced(watch, request, view, fullListing, notMirrored, null, now);
  }

  /**
   * The same, and when {@code interval} is given and this sync came later than two of them after
   * the last one of a watch that was in sync ({@link #delayedBy}), Ready says so with {@link
   * #SYNC_DELAYED}.
   */
  static ImagePipelineWatchStatus synced(
      ImagePipelineWatch watch, String request, EcsView view, boolean fullListing, int notMirrored, Duration interval,
      Instant now) {
    Duration delayed = interval == null ? null : delayedBy(watch, interval, now);
    var status = base(watch, request);
    status.setExecutionCount(view.total());
    status.setExecutionsByStatus(new TreeMap<>(view.counts()));
    status.setLastSyncTime(Conditions.timestamp(now));
    if (fullListing) {
      status.setLastFullSyncTime(Conditions.timestamp(now));
    }
    var latest = view.latest();
    if (latest != null) {
      status.setLatestExecution(
          new LatestExecution(
              latest.executionId(), latest.status(), ExecutionChildren.blankToNull(latest.imageId()), latest.creationTime(), latest.modifiedTime()));
    }
    if (view.latestSuccess() != null) {
      status.setLatestSuccessfulImageId(view.latestSuccess().imageId());
    }
    int count = status.getExecutionCount();
    String message =
        (latest == null ? "Mirrored " + count + " executions" : "Mirrored " + count + " executions; the latest is " + latest.status())
            + (notMirrored == 0 ? "" : "; " + notMirrored + " could not be mirrored (see the watch's events)");
    status.setConditions(
        Conditions.merge(
            previous(watch),
            List.of(delayed == null
                ? new Conditions.Desired(READY, TRUE, SYNCED, message)
                : new Conditions.Desired(READY, TRUE, SYNC_DELAYED, message + "; this sync came " + delayed.toSeconds()
                    + "s after the last one, more than twice the interval of " + interval.toSeconds()
                    + "s: the operator's ECS request budget or its threads are busy")),
            watch.getMetadata().getGeneration(),
            now));
    return status;
  }

  /**
   * How long after the last sync this one comes, when that is more than two intervals and the
   * watch was in sync until now (Ready=True for Synced or SyncDelayed); else null:
   *
   * <ul>
   *   <li>no sync before: null (nothing to be late for);
   *   <li>Ready was not True, or True for another reason (a retry showing the last sync): null,
   *       the condition already says why the data is old;
   *   <li>within two intervals: null; later: the time since the last sync.
   * </ul>
   */
  static Duration delayedBy(ImagePipelineWatch watch, Duration interval, Instant now) {
    String lastSync = watch.getStatus() == null ? null : watch.getStatus().getLastSyncTime();
    if (lastSync == null) {
      return null;
    }
    var ready = previous(watch).stream().filter(c -> READY.equals(c.getType())).findFirst();
    if (ready.isEmpty() || !TRUE.equals(ready.get().getStatus())
        || !(SYNCED.equals(ready.get().getReason()) || SYNC_DELAYED.equals(ready.get().getReason()))) {
      return null;
    }
    Duration since = Duration.between(Instant.parse(lastSync), now);
    return since.compareTo(interval.multipliedBy(2)) > 0 ? since : null;
  }

  /**
   * After a failure that a retry may fix. Ready keeps its status (and the last good data stays)
   * until the last sync is older than {@code staleAfter}, so one throttled call does not flap it.
   */
  static ImagePipelineWatchStatus retrying(
      ImagePipelineWatch watch, String request, String reason, String message, Duration staleAfter, Instant now) {
    String lastSync = watch.getStatus() == null ? null : watch.getStatus().getLastSyncTime();
    boolean fresh =
        lastSync != null && Instant.parse(lastSync).plus(staleAfter).isAfter(now) && Conditions.isTrue(previous(watch), READY);
    var ready =
        fresh
            ? new Conditions.Desired(READY, TRUE, reason, message + "; showing the last sync")
            : new Conditions.Desired(READY, FALSE, reason, message);
    return withConditions(watch, request, now, ready, new Conditions.Desired(RECONCILING, TRUE, reason, message));
  }

  /** After an error that only a change of spec, credentials or ECS itself can fix. */
  static ImagePipelineWatchStatus stalled(
      ImagePipelineWatch watch, String request, String reason, String message, Instant now) {
    return withConditions(
        watch, request, now, new Conditions.Desired(READY, FALSE, reason, message), new Conditions.Desired(STALLED, TRUE, reason, message));
  }

  /** While suspended nothing is observed; only the generation and a handled request move. */
  static ImagePipelineWatchStatus suspended(ImagePipelineWatch watch, String request) {
    var status = base(watch, request);
    status.setConditions(previous(watch));
    return status;
  }

  /**
   * Before the first sync of a watch and of each new spec: the generation is observed and the
   * sync is under way (Ready=Unknown, Reconciling=True), so kstatus readers see a long import as
   * InProgress rather than Current. A pending request is echoed only when the sync has run.
   */
  static ImagePipelineWatchStatus progressing(ImagePipelineWatch watch, WatchSettings settings, Instant now) {
    String message = "Syncing the executions of image pipeline " + settings.pipeline().imagePipelineId() + " in "
        + settings.pipeline().regionId() + " for generation " + watch.getMetadata().getGeneration();
    return withConditions(
        watch, null, now,
        new Conditions.Desired(READY, UNKNOWN, PROGRESSING, message), new Conditions.Desired(RECONCILING, TRUE, PROGRESSING, message));
  }

  /** Whether this watch's spec has not been looked at yet: a new watch, or a new generation. */
  static boolean unobserved(ImagePipelineWatch watch) {
    var status = watch.getStatus();
    return status == null || !Objects.equals(status.getObservedGeneration(), watch.getMetadata().getGeneration());
  }

  /** The old status's data with this pass's bookkeeping and exactly these conditions. */
  private static ImagePipelineWatchStatus withConditions(
      ImagePipelineWatch watch, String request, Instant now, Conditions.Desired... conditions) {
    var status = base(watch, request);
    status.setConditions(Conditions.merge(previous(watch), List.of(conditions), watch.getMetadata().getGeneration(), now));
    return status;
  }

  /** The old status's data with this pass's bookkeeping; conditions are always set anew. */
  private static ImagePipelineWatchStatus base(ImagePipelineWatch watch, String request) {
    var old = watch.getStatus() == null ? new ImagePipelineWatchStatus() : watch.getStatus();
    var status = new ImagePipelineWatchStatus();
    status.setObservedGeneration(watch.getMetadata().getGeneration());
    status.setLastSyncTime(old.getLastSyncTime());
    status.setLastFullSyncTime(old.getLastFullSyncTime());
    status.setExecutionCount(old.getExecutionCount());
    status.setExecutionsByStatus(old.getExecutionsByStatus());
    status.setLatestExecution(old.getLatestExecution());
    status.setLatestSuccessfulImageId(old.getLatestSuccessfulImageId());
    status.setLastHandledReconcileAt(request != null ? request : old.getLastHandledReconcileAt());
    return status;
  }

  private static List<Condition> previous(ImagePipelineWatch watch) {
    return watch.getStatus() == null ? List.of() : watch.getStatus().getConditions();
  }
}
