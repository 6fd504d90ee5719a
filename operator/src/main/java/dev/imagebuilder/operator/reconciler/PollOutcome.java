package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.ecs.EcsException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * How one poll of a watch ended: what it observed and did, before anything is decided about the
 * watch's status, events or next poll ({@link PollDecision} does that). Every exit of a poll is one
 * of these. Those that got as far as reading the spec carry its settings.
 */
sealed interface PollOutcome {

  /** Where the poll stopped: the watch says to poll nothing. */
  record Suspended(WatchSettings settings) implements PollOutcome {}

  /** The spec cannot be polled; the message names each field that is wrong. */
  record InvalidSpec(String message) implements PollOutcome {}

  /** Another watch in the namespace, {@code first}, already mirrors the same pipeline. */
  record Duplicate(WatchSettings settings, String first) implements PollOutcome {}

  /** The watch's own credentials cannot be used; {@code reason} says why. */
  record CredentialsUnusable(WatchSettings settings, WatchCredentials.Problem reason, String message) implements PollOutcome {}

  /** ECS refused or failed the listing; the children of the pages already listed were written. */
  record EcsFailed(WatchSettings settings, EcsException.Kind kind, String message, ChildWriter.Result writes)
      implements PollOutcome {}

  /**
   * The poll failed in a way nobody foresaw (a bug, a class missing from the classpath): {@code
   * error} is the exception's simple class name, never its message, which could hold anything.
   */
  record Crashed(String error) implements PollOutcome {}

  /**
   * ECS was listed and the children were written (or refused for good, or failed: {@code writes}).
   *
   * @param scope what was listed
   * @param plan what the listing changed, and what ECS says now
   * @param syncTime how long listing and writing took
   */
  record Listed(WatchSettings settings, ListingScope scope, PollPlan plan, ChildWriter.Result writes, Duration syncTime)
      implements PollOutcome {}

  /** The reason each failure puts on the watch's conditions. */
  String INVALID_SPEC = "InvalidSpec";
  String DUPLICATE = "DuplicatePipeline";
  String CRASHED = "InternalError";
  String WRITES_FAILED = "RetryingAfterWriteError";
  String BUDGET_WAIT = "RetryingAfterBudgetWait";

  /** The condition reason for each kind of ECS failure. */
  static String reason(EcsException.Kind kind) {
    return switch (kind) {
      case THROTTLED -> "RetryingAfterThrottle";
      case UNAVAILABLE -> "RetryingAfterError";
      case PIPELINE_NOT_FOUND -> "PipelineNotFound";
      case ACCESS_DENIED -> "AccessDenied";
      case INVALID_REQUEST -> "InvalidRequest";
      case BAD_RESPONSE -> "RetryingAfterBadResponse";
      case TOO_LARGE -> "ListingTooLarge";
      case UNBOUNDED -> "ListingUnbounded";
      case BUDGET_WAIT -> BUDGET_WAIT;
    };
  }

  /** Every reason a poll can put on a watch's Ready, Stalled or Reconciling condition but Synced. */
  static Set<String> failureReasons() {
    Set<String> reasons = new TreeSet<>(Set.of(INVALID_SPEC, DUPLICATE, CRASHED, WRITES_FAILED));
    Arrays.stream(EcsException.Kind.values()).map(PollOutcome::reason).forEach(reasons::add);
    Arrays.stream(WatchCredentials.Problem.values()).map(Enum::name).forEach(reasons::add);
    return reasons;
  }
}
