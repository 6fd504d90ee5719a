package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one ImagePipelineExecution per ECS execution of the watched pipeline. Each poll observes
 * (ECS pages, the informer cache of children), plans (a pure {@link PollPlan}: the children to
 * write, what ECS now says, the events) and applies (the writes, the events, the status), then
 * comes back after the interval. Nothing that goes wrong leaves a poll without a condition on the
 * watch and a time to come back.
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
  private static final Duration EARLY = Duration.ofMillis(100);
  /** How often the memory of deleted watches is dropped. */
  private static final Duration FORGET_EVERY = Duration.ofMinutes(1);

  private final EcsAccounts accounts;
  private final boolean watchCredentials;
  private final SharedListings listings;
  private final ChildWriter writer;
  private final Duration defaultInterval;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final PollSchedule schedule;
  /** Per watch, by UID: a watch deleted and created again under its name starts afresh. */
  private final Map<String, WatchMemory> memories = new ConcurrentHashMap<>();
  private volatile Instant forgotten = Instant.EPOCH;

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
    // Children are read from this cache, never listed from the API server. Only the operator's
    // children are cached (they carry the watch label), not every execution in the namespaces.
    // Their own changes do not start a poll: ECS is the source of truth, and a deleted or edited
    // child is put back by the next poll anyway.
    var config =
        InformerEventSourceConfiguration.from(ImagePipelineExecution.class, ImagePipelineWatch.class)
            .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ImagePipelineWatch.class))
            .withLabelSelector(ImagePipelineExecution.WATCH_LABEL)
            .withOnAddFilter(child -> false)
            .withOnUpdateFilter((newChild, oldChild) -> false)
            .withOnDeleteFilter((child, unknownState) -> false)
            .withItemStore(new CompactChildStore())
            .build();
    children = new InformerEventSource<>(config, context);
    return List.of(children);
  }

  @Override
  public UpdateControl<ImagePipelineWatch> reconcile(ImagePipelineWatch watch, Context<ImagePipelineWatch> context) {
    Instant now = clock.instant();
    forgetDeletedWatches(context, now);
    var memory = memories.computeIfAbsent(watch.getMetadata().getUid(), uid -> new WatchMemory(uid, defaultInterval));
    var original = watch.getStatus();
    String request = PollRequest.of(watch).pending(memory.requestsSeen, original == null ? null : original.getLastHandledReconcileAt());
    try {
      long nanos = System.nanoTime();
      if (!due(watch, memory, request, nanos)) {
        // Woken early (the maximum reconciliation interval, say): keep to the schedule.
        return UpdateControl.<ImagePipelineWatch>noUpdate().rescheduleAfter(Duration.ofNanos(memory.nextPollNanos - nanos));
      }
      if (!Objects.equals(memory.polledGeneration, watch.getMetadata().getGeneration())) {
        // A new spec may name another pipeline or filter: what ECS said of the old one is no guide.
        memory.view = null;
        memory.rejected.clear();
        memory.polledGeneration = watch.getMetadata().getGeneration();
      }
      return poll(watch, context, memory, request, now);
    } catch (RuntimeException | LinkageError | AssertionError e) {
      // A bug, a class missing from the classpath, or an answer nobody foresaw: the watch says so
      // and comes back by itself. (Errors of the JVM itself, such as running out of memory, are
      // not caught: the pod's restart is the cure for those.)
      LOG.error("Polling {} failed", ResourceID.fromResource(watch), e);
      return retry(watch, request, context, memory, now, EcsException.Kind.UNAVAILABLE, "InternalError",
          "the poll failed with " + e.getClass().getSimpleName() + "; the operator log has the details");
    }
  }

  /** Whether this wake-up is a poll: at the scheduled time, or early for a new spec or a request. */
  private static boolean due(ImagePipelineWatch watch, WatchMemory memory, String request, long nanos) {
    // A timer may fire a little early; within a tenth of a second is on time.
    return memory.nextPollNanos == null
        || nanos - memory.nextPollNanos >= -EARLY.toNanos()
        || request != null
        || !Objects.equals(memory.polledGeneration, watch.getMetadata().getGeneration());
  }

  private UpdateControl<ImagePipelineWatch> poll(
      ImagePipelineWatch watch, Context<ImagePipelineWatch> context, WatchMemory memory, String request, Instant now) {
    WatchSettings settings;
    try {
      settings = WatchSettings.of(watch.getSpec(), defaultInterval);
    } catch (WatchSettings.Invalid e) {
      return stalled(watch, request, context, memory, now, "InvalidSpec", e.getMessage());
    }
    memory.interval = settings.interval();
    if (settings.suspend()) {
      return finish(watch, WatchStatuses.suspended(watch, request), context, memory, now, schedule.afterSuccess(settings.interval()));
    }
    var first = Duplicates.mirroredBy(watch, context.getPrimaryCache().list());
    if (first.isPresent()) {
      return stalled(watch, request, context, memory, now, "DuplicatePipeline",
          "watch " + first.get() + " in this namespace already mirrors pipeline " + settings.pipeline().imagePipelineId()
              + " of " + settings.pipeline().regionId() + "; delete one of the two");
    }
    EcsAccounts.Account account;
    try {
      account = settings.credentials() == null
          ? accounts.operator()
          : WatchCredentials.account(watch, settings.credentials(), context.getClient(), accounts, watchCredentials);
    } catch (WatchCredentials.Unusable e) {
      return stalled(watch, request, context, memory, now, e.reason(), e.getMessage());
    }
    if (WatchStatuses.unobserved(watch)) {
      // A new watch or spec: say so before a sync that may take minutes.
      writeStatus(context, watch, WatchStatuses.progressing(watch, settings, now), now);
    }

    // Observe: ECS, page by page, with each page's children written while the next is asked for.
    long started = System.nanoTime();
    var owner = ExecutionChildren.Owner.of(watch, settings);
    Map<String, ImagePipelineExecution> cached = new HashMap<>();
    context.getSecondaryResources(ImagePipelineExecution.class).forEach(c -> cached.put(c.getMetadata().getName(), c));
    var listing =
        Listing.plan(watch, settings, memory.view == null ? null : memory.view.lastFull(), request != null, memory.failures > 0, now);
    var early = writer.batch(context.getClient(), watch, owner, children);
    // Each listed execution is compared with its child once, here or in the plan.
    Map<String, EcsExecution> comparedEarly = new HashMap<>();
    // Under history limits nothing is written before the whole listing is known, since which
    // executions are kept depends on all of them.
    Consumer<List<EcsExecution>> eachPage =
        settings.history() != null
            ? page -> {}
            : page -> page.forEach(e -> {
                String name = ExecutionChildren.name(e.executionId());
                if (name != null) {
                  comparedEarly.put(name, e);
                  PollPlan.write(owner, name, e, cached.get(name), memory.rejected, now).ifPresent(early::add);
                }
              });
    PollPlan.Observation seen = null;
    EcsException failure = null;
    ChildWriter.Result writes;
    try {
      seen = observe(watch, context, settings, account, listing, memory, request != null, eachPage);
    } catch (EcsException e) {
      failure = e;
    } finally {
      // Nothing of this poll goes on writing after it ends, even when the listing failed; the
      // children of the pages already listed stay.
      writes = early.await();
    }
    memory.rejected(writes.rejected());
    if (failure != null) {
      LOG.warn("Listing {} in ECS failed: {} ({})", ResourceID.fromResource(watch), failure.getMessage(), failure.kind());
      return failure.kind().isTransient()
          ? retry(watch, request, context, memory, now, failure.kind(), reason(failure.kind()), failure.getMessage())
          : stalled(watch, request, context, memory, now, reason(failure.kind()), failure.getMessage());
    }

    // Plan, then apply.
    var plan = PollPlan.of(owner, settings, memory.view, seen, cached, comparedEarly, memory.rejected, created(watch), now);
    var rest = writer.batch(context.getClient(), watch, owner, children);
    plan.writes().forEach(rest::add);
    var late = rest.await();
    writes = writes.plus(late);
    memory.view = plan.view();
    memory.rejected(late.rejected());
    metrics.syncDuration(Duration.ofNanos(System.nanoTime() - started));
    LOG.info("Synced {}: {} executions listed, {} children written, {} failed writes, {} ms",
        ResourceID.fromResource(watch), seen.listed().size(), writes.written(), writes.failures().size(),
        (System.nanoTime() - started) / 1_000_000);
    var client = context.getClient();
    plan.skipped().forEach(id -> metrics.executionSkipped("InvalidExecutionId"));
    WatchEvents.notMirrored(client, watch, "InvalidExecutionId", "have an ExecutionId that is no valid object name", plan.skipped(), now);
    WatchEvents.notMirrored(client, watch, "ChildRejected", "were refused by the API server", writes.rejectedDetails(), now);
    WatchEvents.notMirrored(client, watch, "ExecutionNameTaken", "have names taken by objects this watch does not control", writes.taken(), now);
    if (!writes.failures().isEmpty()) {
      return retry(watch, request, context, memory, now, EcsException.Kind.UNAVAILABLE, "RetryingAfterWriteError",
          writes.failures().size() + " children could not be written, first " + writes.failures().get(0));
    }
    memory.failures = 0;
    WatchEvents.executionChanges(client, watch, plan.added(), plan.ended(), now);
    int notMirrored = plan.skipped().size() + writes.rejectedDetails().size() + writes.taken().size();
    return finish(watch, WatchStatuses.synced(watch, request, plan.view(), listing.full(), notMirrored, now), context, memory, now,
        schedule.afterSuccess(settings.interval()));
  }

  /**
   * What ECS says this poll: the listing (shared with other watches of the same pipeline and
   * credentials while fresh), and a lookup by ID of each running execution it did not cover.
   */
  private PollPlan.Observation observe(
      ImagePipelineWatch watch,
      Context<ImagePipelineWatch> context,
      WatchSettings settings,
      EcsAccounts.Account account,
      Listing.Plan listing,
      WatchMemory memory,
      boolean requested,
      Consumer<List<EcsExecution>> eachPage)
      throws EcsException {
    var pipeline = settings.pipeline();
    Set<String> statuses = listing.statuses();
    Duration shareFor = requested ? Duration.ZERO : sharedFor(context, settings);
    List<EcsExecution> listed;
    if (!listing.asksEcs()) {
      listed = List.of();
    } else if (shareFor.isZero()) {
      listed = account.api().listExecutions(pipeline, statuses, settings.pageSize(), eachPage);
    } else {
      var key = new SharedListings.Key(account.identity(), pipeline.regionId(), pipeline.imagePipelineId(), statuses);
      listed = listings.list(key, shareFor, () -> account.api().listExecutions(pipeline, statuses, settings.pageSize(), eachPage));
    }
    List<EcsExecution> found = new ArrayList<>();
    Set<String> gone = new HashSet<>();
    if (memory.view != null && (!listing.full() || !settings.statusFilter().isEmpty())) {
      // Running before, and not in this listing: it left the active set or the filter
      // (BUILDING -> SUCCESS), so only a lookup by ID can say how it went on.
      Set<String> listedIds = new HashSet<>();
      listed.forEach(e -> listedIds.add(e.executionId()));
      for (String id : memory.view.active().keySet()) {
        if (!listedIds.contains(id)) {
          account.api().findExecution(pipeline, id).ifPresentOrElse(found::add, () -> gone.add(id));
        }
      }
    }
    return new PollPlan.Observation(listing, listed, found, gone);
  }

  /**
   * How old a listing made for another watch of the same pipeline may be to serve this one: half
   * the interval, so each watch still sees ECS once per interval; none when this watch is alone
   * or a person asked for a poll now.
   */
  private static Duration sharedFor(Context<ImagePipelineWatch> context, WatchSettings settings) {
    long same =
        context.getPrimaryCache().list()
            .filter(w -> w.getSpec() != null
                && Objects.equals(w.getSpec().getRegionId(), settings.pipeline().regionId())
                && Objects.equals(w.getSpec().getImagePipelineId(), settings.pipeline().imagePipelineId()))
            .limit(2)
            .count();
    return same > 1 ? settings.interval().dividedBy(2) : Duration.ZERO;
  }

  private static Instant created(ImagePipelineWatch watch) {
    return EcsView.instant(watch.getMetadata().getCreationTimestamp());
  }

  /** An error only a change of spec, credentials or ECS can fix: looked at again each interval. */
  private UpdateControl<ImagePipelineWatch> stalled(
      ImagePipelineWatch watch, String request, Context<ImagePipelineWatch> context, WatchMemory memory, Instant now,
      String reason, String message) {
    memory.failures = 0;
    return finish(watch, WatchStatuses.stalled(watch, request, reason, message, now), context, memory, now,
        schedule.afterSuccess(memory.interval));
  }

  /** A failure a retry may fix: backed off, never longer than the interval. */
  private UpdateControl<ImagePipelineWatch> retry(
      ImagePipelineWatch watch, String request, Context<ImagePipelineWatch> context, WatchMemory memory, Instant now,
      EcsException.Kind kind, String reason, String message) {
    memory.failures++;
    return finish(
        watch,
        WatchStatuses.retrying(watch, request, reason, message, staleAfter(memory.interval), now),
        context,
        memory,
        now,
        schedule.afterFailure(kind, memory.failures, now, memory.interval));
  }

  /**
   * Writes the status when it changed, with one event per condition that turned, and schedules the
   * next poll. The status is patched here rather than by JOSDK, so that an API server that does
   * not answer is one more failure to back off from, never an exception that ends the retries.
   */
  private UpdateControl<ImagePipelineWatch> finish(
      ImagePipelineWatch watch, ImagePipelineWatchStatus status, Context<ImagePipelineWatch> context, WatchMemory memory,
      Instant now, Duration next) {
    if (writeStatus(context, watch, status, now)) {
      // The requests of this pass are handled only once the status says so.
      memory.requestsSeen = PollRequest.of(watch);
    } else {
      memory.failures++;
      next = schedule.afterFailure(EcsException.Kind.UNAVAILABLE, memory.failures, now, memory.interval);
    }
    metrics.watchState(
        watch.getMetadata().getNamespace(),
        watch.getMetadata().getName(),
        Conditions.isTrue(status.getConditions(), WatchStatuses.READY),
        status.getLastSyncTime() == null ? null : Instant.parse(status.getLastSyncTime()),
        status.getExecutionsByStatus());
    memory.nextPollNanos = System.nanoTime() + next.toNanos();
    return UpdateControl.<ImagePipelineWatch>noUpdate().rescheduleAfter(next);
  }

  /**
   * Patches the status when it changed, with one event per condition that turned; false when the
   * API server refused or did not answer.
   */
  private boolean writeStatus(Context<ImagePipelineWatch> context, ImagePipelineWatch watch, ImagePipelineWatchStatus status, Instant now) {
    var before = watch.getStatus();
    if (Objects.equals(before, status)) {
      return true;
    }
    try {
      patchStatus(context, watch, status);
      metrics.kubernetesWrite("ImagePipelineWatch", "patch");
      WatchEvents.conditionTransitions(context.getClient(), watch, before == null ? List.of() : before.getConditions(), status.getConditions(), now);
      return true;
    } catch (KubernetesClientException e) {
      LOG.warn("Could not write the status of {}: HTTP {}", ResourceID.fromResource(watch), e.getCode());
      return false;
    }
  }

  /** A JSON patch of the status from what the watch held to {@code status}, as JOSDK makes one. */
  private static void patchStatus(Context<ImagePipelineWatch> context, ImagePipelineWatch watch, ImagePipelineWatchStatus status) {
    var original = new ImagePipelineWatch();
    original.setMetadata(new ObjectMetaBuilder(watch.getMetadata()).withResourceVersion(null).withManagedFields().build());
    original.setStatus(watch.getStatus());
    context.getClient().resource(original).editStatus(w -> {
      w.setStatus(status);
      return w;
    });
    watch.setStatus(status);
  }

  /** Drops the memory of watches that are gone, once a minute. */
  private void forgetDeletedWatches(Context<ImagePipelineWatch> context, Instant now) {
    if (now.isBefore(forgotten.plus(FORGET_EVERY))) {
      return;
    }
    forgotten = now;
    Set<String> live = new HashSet<>();
    context.getPrimaryCache().list().forEach(w -> live.add(w.getMetadata().getUid()));
    memories.keySet().retainAll(live);
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
      case BAD_RESPONSE -> "RetryingAfterBadResponse";
      case TOO_LARGE -> "ListingTooLarge";
    };
  }

  /**
   * Generation-aware filtering would drop annotation-only changes, so updates are let through when
   * the spec changed (generation), a poll was requested by annotation (the operator's or Flux's),
   * or deletion started; the
   * operator's own status patches pass none of these and start no pass.
   */
  public static class SpecOrRequestChanged implements OnUpdateFilter<ImagePipelineWatch> {
    @Override
    public boolean accept(ImagePipelineWatch newWatch, ImagePipelineWatch oldWatch) {
      return !Objects.equals(newWatch.getMetadata().getGeneration(), oldWatch.getMetadata().getGeneration())
          || !Objects.equals(PollRequest.of(newWatch), PollRequest.of(oldWatch))
          || newWatch.isMarkedForDeletion() != oldWatch.isMarkedForDeletion();
    }
  }
}
