package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What the operator remembers of one watch between its polls, in memory only: what ECS said, when
 * to poll next, how many polls failed in a row, and the children the API server refused for good.
 * Used by the watch's own reconcile only, which JOSDK never runs twice at once.
 */
final class WatchMemory {

  /** More refused children than this and the list starts over: it must not grow without bound. */
  static final int MAX_REJECTED = 10_000;

  final String uid;
  EcsView view;
  /** When the next poll is due, in {@link System#nanoTime()}: the time base of JOSDK's timers. */
  Long nextPollNanos;
  Long polledGeneration;
  Duration interval;
  int failures;
  /** The poll request annotations as of the last status written; null until then. */
  PollRequest requestsSeen;
  final Map<String, EcsExecution> rejected = new HashMap<>();

  WatchMemory(String uid, Duration interval) {
    this.uid = uid;
    this.interval = interval;
  }

  void rejected(Map<String, EcsExecution> more) {
    if (rejected.size() + more.size() > MAX_REJECTED) {
      rejected.clear();
    }
    rejected.putAll(more);
  }
}
