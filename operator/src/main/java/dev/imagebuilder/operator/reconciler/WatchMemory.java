package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the operator remembers of one watch between its polls, in memory only: what ECS said, the
 * interval and generation last polled, how many polls failed in a row, the poll requests handled,
 * the children the API server refused for good and when the next poll is due. A value: each poll
 * starts from one and its {@link PollDecision} says which to keep.
 *
 * @param view what ECS said, or null before the first listing of this generation
 * @param rejected children the API server refused for good, with the ECS answer they came from
 * @param requestsSeen the poll request annotations as of the last status written; null until then
 * @param nextPollNanos when the next poll is due, in {@link System#nanoTime()} (the time base of
 *     JOSDK's timers); null before the first poll
 * @param taken child names held by objects the watch does not control, backed off
 * @param stalls how many polls in a row ended Stalled, for their backoff ({@link
 *     PollSchedule#afterStall})
 * @param requestHonoured when the last poll request was honoured; null before the first ({@link
 *     PollRequest#deferral})
 * @param onlyWaited whether every failure in a row since the last sync was a wait for the ECS
 *     budget, which saw nothing of ECS and so needs no full listing after it ({@link ListingScope})
 */
record WatchMemory(
    EcsView view,
    Long polledGeneration,
    Duration interval,
    int failures,
    PollRequest requestsSeen,
    Map<String, EcsExecution> rejected,
    Long nextPollNanos,
    TakenNames taken,
    int stalls,
    Instant requestHonoured,
    boolean onlyWaited) {

  /** More refused children than this and the list starts over: it must not grow without bound. */
  static final int MAX_REJECTED = 10_000;

  static WatchMemory fresh(Duration interval) {
    return new WatchMemory(null, null, interval, 0, null, Map.of(), null, TakenNames.NONE, 0, null, false);
  }

  /** A new spec may name another pipeline or filter: what ECS said of the old one is no guide. */
  WatchMemory forGeneration(Long generation) {
    return Objects.equals(generation, polledGeneration)
        ? this
        : new WatchMemory(null, generation, interval, failures, requestsSeen, Map.of(), nextPollNanos, TakenNames.NONE, 0, requestHonoured, false);
  }

  Instant lastFull() {
    return view == null ? null : view.lastFull();
  }

  WatchMemory withView(EcsView newView) {
    return new WatchMemory(newView, polledGeneration, interval, failures, requestsSeen, rejected, nextPollNanos, taken, stalls, requestHonoured, onlyWaited);
  }

  WatchMemory withInterval(Duration newInterval) {
    return new WatchMemory(view, polledGeneration, newInterval, failures, requestsSeen, rejected, nextPollNanos, taken, stalls, requestHonoured, onlyWaited);
  }

  WatchMemory withFailures(int count) {
    return new WatchMemory(view, polledGeneration, interval, count, requestsSeen, rejected, nextPollNanos, taken, stalls, requestHonoured, onlyWaited);
  }

  WatchMemory withRequestsSeen(PollRequest seen) {
    return new WatchMemory(view, polledGeneration, interval, failures, seen, rejected, nextPollNanos, taken, stalls, requestHonoured, onlyWaited);
  }

  WatchMemory withNextPollNanos(long nanos) {
    return new WatchMemory(view, polledGeneration, interval, failures, requestsSeen, rejected, nanos, taken, stalls, requestHonoured, onlyWaited);
  }

  WatchMemory withTaken(TakenNames now) {
    return new WatchMemory(view, polledGeneration, interval, failures, requestsSeen, rejected, nextPollNanos, now, stalls, requestHonoured, onlyWaited);
  }

  WatchMemory withOnlyWaited(boolean waited) {
    return new WatchMemory(view, polledGeneration, interval, failures, requestsSeen, rejected, nextPollNanos, taken, stalls, requestHonoured, waited);
  }

  WatchMemory withStalls(int count) {
    return new WatchMemory(view, polledGeneration, interval, failures, requestsSeen, rejected, nextPollNanos, taken, count, requestHonoured, onlyWaited);
  }

  WatchMemory withRequestHonoured(Instant at) {
    return new WatchMemory(view, polledGeneration, interval, failures, requestsSeen, rejected, nextPollNanos, taken, stalls, at, onlyWaited);
  }

  /** With more refused children; past {@link #MAX_REJECTED} the older ones are forgotten. */
  WatchMemory withRejected(Map<String, EcsExecution> more) {
    if (more.isEmpty()) {
      return this;
    }
    Map<String, EcsExecution> all = rejected.size() + more.size() > MAX_REJECTED ? new HashMap<>() : new HashMap<>(rejected);
    all.putAll(more);
    return new WatchMemory(view, polledGeneration, interval, failures, requestsSeen, Map.copyOf(all), nextPollNanos, taken, stalls, requestHonoured, onlyWaited);
  }
}
