package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.RequestBudget;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one ImagePipelineExecution per ECS execution of the watched pipeline. A poll observes (the
 * spec, the credentials, ECS page by page with each page's children written while the next is
 * fetched) and ends in one {@link PollOutcome}; a pure {@link PollDecision} turns it into the
 * watch's status, events, memory and next poll; {@link #apply} makes them so with one status
 * patch. Nothing that goes wrong leaves a poll without a condition on the watch and a time to
 * come back.
 */
@ControllerConfiguration(
    name = ImagePipelineWatchReconciler.NAME,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = ImagePipelineWatchReconciler.SpecOrRequestChanged.class))
public class ImagePipelineWatchReconciler implements Reconciler<ImagePipelineWatch> {

  public static final String NAME = "imagepipelinewatch";
  private static final Logger LOG = LoggerFactory.getLogger(ImagePipelineWatchReconciler.class);
  private static final Duration EARLY = Duration.ofMillis(100);
  /** How often the memory of deleted watches is dropped. */
  private static final Duration FORGET_EVERY = Duration.ofMinutes(1);

  private final EcsAccounts accounts;
  private final boolean watchCredentials;
  private final OwnCredentialGrants grants;
  private final EcsObserver ecs;
  private final ChildWriter writer;
  private final Duration defaultInterval;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final PollSchedule schedule;
  private final Duration requestSpacing;
  /** Per watch, by UID: a watch deleted and created again under its name starts afresh. */
  private final Map<String, WatchMemory> memories = new ConcurrentHashMap<>();
  private volatile Instant memoriesPruned = Instant.EPOCH;

  /** The informer of children; without it (a test calling reconcile() alone) writes are not echoed. */
  private ChildWriter.Echo echo = ChildWriter.Echo.NONE;

  public ImagePipelineWatchReconciler(
      EcsAccounts accounts,
      ExecutorService writers,
      OperatorConfig config,
      OperatorMetrics metrics,
      Clock clock,
      RandomGenerator random) {
    this.accounts = accounts;
    this.watchCredentials = config.watchCredentials();
    this.grants = config.ownCredentialGrants();
    this.ecs = new EcsObserver(clock);
    this.writer = new ChildWriter(writers, metrics);
    this.defaultInterval = config.defaultInterval();
    this.metrics = metrics;
    this.clock = clock;
    this.schedule = new PollSchedule(config.retry(), random);
    this.requestSpacing = config.retry().requestSpacing();
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
    var children = new InformerEventSource<>(config, context);
    echo = ChildWriter.Echo.of(children);
    return List.of(children);
  }

  @Override
  public UpdateControl<ImagePipelineWatch> reconcile(ImagePipelineWatch watch, Context<ImagePipelineWatch> context) {
    Instant now = clock.instant();
    dropMemoriesOfDeletedWatches(context, now);
    var memory = memories.getOrDefault(watch.getMetadata().getUid(), WatchMemory.fresh(defaultInterval));
    var status = watch.getStatus();
    String request = PollRequest.of(watch).pending(memory.requestsSeen(), status == null ? null : status.getLastHandledReconcileAt());
    long nanos = System.nanoTime();
    Duration deferred = request == null ? Duration.ZERO : PollRequest.deferral(memory.requestHonoured(), now, requestSpacing);
    if (!due(watch, memory, deferred.isZero() ? request : null, nanos)) {
      // Woken early (the maximum reconciliation interval, or a request within ten seconds of the
      // last one): keep to the schedule, or come back when the request may be honoured.
      Duration scheduled = Duration.ofNanos(memory.nextPollNanos() - nanos);
      return UpdateControl.<ImagePipelineWatch>noUpdate()
          .rescheduleAfter(request != null && deferred.compareTo(scheduled) < 0 ? deferred : scheduled);
    }
    memory = memory.forGeneration(watch.getMetadata().getGeneration());
    if (request != null) {
      memory = memory.withRequestHonoured(now);
    }
    PollOutcome outcome;
    try {
      outcome = poll(watch, context, memory, request, now);
    } catch (RuntimeException | LinkageError | AssertionError e) {
      // A bug, a class missing from the classpath, or an answer nobody foresaw: the watch says so
      // and comes back by itself. (Errors of the JVM itself, such as running out of memory, are
      // not caught: the pod's restart is the cure for those.)
      LOG.error("Polling {} failed", ResourceID.fromResource(watch), e);
      outcome = new PollOutcome.Crashed(e.getClass().getSimpleName());
    }
    return apply(watch, context, outcome, PollDecision.of(outcome, watch, memory, request, schedule, now), now);
  }

