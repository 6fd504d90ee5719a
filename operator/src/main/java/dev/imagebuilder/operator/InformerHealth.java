package dev.imagebuilder.operator;

import io.javaoperatorsdk.operator.RuntimeInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The liveness of the operator, from JOSDK's runtime health: unhealthy once an informer has been
 * stopped or unable to watch for longer than {@link #GRACE}, so Kubernetes restarts an operator
 * that cannot recover by itself, but not one that rides out a short API server outage. A replica
 * that waits for the leader Lease has no informers yet, and is healthy.
 *
 * <p>Until {@link #started} the probes answer from this class alone: JOSDK's {@code
 * Operator.getRuntimeInfo()} takes the lock its controller manager holds while the informers fill
 * their caches, so a probe that asked it would hang for the whole first listing of the children
 * (minutes for tens of thousands on a throttled CPU) and the startup probe would restart the pod.
 */
final class InformerHealth {

  static final Duration GRACE = Duration.ofMinutes(3);

  private final AtomicBoolean leading;
  private final boolean alwaysLeading;
  private volatile RuntimeInfo runtime;
  private volatile Instant unhealthySince;

  InformerHealth(AtomicBoolean leading, boolean alwaysLeading) {
    this.leading = leading;
    this.alwaysLeading = alwaysLeading;
  }

  /** The operator has started: its informers have synced once, and it is ready. */
  void started(RuntimeInfo runtime) {
    this.runtime = runtime;
  }

  /** Ready once started; a replica waiting for the leader Lease is ready too. */
  boolean ready() {
    return runtime != null;
  }

  boolean healthy(Instant now) {
    var started = runtime;
    if (started == null || (!alwaysLeading && !leading.get())) {
      return true;
    }
    return healthy(started.allEventSourcesAreHealthy(), now);
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
