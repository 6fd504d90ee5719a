package dev.imagebuilder.operator;

import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The liveness of the operator, from JOSDK's runtime health: unhealthy once an informer has been
 * stopped or unable to watch for longer than {@link #GRACE}, so Kubernetes restarts an operator
 * that cannot recover by itself, but not one that rides out a short API server outage. A replica
 * that waits for the leader Lease has no informers yet, and is healthy.
 */
final class InformerHealth {

  static final Duration GRACE = Duration.ofMinutes(3);

  private final Operator operator;
  private final AtomicBoolean leading;
  private final boolean alwaysLeading;
  private volatile Instant unhealthySince;

  InformerHealth(Operator operator, AtomicBoolean leading, boolean alwaysLeading) {
    this.operator = operator;
    this.leading = leading;
    this.alwaysLeading = alwaysLeading;
  }

  boolean healthy(Instant now) {
    var runtime = operator.getRuntimeInfo();
    if (!runtime.isStarted() || (!alwaysLeading && !leading.get())) {
      return true;
    }
    return healthy(runtime.allEventSourcesAreHealthy(), now);
  }

  /** Healthy unless the event sources have been unhealthy, without a break, for the grace period. */
  synchronized boolean healthy(boolean eventSourcesHealthy, Instant now) {
    if (eventSourcesHealthy) {
      unhealthySince = null;
      return true;
    }
    if (unhealthySince == null) {
      unhealthySince = now;
    }
    return now.isBefore(unhealthySince.plus(GRACE));
  }
}