  /** Whether this wake-up is a poll: at the scheduled time, or early for a new spec or a request. */
  private static boolean due(ImagePipelineWatch watch, WatchMemory memory, String request, long nanos) {
    // A timer may fire a little early; within a tenth of a second is on time.
    return memory.nextPollNanos() == null
        || nanos - memory.nextPollNanos() >= -EARLY.toNanos()
        || request != null
        || !Objects.equals(memory.polledGeneration(), watch.getMetadata().getGeneration());
  }

  /** Observes and writes the children: everything a poll does before its outcome is decided. */
  private PollOutcome poll(
      ImagePipelineWatch watch, Context<ImagePipelineWatch> context, WatchMemory memory, String request, Instant now) {
    WatchSettings settings;
    try {
      settings = WatchSettings.of(watch.getSpec(), defaultInterval);
    } catch (WatchSettings.Invalid e) {
      return new PollOutcome.InvalidSpec(e.getMessage());
    }
    if (settings.suspend()) {
      return new PollOutcome.Suspended(settings);
    }
    var first = Duplicates.mirroredBy(watch, settings, context.getPrimaryCache().list());
    if (first.isPresent()) {
      return new PollOutcome.Duplicate(settings, first.get());
    }
    EcsAccounts.Account account;
    try {
      account = WatchCredentials.account(watch, settings, context.getClient(), accounts, watchCredentials, grants);
    } catch (WatchCredentials.Unusable e) {
      return new PollOutcome.CredentialsUnusable(settings, e.reason(), e.getMessage());
    }
    if (WatchStatuses.unobserved(watch)) {
      // A new watch or spec: say so before a sync that may take minutes.
      writeStatus(context, watch, WatchStatuses.progressing(watch, settings, now));
    }
    return sync(watch, context, settings, account, memory, request, now);
  }

  /**
   * Lists ECS and writes the children: each page's writes start as it arrives, the rest once the
   * listing is complete, all in one batch that is awaited before the poll ends, even when the
   * listing failed (the children of the pages already listed stay).
   */
  private PollOutcome sync(
      ImagePipelineWatch watch, Context<ImagePipelineWatch> context, WatchSettings settings, EcsAccounts.Account account,
      WatchMemory memory, String request, Instant now) {
    long started = System.nanoTime();
    // Polls that only waited for the budget saw nothing of ECS: the listing they missed is no
    // reason for a full one (which would ask the same budget for many more pages).
    var scope = ListingScope.of(watch, settings, memory.lastFull(), request != null, memory.failures() > 0 && !memory.onlyWaited(), now);
    Map<String, ImagePipelineExecution> cached = new HashMap<>();
    // As a stream: getSecondaryResources collects them into one more set, hashing every child whole.
    context.getSecondaryResourcesAsStream(ImagePipelineExecution.class).forEach(c -> cached.put(c.getMetadata().getName(), c));
    var planner = new ListingPlanner(watch, settings, memory, cached, now);
    var writes = writer.batch(context.getClient(), watch, ExecutionChildren.Owner.of(watch, settings), echo);
    PollPlan.Observation seen;
    try {
      Duration shareFor = SharedListings.maxAge(settings, request != null, context.getPrimaryCache().list());
      try (var share = RequestBudget.onBehalfOf(watch.getMetadata().getNamespace())) {
        seen = ecs.observe(account, settings, scope, memory.view(), shareFor, page -> writes.addAll(planner.offer(page)));
      }
    } catch (EcsException e) {
      if (e.kind() == EcsException.Kind.BUDGET_WAIT) {
        // Many at once when a namespace asks for more than its share: the metric counts them.
        LOG.debug("Listing {} in ECS gave up waiting for the request budget", ResourceID.fromResource(watch));
      } else {
        LOG.warn("Listing {} in ECS failed: {} ({})", ResourceID.fromResource(watch), e.getMessage(), e.kind());
      }
      return new PollOutcome.EcsFailed(settings, e.kind(), e.getMessage(), writes.await());
    } catch (RuntimeException | LinkageError | AssertionError e) {
      writes.await();
      throw e;
    }
    var plan = planner.finish(seen);
    writes.addAll(plan.writes());
    var written = writes.await();
    var took = Duration.ofNanos(System.nanoTime() - started);
    LOG.info("Synced {}: {} executions listed, {} children written, {} failed writes, {} ms",
        ResourceID.fromResource(watch), seen.listed().size(), written.written(), written.failures().size(), took.toMillis());
    return new PollOutcome.Listed(settings, scope, plan, written, took);
  }

