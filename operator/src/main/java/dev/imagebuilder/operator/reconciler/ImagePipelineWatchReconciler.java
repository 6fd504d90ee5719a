package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.PipelineRef;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one ImagePipelineExecution per ECS execution of the watched pipeline. Each pass: list the
 * pipeline in ECS, compute the children and the watch status, write only the children that differ
 * from the informer cache, patch the status only when it changed, and come back after the interval.
 */
@ControllerConfiguration(
    name = ImagePipelineWatchReconciler.NAME,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = ImagePipelineWatchReconciler.SpecOrRequestChanged.class))
public class ImagePipelineWatchReconciler implements Reconciler<ImagePipelineWatch> {

  public static final String NAME = "imagepipelinewatch";
  private static final Logger LOG = LoggerFactory.getLogger(ImagePipelineWatchReconciler.class);
  /** Ready survives transient failures for at least this long (or three intervals). */
  static final Duration MIN_STALE_AFTER = Duration.ofMinutes(5);

  private final EcsAccounts accounts;
  private final boolean watchCredentials;
  private final SharedListings listings;
  private final ChildWriter writer;
  private final Duration defaultInterval;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final PollSchedule schedule;
  /** Consecutive transient failures per watch, for the backoff; forgotten on success. */
  private final Map<ResourceID, Integer> failures = new ConcurrentHashMap<>();

  private InformerEventSource<ImagePipelineExecution, ImagePipelineWatch> children;

  public ImagePipelineWatchReconciler(
      EcsAccounts accounts,
      ExecutorService writers,
      OperatorConfig config,
      OperatorMetrics metrics,
      Clock clock,
      RandomGenerator random) {
    this.accounts = accounts;
    this.watchCredentials = config.watchCredentials();
    this.listings = new SharedListings(clock);
    this.writer = new ChildWriter(writers, metrics);
    this.defaultInterval = config.defaultInterval();
    this.metrics = metrics;
    this.clock = clock;
    this.schedule = new PollSchedule(config.retry(), random);
  }

