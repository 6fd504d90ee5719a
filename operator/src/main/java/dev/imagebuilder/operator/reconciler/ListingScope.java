package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a poll asks ECS for: the whole pipeline (within the watch's filter), or only the executions
 * in progress. Between full listings, ECS is asked only for running statuses: a pipeline with
 * 50,000 finished builds and two running costs one call instead of a hundred.
 *
 * @param full whether everything within the filter is listed
 * @param statuses the statuses asked for; empty for all
 */
record ListingScope(boolean full, Set<String> statuses) {

  /** The statuses ECS can still change. */
  static final Set<String> ACTIVE =
      Arrays.stream(EcsStatus.values()).filter(s -> !s.isTerminal()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));

  /** An incremental poll whose filter has no running status has nothing to list. */
  boolean asksEcs() {
    return full || !statuses.isEmpty();
  }

  /**
   * A full listing when:
   *
   * <ul>
   *   <li>the operator has no full listing of this watch since it started ({@code lastFull} null),
   *       or the watch's spec changed since (generation ahead);
   *   <li>a person asked for a poll ({@code requested}, see {@link PollRequest});
   *   <li>the last poll failed ({@code lastFailed}; not when the polls since the last sync only
   *       waited for the ECS budget, which saw nothing of ECS), even when its status could not be written
   *       (an API server outage): what happened meanwhile is unknown, and an execution that
   *       started and ended meanwhile is found only by a full listing;
   *   <li>the last one is {@code fullResyncInterval} old.
   * </ul>
   *
   * Otherwise only the active statuses within the watch's filter are listed.
   */
  static ListingScope of(
      ImagePipelineWatch watch, WatchSettings settings, Instant lastFull, boolean requested, boolean lastFailed, Instant now) {
    boolean specChanged = WatchStatuses.unobserved(watch);
    boolean due = lastFull == null || !lastFull.plus(settings.fullResyncInterval()).isAfter(now);
    if (requested || specChanged || lastFailed || due) {
      return new ListingScope(true, settings.statusFilter());
    }
    Set<String> active = new TreeSet<>(ACTIVE);
    if (!settings.statusFilter().isEmpty()) {
      active.retainAll(settings.statusFilter());
    }
    return new ListingScope(false, active);
  }
}