  /**
   * Makes a decision so: the events, one status patch when the status changed (with an event per
   * condition that turned), the metrics of the poll and the watch, and the next poll. The status is patched here rather
   * than by JOSDK, so that an API server that does not answer is one more failure to back off
   * from, never an exception that ends the retries.
   */
  private UpdateControl<ImagePipelineWatch> apply(
      ImagePipelineWatch watch, Context<ImagePipelineWatch> context, PollOutcome outcome, PollDecision decision, Instant now) {
    var client = context.getClient();
    decision.events().forEach(e -> WatchEvents.record(client, watch, e, now));
    var requests = PollRequest.of(watch);
    if (writeStatus(context, watch, decision.status())) {
      decision.transitions().forEach(e -> WatchEvents.record(client, watch, e, now));
      // The requests of this pass are handled only once the status says so.
      decision = decision.withMemory(decision.memory().withRequestsSeen(requests));
    } else {
      decision = decision.statusNotWritten(schedule, now);
    }
    if (outcome instanceof PollOutcome.Listed listed) {
      metrics.syncDuration(listed.syncTime());
      listed.plan().skipped().forEach(id -> metrics.executionSkipped("InvalidExecutionId"));
    }
    if (outcome instanceof PollOutcome.EcsFailed failed && failed.kind() == EcsException.Kind.BUDGET_WAIT) {
      metrics.budgetWaitTimeout(watch.getMetadata().getNamespace());
    }
    metrics.watchInterval(watch.getMetadata().getNamespace(), watch.getMetadata().getName(), decision.memory().interval());
    var status = decision.status();
    metrics.watchState(
        watch.getMetadata().getNamespace(),
        watch.getMetadata().getName(),
        Conditions.isTrue(status.getConditions(), WatchStatuses.READY),
        status.getLastSyncTime() == null ? null : Instant.parse(status.getLastSyncTime()),
        status.getExecutionsByStatus());
    memories.put(watch.getMetadata().getUid(), decision.memory().withNextPollNanos(System.nanoTime() + decision.next().toNanos()));
    return UpdateControl.<ImagePipelineWatch>noUpdate().rescheduleAfter(decision.next());
  }

  /** Patches the status when it changed; false when the API server refused or did not answer. */
  private boolean writeStatus(Context<ImagePipelineWatch> context, ImagePipelineWatch watch, ImagePipelineWatchStatus status) {
    if (Objects.equals(watch.getStatus(), status)) {
      return true;
    }
    try {
      patchStatus(context, watch, status);
      metrics.kubernetesWrite("ImagePipelineWatch", "patch");
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

  /** Drops what is remembered of watches that are gone, once a minute. */
  private void dropMemoriesOfDeletedWatches(Context<ImagePipelineWatch> context, Instant now) {
    if (now.isBefore(memoriesPruned.plus(FORGET_EVERY))) {
      return;
    }
    memoriesPruned = now;
    Set<String> live = new HashSet<>();
    context.getPrimaryCache().list().forEach(w -> live.add(w.getMetadata().getUid()));
    memories.keySet().retainAll(live);
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
