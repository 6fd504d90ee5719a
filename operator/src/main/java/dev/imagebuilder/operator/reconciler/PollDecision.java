package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a poll's outcome means for its watch: the whole status it should have, when to poll again,
 * the events to record and what to remember until then. Decided by {@link #of}, a pure function;
 * the reconciler applies it with one status patch.
 *
 * @param status the watch's status after this poll, built afresh from the old one and the outcome
 * @param next how long until the next poll
 * @param events events recorded whatever becomes of the status patch: executions not mirrored,
 *     executions that appeared or ended
 * @param transitions events of the conditions that turned, recorded once the status is written
 * @param memory what to remember of the watch
 */
record PollDecision(
    ImagePipelineWatchStatus status, Duration next, List<WatchEvents.Event> events, List<WatchEvents.Event> transitions, WatchMemory memory) {

  /** Ready survives transient failures for at least this long (or three intervals). */
  static final Duration MIN_STALE_AFTER = Duration.ofMinutes(5);

  /**
   * @param memory what the operator remembered of the watch when the poll began
   * @param request the poll request this poll handles (echoed in lastHandledReconcileAt), or null
   */
  static PollDecision of(
      PollOutcome outcome, ImagePipelineWatch watch, WatchMemory memory, String request, PollSchedule schedule, Instant now) {
    if (outcome instanceof PollOutcome.Suspended s) {
      var kept = memory.withInterval(s.settings().interval());
      return decided(watch, WatchStatuses.suspended(watch, request), schedule.afterSuccess(kept.interval()), List.of(), kept.withStalls(0));
    }
    if (outcome instanceof PollOutcome.InvalidSpec i) {
      return stalled(watch, memory, request, PollOutcome.INVALID_SPEC, i.message(), schedule, now);
    }
    if (outcome instanceof PollOutcome.Duplicate d) {
      var pipeline = d.settings().pipeline();
      return stalled(watch, memory.withInterval(d.settings().interval()), request, PollOutcome.DUPLICATE,
          "watch " + d.first() + " in this namespace already mirrors pipeline " + pipeline.imagePipelineId() + " of "
              + pipeline.regionId() + "; delete one of the two",
          schedule, now);
    }
    if (outcome instanceof PollOutcome.CredentialsUnusable c) {
      return stalled(watch, memory.withInterval(c.settings().interval()), request, c.reason().name(), c.message(), schedule, now);
    }
    if (outcome instanceof PollOutcome.Crashed c) {
      return retrying(watch, memory, request, EcsException.Kind.UNAVAILABLE, PollOutcome.CRASHED,
          "the poll failed with " + c.error() + "; the operator log has the details", List.of(), schedule, now);
    }
    if (outcome instanceof PollOutcome.EcsFailed f) {
      var kept = memory.withInterval(f.settings().interval()).withRejected(f.writes().rejected())
          .withTaken(memory.taken().afterFailedListing(f.writes().taken()));
      String reason = PollOutcome.reason(f.kind());
      return f.kind().isTransient()
          ? retrying(watch, kept, request, f.kind(), reason, f.message(), List.of(), schedule, now)
          : stalled(watch, kept, request, reason, f.message(), schedule, now);
    }
    var listed = (PollOutcome.Listed) outcome;
    var plan = listed.plan();
    var writes = listed.writes();
    var kept = memory.withInterval(listed.settings().interval()).withView(plan.view()).withRejected(writes.rejected())
        .withTaken(memory.taken().after(writes.taken(), plan.backedOff()));
    List<WatchEvents.Event> events = new ArrayList<>();
    events.addAll(WatchEvents.notMirrored("InvalidExecutionId", "have an ExecutionId that is no valid object name", plan.skipped()));
    events.addAll(WatchEvents.notMirrored("ChildRejected", "were refused by the API server", writes.rejectedDetails()));
    // A taken name is tried again less and less often; the event says when it became taken.
    events.addAll(WatchEvents.notMirrored("ExecutionNameTaken", "have names taken by objects this watch does not control",
        writes.taken().stream().filter(name -> !memory.taken().known(name)).toList()));
    plan.collisions().forEach(c -> events.add(WatchEvents.nameCollision(c)));
    if (!writes.failures().isEmpty()) {
      return retrying(watch, kept, request, EcsException.Kind.UNAVAILABLE, PollOutcome.WRITES_FAILED,
          writes.failures().size() + " children could not be written, first " + writes.failures().get(0), events, schedule, now);
    }
    boolean firstSync = watch.getStatus() == null || watch.getStatus().getLastSyncTime() == null;
    events.addAll(WatchEvents.executionChanges(firstSync, plan.added(), plan.ended()));
    int notMirrored =
        plan.skipped().size() + writes.rejectedDetails().size() + writes.taken().size() + plan.backedOff().size() + plan.unowned();
    var status = WatchStatuses.synced(watch, request, plan.view(), listed.scope().full(), notMirrored, kept.interval(), now);
    return decided(watch, status, schedule.afterSuccess(kept.interval()), events, kept.withFailures(0).withStalls(0));
  }

  PollDecision withMemory(WatchMemory kept) {
    return new PollDecision(status, next, events, transitions, kept);
  }

  /**
   * The same decision when its status could not be written (the API server refused or did not
   * answer): one more failure to back off from, never longer than the interval.
   */
  PollDecision statusNotWritten(PollSchedule schedule, Instant now) {
    var failed = memory.withFailures(memory.failures() + 1).withOnlyWaited(false);
    return new PollDecision(
        status, schedule.afterFailure(EcsException.Kind.UNAVAILABLE, failed.failures(), now, failed.interval()), events, List.of(), failed);
  }

  /**
   * An error only a change of spec, credentials or ECS can fix: looked at again after the interval,
   * then less and less often while it lasts ({@link PollSchedule#afterStall}); a new spec or a poll
   * request looks at once.
   */
  private static PollDecision stalled(
      ImagePipelineWatch watch, WatchMemory memory, String request, String reason, String message, PollSchedule schedule, Instant now) {
    int stalls = memory.stalls() + 1;
    return decided(watch, WatchStatuses.stalled(watch, request, reason, message, now), schedule.afterStall(memory.interval(), stalls),
        List.of(), memory.withFailures(0).withStalls(stalls));
  }

  /** A failure a retry may fix: backed off, never longer than the interval. */
  private static PollDecision retrying(
      ImagePipelineWatch watch, WatchMemory memory, String request, EcsException.Kind kind, String reason, String message,
      List<WatchEvents.Event> events, PollSchedule schedule, Instant now) {
    var failed = memory.withFailures(memory.failures() + 1)
        .withOnlyWaited(kind == EcsException.Kind.BUDGET_WAIT && (memory.failures() == 0 || memory.onlyWaited()));
    var status = WatchStatuses.retrying(watch, request, reason, message, staleAfter(failed.interval()), now);
    return decided(watch, status, schedule.afterFailure(kind, failed.failures(), now, failed.interval()), events, failed);
  }

  private static PollDecision decided(
      ImagePipelineWatch watch, ImagePipelineWatchStatus status, Duration next, List<WatchEvents.Event> events, WatchMemory memory) {
    var before = watch.getStatus();
    var transitions = before != null && before.equals(status)
        ? List.<WatchEvents.Event>of()
        : WatchEvents.transitions(before == null ? List.of() : before.getConditions(), status.getConditions());
    return new PollDecision(status, next, List.copyOf(events), transitions, memory);
  }

  static Duration staleAfter(Duration interval) {
    Duration three = interval.multipliedBy(3);
    return three.compareTo(MIN_STALE_AFTER) > 0 ? three : MIN_STALE_AFTER;
  }
}