  @Override
  public List<EventSource<?, ImagePipelineWatch>> prepareEventSources(
      EventSourceContext<ImagePipelineWatch> context) {
    // Children are read from this cache, never listed from the API server. Their own changes do
    // not start a poll: ECS is the source of truth, and a deleted or edited child is put back by
    // the next poll anyway.
    var config =
        InformerEventSourceConfiguration.from(ImagePipelineExecution.class, ImagePipelineWatch.class)
            .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ImagePipelineWatch.class))
            .withOnAddFilter(child -> false)
            .withOnUpdateFilter((newChild, oldChild) -> false)
            .withOnDeleteFilter((child, unknownState) -> false)
            .withItemStore(new CompactChildStore())
            .build();
    children = new InformerEventSource<>(config, context);
    return List.of(children);
  }

  @Override
  public UpdateControl<ImagePipelineWatch> reconcile(
      ImagePipelineWatch watch, Context<ImagePipelineWatch> context) {
    Instant now = clock.instant();
    var id = ResourceID.fromResource(watch);
    if (watch.getSpec() != null && watch.getSpec().isSuspend()) {
      return finish(watch, WatchStatuses.suspended(watch), context, now, null);
    }
    List<String> problems = SpecProblems.of(watch.getSpec());
    if (!problems.isEmpty()) {
      // Only a change of spec can help, and that change starts a new pass by itself.
      return finish(watch, WatchStatuses.stalled(watch, "InvalidSpec", String.join("; ", problems), now), context, now, null);
    }
    Duration interval =
        watch.getSpec().getInterval() == null ? defaultInterval : Durations.parse("interval", watch.getSpec().getInterval());
    EcsAccounts.Account account;
    try {
      account = WatchCredentials.account(watch, context.getClient(), accounts, watchCredentials);
    } catch (WatchCredentials.Unusable e) {
      // Fixing the Secret starts no event, so look again at the normal interval.
      return finish(watch, WatchStatuses.stalled(watch, e.reason(), e.getMessage(), now), context, now, schedule.afterSuccess(interval));
    }
    try {
      long started = System.nanoTime();
      Sync sync = sync(watch, account, context, now, interval, sharedFor(watch, context, interval));
      metrics.syncDuration(Duration.ofNanos(System.nanoTime() - started));
      LOG.info(
          "Synced {}: {} executions listed, {} children written, {} failed writes, {} ms",
          id,
          sync.listed.size(),
          sync.writes.written(),
          sync.writes.failures().size(),
          (System.nanoTime() - started) / 1_000_000);
      if (!sync.writes.failures().isEmpty()) {
        int n = failures.merge(id, 1, Integer::sum);
        String message =
            sync.writes.failures().size() + " children could not be written, first " + sync.writes.failures().get(0);
        return finish(
            watch,
            WatchStatuses.retrying(watch, "RetryingAfterWriteError", message, staleAfter(interval), now),
            context,
            now,
            schedule.afterFailure(EcsException.Kind.UNAVAILABLE, n, now));
      }
      failures.remove(id);
      WatchEvents.executionChanges(context.getClient(), watch, sync.before, sync.after, now);
      return finish(
          watch,
          WatchStatuses.synced(watch, sync.byStatus, sync.full, sync.known.values(), now),
          context,
          now,
          schedule.afterSuccess(interval));
    } catch (EcsException e) {
      LOG.warn("Listing {} in ECS failed: {} ({})", id, e.getMessage(), e.kind());
      if (e.kind().isTransient()) {
        int n = failures.merge(id, 1, Integer::sum);
        return finish(
            watch,
            WatchStatuses.retrying(watch, reason(e.kind()), e.getMessage(), staleAfter(interval), now),
            context,
            now,
            schedule.afterFailure(e.kind(), n, now));
      }
      failures.remove(id);
      return finish(watch, WatchStatuses.stalled(watch, reason(e.kind()), e.getMessage(), now), context, now, schedule.afterSuccess(interval));
    }
  }

  private record Sync(
      boolean full,
      List<EcsExecution> listed,
      Map<String, Integer> byStatus,
      Map<String, ImagePipelineExecution> before,
      Map<String, ImagePipelineExecution> known,
      Map<String, ImagePipelineExecution> after,
      ChildWriter.Result writes) {}

  /**
   * How old a listing made for another watch of the same pipeline may be to serve this one: half
   * the interval, so each watch still sees ECS once per interval; none when this watch is alone
   * or a person asked for a poll now.
   */
  private static Duration sharedFor(ImagePipelineWatch watch, Context<ImagePipelineWatch> context, Duration interval) {
    if (Listing.requested(watch)) {
      return Duration.ZERO;
    }
    var spec = watch.getSpec();
    long same =
        context.getPrimaryCache().list()
            .filter(w -> w.getSpec() != null
                && Objects.equals(w.getSpec().getRegionId(), spec.getRegionId())
                && Objects.equals(w.getSpec().getImagePipelineId(), spec.getImagePipelineId()))
            .limit(2)
            .count();
    return same > 1 ? interval.dividedBy(2) : Duration.ZERO;
  }

  private Sync sync(
      ImagePipelineWatch watch,
      EcsAccounts.Account account,
      Context<ImagePipelineWatch> context,
      Instant now,
      Duration interval,
      Duration shareFor)
      throws EcsException {
    var spec = watch.getSpec();
    var pipeline = new PipelineRef(spec.getRegionId(), spec.getImagePipelineId());
    Set<String> userFilter =
        spec.getStatusFilter() == null
            ? Set.of()
            : spec.getStatusFilter().stream().map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
    var plan = Listing.plan(watch, userFilter, interval, now);
    // What this poll's listing covers: the watch's filter, or between full listings only the
    // executions in progress. A child outside it is looked up by ID only if it was running.
    Set<String> filter = plan.full() && userFilter.isEmpty() ? Set.of() : plan.statuses();
    int pageSize = spec.getPageSize() == null ? 500 : spec.getPageSize();
    var key = new SharedListings.Key(account.identity(), spec.getRegionId(), spec.getImagePipelineId(), filter);
    Map<String, ImagePipelineExecution> existing = new HashMap<>();
    context.getSecondaryResources(ImagePipelineExecution.class).forEach(c -> existing.put(c.getMetadata().getName(), c));

    // Each listed page's children are written while ECS is asked for the next one, which the
    // request budget may hold back for a while. Under history limits nothing is written before
    // the whole listing is known, since which executions are kept depends on all of them.
    var asListed = writer.batch(context.getClient(), watch, children);
    Map<String, ImagePipelineExecution> writtenAsListed = new HashMap<>();
    Consumer<List<EcsExecution>> eachPage =
        spec.getHistory() != null
            ? page -> {}
            : page -> page.forEach(execution -> {
                var desired = desired(watch, execution, existing, now);
                String name = desired.getMetadata().getName();
                if (!ExecutionChildren.upToDate(existing.get(name), desired)
                    && !ExecutionChildren.upToDate(writtenAsListed.get(name), desired)) {
                  writtenAsListed.put(name, desired);
                  asListed.add(new ChildWriter.Write(existing.get(name), desired));
                }
              });
    List<EcsExecution> listed;
    ChildWriter.Result writtenEarly;
    try {
      if (!plan.asksEcs()) {
        listed = List.of();
      } else if (shareFor.isZero()) {
        listed = account.api().listExecutions(pipeline, filter, pageSize, eachPage);
      } else {
        listed = listings.list(key, shareFor, () -> account.api().listExecutions(pipeline, filter, pageSize, eachPage));
      }
    } finally {
      // Nothing of this pass goes on writing after it ends, even when the listing failed.
      writtenEarly = asListed.await();
    }

    // Every execution this watch knows of, as its child should look: listed ones from ECS, the
    // rest from the cache (refreshed, or marked Retained when ECS no longer lists them).
    Map<String, ImagePipelineExecution> known = new LinkedHashMap<>(existing);
    for (EcsExecution execution : listed) {
      known.put(ExecutionChildren.name(execution.executionId()), desired(watch, execution, existing, now));
    }
    for (ImagePipelineExecution child : existing.values()) {
      if (known.get(child.getMetadata().getName()) != child) {
        continue; // listed
      }
      String phase = child.getStatus() == null ? null : child.getStatus().getPhase();
      boolean terminal = EcsStatus.parse(phase).map(EcsStatus::isTerminal).orElse(false);
      if (!terminal && (!plan.full() || !filter.isEmpty())) {
        // Running, and the listing did not cover it: it left the filter or the active set
        // (BUILDING -> SUCCESS), so only a lookup by ID can say how it went on.
        var found = account.api().findExecution(pipeline, child.getSpec().getExecutionId());
        if (found.isPresent()) {
          known.put(child.getMetadata().getName(), desired(watch, found.get(), existing, now));
          continue;
        }
      } else if (!plan.full() || (!filter.isEmpty() && !filter.contains(phase))) {
        continue; // the listing did not cover it, so its absence says nothing
      }
      if (!ExecutionChildren.isRetained(child)) {
        known.put(child.getMetadata().getName(), ExecutionChildren.retained(child, now));
      }
    }

    Set<String> keptNames =
        spec.getHistory() == null
            ? known.keySet()
            : History.keep(candidates(known.values()), spec.getHistory(), created(watch), now);
    var rest = writer.batch(context.getClient(), watch, children);
    known.forEach(
        (name, desired) -> {
          var current = existing.get(name);
          if (!keptNames.contains(name)) {
            if (current != null) {
              rest.add(ChildWriter.Write.delete(current));
            }
          } else if (!ExecutionChildren.upToDate(current, desired)
              && !ExecutionChildren.upToDate(writtenAsListed.get(name), desired)) {
            rest.add(new ChildWriter.Write(current, desired));
          }
        });
    var written = writtenEarly.plus(rest.await());
    Map<String, Integer> byStatus =
        plan.full() ? countByStatus(listed) : Counts.adjusted(previousCounts(watch), existing, known, userFilter);
    Map<String, ImagePipelineExecution> kept = new HashMap<>(known);
    kept.keySet().retainAll(keptNames);
    return new Sync(plan.full(), listed, byStatus, existing, known, kept, written);
  }

  private static Map<String, Integer> countByStatus(List<EcsExecution> listed) {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    listed.forEach(e -> counts.merge(e.status(), 1, Integer::sum));
    return counts;
  }

  private static Map<String, Integer> previousCounts(ImagePipelineWatch watch) {
    return watch.getStatus() == null || watch.getStatus().getExecutionsByStatus() == null
        ? Map.of()
        : watch.getStatus().getExecutionsByStatus();
  }

  private static ImagePipelineExecution desired(
      ImagePipelineWatch watch, EcsExecution execution, Map<String, ImagePipelineExecution> existing, Instant now) {
    return ExecutionChildren.desired(watch, execution, existing.get(ExecutionChildren.name(execution.executionId())), now);
  }

  private static List<History.Candidate> candidates(Collection<ImagePipelineExecution> children) {
    return children.stream()
        .map(c -> new History.Candidate(
            c.getMetadata().getName(),
            c.getStatus() == null ? null : c.getStatus().getPhase(),
            instant(c.getStatus() == null ? null : c.getStatus().getCreationTime()),
            instant(c.getStatus() == null ? null : c.getStatus().getModifiedTime())))
        .toList();
  }

  private static Instant created(ImagePipelineWatch watch) {
    return instant(watch.getMetadata().getCreationTimestamp());
  }

  private static Instant instant(String rfc3339) {
    try {
      return rfc3339 == null ? null : Instant.parse(rfc3339);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private UpdateControl<ImagePipelineWatch> finish(
      ImagePipelineWatch watch, ImagePipelineWatchStatus status, Context<ImagePipelineWatch> context, Instant now, Duration next) {
    var before = watch.getStatus() == null ? List.<io.fabric8.kubernetes.api.model.Condition>of() : watch.getStatus().getConditions();
    UpdateControl<ImagePipelineWatch> control;
    if (Objects.equals(watch.getStatus(), status)) {
      control = UpdateControl.noUpdate();
    } else {
      WatchEvents.conditionTransitions(context.getClient(), watch, before, status.getConditions(), now);
      watch.setStatus(status);
      metrics.kubernetesWrite("ImagePipelineWatch", "patch");
      control = UpdateControl.patchStatus(watch);
    }
    metrics.watchState(
        watch.getMetadata().getNamespace(),
        watch.getMetadata().getName(),
        Conditions.isTrue(status.getConditions(), WatchStatuses.READY),
        status.getLastSyncTime() == null ? null : Instant.parse(status.getLastSyncTime()),
        status.getExecutionsByStatus());
    return next == null ? control : control.rescheduleAfter(next);
  }

  static Duration staleAfter(Duration interval) {
    Duration three = interval.multipliedBy(3);
    return three.compareTo(MIN_STALE_AFTER) > 0 ? three : MIN_STALE_AFTER;
  }

  /** The condition reason for each kind of ECS failure. */
  static String reason(EcsException.Kind kind) {
    return switch (kind) {
      case THROTTLED -> "RetryingAfterThrottle";
      case UNAVAILABLE -> "RetryingAfterError";
      case PIPELINE_NOT_FOUND -> "PipelineNotFound";
      case ACCESS_DENIED -> "AccessDenied";
      case INVALID_REQUEST -> "InvalidRequest";
    };
  }

  /**
   * Generation-aware filtering would drop annotation-only changes, so updates are let through when
   * the spec changed (generation), a poll was requested by annotation, or deletion started; the
   * operator's own status patches pass none of these and start no pass.
   */
  public static class SpecOrRequestChanged implements OnUpdateFilter<ImagePipelineWatch> {
    @Override
    public boolean accept(ImagePipelineWatch newWatch, ImagePipelineWatch oldWatch) {
      return !Objects.equals(newWatch.getMetadata().getGeneration(), oldWatch.getMetadata().getGeneration())
          || !Objects.equals(newWatch.reconcileRequestedAt(), oldWatch.reconcileRequestedAt())
          || newWatch.isMarkedForDeletion() != oldWatch.isMarkedForDeletion();
    }
  }
}
