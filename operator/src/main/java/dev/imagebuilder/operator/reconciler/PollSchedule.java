package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.ecs.EcsException;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/** When to ask ECS again. Jitter keeps watches created together from polling together. */
final class PollSchedule {

  static final double JITTER = 0.10;

  private final OperatorConfig.Retry retry;
  private final RandomGenerator random;

  PollSchedule(OperatorConfig.Retry retry, RandomGenerator random) {
    this.retry = retry;
    this.random = random;
  }

  /** After a successful poll, or an error retrying cannot fix: the interval ±10%. */
  Duration afterSuccess(Duration interval) {
    return jittered(interval);
  }

  /** A stalled watch backs off to at most this many of its intervals … */
  static final int MAX_STALL_INTERVALS = 8;
  /** … and to at most this, unless its interval alone is longer. */
  static final Duration MAX_STALL_WAIT = Duration.ofMinutes(10);

  /**
   * After a poll that ended Stalled, the {@code stalls}-th in a row (an unknown pipeline, denied
   * credentials: nothing a retry soon can fix, and each look still spends the shared ECS budget):
   *
   * <ul>
   *   <li>the first: the interval;
   *   <li>each next one: twice the wait before, up to 8 intervals or 10 minutes, whichever is
   *       shorter, but never less than the interval (a 1h watch is looked at hourly); so a 10s
   *       watch waits 10s, 20s, 40s, 80s, 80s …, a 2m watch 2m, 4m, 8m, 10m …;
   *   <li>all ±10%. A poll that is not Stalled resets the count.
   * </ul>
   */
  Duration afterStall(Duration interval, int stalls) {
    return jittered(stallWait(interval, stalls));
  }

  static Duration stallWait(Duration interval, int stalls) {
    int doublings = Math.min(Math.max(stalls, 1) - 1, 16);
    Duration wait = interval.multipliedBy(1L << doublings);
    Duration intervals = interval.multipliedBy(MAX_STALL_INTERVALS);
    Duration cap = intervals.compareTo(MAX_STALL_WAIT) < 0 ? intervals : MAX_STALL_WAIT;
    if (cap.compareTo(interval) < 0) {
      cap = interval;
    }
    return wait.compareTo(cap) > 0 ? cap : wait;
  }

  /**
   * After a transient failure, the {@code failures}-th in a row:
   *
   * <ul>
   *   <li>throttling: ECS counts requests in minute windows, so wait for the next minute boundary
   *       plus up to the throttle spread (10s by default), so throttled watches do not return at
   *       once;
   *   <li>anything else: 5s, 10s, 20s … doubling up to 5 minutes (by default), ±10%, and never
   *       longer than the watch's interval: a failure never makes a watch poll less often than
   *       it asked, so it is back within one interval of the fault ending.
   * </ul>
   */
  Duration afterFailure(EcsException.Kind kind, int failures, Instant now, Duration interval) {
    if (kind == EcsException.Kind.THROTTLED) {
      long millisIntoMinute = now.toEpochMilli() % 60_000;
      return Duration.ofMillis(60_000 - millisIntoMinute)
          .plusMillis((long) (random.nextDouble() * retry.throttleSpread().toMillis()));
    }
    int doublings = Math.min(Math.max(failures, 1) - 1, 16);
    Duration backoff = retry.first().multipliedBy(1L << doublings);
    Duration cap = retry.max().compareTo(interval) < 0 ? retry.max() : interval;
    return jittered(backoff.compareTo(cap) > 0 ? cap : backoff);
  }

  private Duration jittered(Duration base) {
    double factor = 1 + (random.nextDouble() * 2 - 1) * JITTER;
    return Duration.ofMillis(Math.round(base.toMillis() * factor));
  }
}
