package dev.imagebuilder.operator.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the operator reports to Prometheus. Labels stay low in cardinality: ECS action, region and
 * result code; the kind and verb of a Kubernetes write; a watch's namespace and name (one series
 * per watch, as kube-state-metrics does per object); an ECS status (twelve values).
 */
public class OperatorMetrics {

  private final MeterRegistry registry;
  private final Timer syncDuration;
  private final Map<String, WatchGauges> watches = new ConcurrentHashMap<>();
  /** Executions per status, per watch, summed into one gauge per status. */
  private final Map<String, Map<String, Integer>> executionsByWatch = new ConcurrentHashMap<>();
  private final Map<String, Boolean> statusGauges = new ConcurrentHashMap<>();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.syncDuration =
        Timer.builder("imagebuilder_sync_duration")
            .description("Time to list a pipeline in ECS and write its children")
            .publishPercentileHistogram()
            .register(registry);
    // Served at zero from the start, so that alerts and dashboards find them before the first error.
    List.of("Rejected", "NameTaken", "Conflict", "Unavailable").forEach(reason -> childWriteErrors(reason));
    executionsSkipped("InvalidExecutionId");
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Regions named in series so far; region IDs come from watches, so their number is capped. */
  private final Set<String> regions = ConcurrentHashMap.newKeySet();

  static final int MAX_REGIONS = 64;
  /** ECS has 12 statuses; room for those it may add, but not for whatever a broken answer holds. */
  static final int MAX_STATUSES = 32;
  static final int MAX_RESULTS = 64;

  /** Result codes named in series so far; codes come from ECS, so their number is capped. */
  private final Set<String> results = ConcurrentHashMap.newKeySet();

  /** One ECS request, with result "OK", an ECS error code or the failure's type. */
  public void ecsRequest(String action, String regionId, String result) {
    Counter.builder("imagebuilder_ecs_requests")
        .description("ECS API requests by action, region and result code")
        .tags("action", action, "region", bounded(regions, regionId, MAX_REGIONS), "result", bounded(results, result, MAX_RESULTS))
        .register(registry)
        .increment();
  }

  public void ecsThrottled(String action, String regionId) {
    Counter.builder("imagebuilder_ecs_throttled_requests")
        .description("ECS API requests refused for their rate")
        .tags("action", action, "region", bounded(regions, regionId, MAX_REGIONS))
        .register(registry)
        .increment();
  }

  /** Namespaces named in series of the request budget; they come from watches, so capped. */
  private final Set<String> namespaces = ConcurrentHashMap.newKeySet();

  static final int MAX_NAMESPACES = 256;

  /** A poll of a watch in {@code namespace} that got no ECS request within the budget's maximum wait. */
  public void budgetWaitTimeout(String namespace) {
    Counter.builder("imagebuilder_budget_wait_timeouts")
        .description("Polls that gave up waiting for the shared ECS request budget, by the watch's namespace")
        .tags("namespace", bounded(namespaces, namespace, MAX_NAMESPACES))
        .register(registry)
        .increment();
  }

  public void kubernetesWrite(String kind, String verb) {
    Counter.builder("imagebuilder_kubernetes_writes")
        .description("Writes to the Kubernetes API by kind and verb")
        .tags("kind", kind, "verb", verb)
        .register(registry)
        .increment();
  }

  /** An execution ECS listed that gets no child, such as one whose ID is no valid object name. */
  public void executionSkipped(String reason) {
    executionsSkipped(reason).increment();
  }

  private Counter executionsSkipped(String reason) {
    return Counter.builder("imagebuilder_executions_skipped")
        .description("Executions listed by ECS that were not mirrored, by reason")
        .tags("reason", reason)
        .register(registry);
  }

  /** A child write that failed: rejected for good (Invalid, RequestEntityTooLarge), taken, or transient. */
  public void childWriteError(String reason) {
    childWriteErrors(reason).increment();
  }

  private Counter childWriteErrors(String reason) {
    return Counter.builder("imagebuilder_child_write_errors")
        .description("Writes of ImagePipelineExecutions that failed, by reason")
        .tags("reason", reason)
        .register(registry);
  }

  /** The value itself while fewer than {@code max} values were seen, else "other". */
  private static String bounded(Set<String> seen, String value, int max) {
    String v = value == null ? "none" : value;
    if (seen.contains(v)) {
      return v;
    }
    if (seen.size() < max) {
      seen.add(v);
      return v;
    }
    return "other";
  }

  public void syncDuration(Duration duration) {
    syncDuration.record(duration);
  }

  /** The watch's Ready status and, after a complete sync, its time and executions by status. */
  public void watchState(String namespace, String name, boolean ready, Instant lastSync, Map<String, Integer> byStatus) {
    String key = namespace + "/" + name;
    var gauges = watches.computeIfAbsent(key, k -> new WatchGauges(registry, Tags.of("namespace", namespace, "watch", name)));
    gauges.ready.set(ready ? 1 : 0);
    if (lastSync != null) {
      gauges.lastSync.set(lastSync.getEpochSecond());
    }
    if (byStatus != null) {
      executionsByWatch.put(key, Map.copyOf(byStatus));
      byStatus.keySet().stream().filter(s -> statusGauges.size() < MAX_STATUSES || statusGauges.containsKey(s)).forEach(this::statusGauge);
    }
  }

  /** The watch's poll interval, so that alerts can tell a late sync from a slow interval. */
  public void watchInterval(String namespace, String name, Duration interval) {
    String key = namespace + "/" + name;
    watches.computeIfAbsent(key, k -> new WatchGauges(registry, Tags.of("namespace", namespace, "watch", name)))
        .interval.set(interval.toSeconds());
  }

  /** Drops a deleted watch's own series and its executions from the per-status totals. */
  public void forgetWatch(String namespace, String name) {
    String key = namespace + "/" + name;
    executionsByWatch.remove(key);
    var gauges = watches.remove(key);
    if (gauges != null) {
      gauges.meters.forEach(registry::remove);
    }
  }

  private void statusGauge(String status) {
    statusGauges.computeIfAbsent(
        status,
        s -> {
          Gauge.builder("imagebuilder_executions", () -> executionsByWatch.values().stream().mapToInt(m -> m.getOrDefault(s, 0)).sum())
          .description("Executions ECS listed at the last sync of every watch, by ECS status")
              .tag("status", s)
          .register(registry);
          return true;
        });
  }

  private static final class WatchGauges {
    final AtomicLong ready = new AtomicLong();
    final AtomicLong lastSync = new AtomicLong();
    final AtomicLong interval = new AtomicLong();
    final List<Meter> meters;

    WatchGauges(MeterRegistry registry, Tags tags) {
      meters =
          List.of(
              Gauge.builder("imagebuilder_watch_ready", ready, AtomicLong::get)
                  .description("1 when the watch's Ready condition is True")
                  .tags(tags)
                  .register(registry),
              Gauge.builder("imagebuilder_watch_last_successful_sync", lastSync, AtomicLong::get)
                  .description("Unix time of the watch's last complete sync")
                  .baseUnit("seconds")
                  .tags(tags)
                  .register(registry),
              Gauge.builder("imagebuilder_watch_interval", interval, AtomicLong::get)
                  .description("The watch's poll interval; a sync older than two of them is late")
                  .baseUnit("seconds")
                  .tags(tags)
                  .register(registry));
    }
  }
}
