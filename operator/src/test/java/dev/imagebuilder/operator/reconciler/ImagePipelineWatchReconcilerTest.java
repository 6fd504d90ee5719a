package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.MutableClock;
import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.OperatorHarness;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.ecs.ImagePipelines;
import dev.imagebuilder.operator.ecs.PipelineRef;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.javaoperatorsdk.operator.processing.event.EventSourceRetriever;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler called directly, as JOSDK calls it, with a fake ECS and the mock API server: each
 * way a poll can end, asserted on the watch's status, its children and the delay until the next
 * poll. Whole-operator tests cover the wiring (informers, the SDK adapter, the simulator).
 */
@EnableKubernetesMockClient(crud = true)
class ImagePipelineWatchReconcilerTest {

  static final String NS = "builds";
  static final String REGION = "cn-hangzhou";
  static final String PIPELINE = "ip-reconciled";

  KubernetesClient client;
  final FakeEcs ecs = new FakeEcs();
  final MutableClock clock = new MutableClock();
  final ExecutorService writers = Executors.newFixedThreadPool(2);
  ImagePipelineWatchReconciler reconciler;
  int requests;

  @BeforeEach
  void setUp() {
    OperatorHarness.loadCrds(client);
    var config = OperatorConfig.fromEnvironment(
        java.util.Map.of("OWN_CREDENTIALS_GRANTS", "[{\"namespace\":\"" + NS + "\",\"pipelines\":[\"" + PIPELINE + "\"]}]"));
    var metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    reconciler = new ImagePipelineWatchReconciler(new EcsAccounts(null, (keys, identity) -> ecs), writers, config, metrics, clock,
        new PollDecisionTest.Half());
  }

  @AfterEach
  void tearDown() {
    writers.shutdownNow();
  }

  @Test
  void aSyncWritesOneChildPerExecutionAndComesBackAfterTheInterval() {
    ecs.add(3, "SUCCESS");
    create("w", spec -> spec.setInterval("2m"));

    var control = reconcile("w");

    assertThat(children()).hasSize(3);
    assertThat(condition(watch("w"), "Ready")).map(Condition::getReason).contains("Synced");
    assertThat(watch("w").getStatus().getExecutionCount()).isEqualTo(3);
    assertThat(control.getScheduleDelay()).contains(Duration.ofMinutes(2).toMillis());
  }

  @Test
  void suspendedWatchMakesNoEcsCallsUntilResumed() {
    ecs.add(3, "SUCCESS");
    create("paused", spec -> spec.setSuspend(true));

    reconcile("paused");
    poll("paused");

    assertThat(ecs.listings).isZero();
    assertThat(children()).isEmpty();

    edit("paused", w -> w.getSpec().setSuspend(false));
    poll("paused");
    assertThat(children()).hasSize(3);
    assertThat(ecs.listings).isEqualTo(1);
  }

  @Test
  void deletedPipelineStallsTheWatchAndKeepsItsChildren() {
    ecs.add(4, "SUCCESS");
    create("gone", spec -> {});
    reconcile("gone");

    ecs.failure = new EcsException(EcsException.Kind.PIPELINE_NOT_FOUND, "InvalidImagePipelineId.NotFound", "no such pipeline");
    var control = poll("gone");

    var watch = watch("gone");
    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("PipelineNotFound");
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("False");
    assertThat(children()).hasSize(4).allSatisfy(c -> assertThat(c.getStatus().getImageId()).isEqualTo("m-kept"));
    assertThat(watch.getStatus().getLatestSuccessfulImageId()).isEqualTo("m-kept");
    assertThat(warnings()).contains("PipelineNotFound");
    assertThat(control.getScheduleDelay()).as("looked at again each interval, no hot loop").contains(Duration.ofMinutes(1).toMillis());
  }

  @Test
  void anUngrantedPipelineStallsWithoutAskingEcsAndKeepsTheChildren() {
    ecs.add(3, "SUCCESS");
    create("borrowing", spec -> {});
    reconcile("borrowing");
    int listed = ecs.listings;

    edit("borrowing", w -> w.getSpec().setImagePipelineId("ip-someoneelses"));
    var control = poll("borrowing");

    var watch = watch("borrowing");
    assertThat(ecs.listings).as("no ECS call for an ungranted pipeline").isEqualTo(listed);
    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("CredentialsNotGranted");
    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("False");
    assertThat(condition(watch, "Stalled")).map(Condition::getMessage).hasValueSatisfying(m -> assertThat(m)
        .contains("ownCredentials.grants", "{\"namespace\":\"" + NS + "\",\"pipelines\":[\"ip-someoneelses\"]}"));
    assertThat(warnings()).contains("CredentialsNotGranted");
    assertThat(children()).hasSize(3);
    assertThat(control.getScheduleDelay()).as("looked at again each interval, no hot loop").contains(Duration.ofMinutes(1).toMillis());
  }

  @Test
  void aListingThatDoesNotEndStallsTheWatchAndKeepsItsChildren() {
    ecs.add(3, "SUCCESS");
    create("endless", spec -> {});
    reconcile("endless");

    ecs.failure = new EcsException(EcsException.Kind.UNBOUNDED, "ListingUnbounded",
        "ECS did not end the listing after 14 pages (0 executions), the most one listing of up to 1000 executions takes");
    var control = poll("endless");

    var watch = watch("endless");
    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("ListingUnbounded");
    assertThat(condition(watch, "Stalled")).map(Condition::getMessage).hasValueSatisfying(m -> assertThat(m).contains("14 pages"));
    assertThat(children()).hasSize(3);
    assertThat(warnings()).contains("ListingUnbounded");
    assertThat(control.getScheduleDelay()).as("no hot loop").contains(Duration.ofMinutes(1).toMillis());
  }

  @Test
  void serviceUnavailableKeepsChildrenAndRecoversByItself() {
    ecs.add(3, "SUCCESS");
    create("unavailable", spec -> {});
    reconcile("unavailable");
    ecs.add(1, "BUILDING");

    ecs.failure = new EcsException(EcsException.Kind.UNAVAILABLE, "ServiceUnavailable", "try later");
    var control = poll("unavailable");

    assertThat(condition(watch("unavailable"), "Reconciling")).map(Condition::getReason).contains("RetryingAfterError");
    assertThat(children()).hasSize(3).allSatisfy(c -> assertThat(c.getStatus().getPhase()).isEqualTo("SUCCESS"));
    assertThat(control.getScheduleDelay()).as("backed off from 5 s").contains(5_000L);

    ecs.failure = null;
    poll("unavailable");
    assertThat(children()).hasSize(4);
    assertThat(condition(watch("unavailable"), "Ready")).map(Condition::getReason).contains("Synced");
    assertThat(condition(watch("unavailable"), "Reconciling")).isEmpty();
  }

  @Test
  void readyTurnsFalseOnlyAfterFailuresOutlastTheStalenessLimit() {
    ecs.add(3, "SUCCESS");
    create("stale", spec -> {});
    reconcile("stale");
    String readySince = condition(watch("stale"), "Ready").get().getLastTransitionTime();

    ecs.failure = new EcsException(EcsException.Kind.UNAVAILABLE, "ServiceUnavailable", "try later");
    poll("stale");
    assertThat(condition(watch("stale"), "Ready")).map(Condition::getStatus).contains("True");
    assertThat(condition(watch("stale"), "Ready").get().getLastTransitionTime()).isEqualTo(readySince);

    clock.advance(Duration.ofMinutes(6));
    poll("stale");
    assertThat(condition(watch("stale"), "Ready")).map(Condition::getStatus).contains("False");
    assertThat(children()).hasSize(3);
  }

  @Test
  void aSecondWatchOfTheSamePipelineInANamespaceStallsNamingTheFirstAndWritesNothing() {
    ecs.add(3, "SUCCESS");
    create("a-first", spec -> {});
    reconcile("a-first");
    create("b-copy", spec -> {});

    reconcile("b-copy");

    var copy = watch("b-copy");
    assertThat(condition(copy, "Stalled")).map(Condition::getReason).contains("DuplicatePipeline");
    assertThat(condition(copy, "Stalled").get().getMessage()).contains("watch a-first");
    assertThat(condition(copy, "Ready")).map(Condition::getStatus).contains("False");
    assertThat(children()).hasSize(3).allMatch(c -> c.getMetadata().getOwnerReferences().get(0).getName().equals("a-first"));
  }

  @Test
  void anExceptionNobodyForesawShowsOnTheWatchAndThePollComesBackByItself() {
    ecs.add(2, "SUCCESS");
    create("buggy", spec -> spec.setInterval("10s"));

    ecs.crash = new IllegalStateException("a bug");
    var control = reconcile("buggy");
    assertThat(condition(watch("buggy"), "Reconciling")).map(Condition::getReason).contains("InternalError");
    assertThat(condition(watch("buggy"), "Reconciling").get().getMessage()).contains("IllegalStateException").doesNotContain("a bug");
    assertThat(control.getScheduleDelay()).contains(5_000L);

    ecs.crash = new NoClassDefFoundError("org/example/Missing");
    poll("buggy");
    assertThat(condition(watch("buggy"), "Reconciling")).map(Condition::getReason).contains("InternalError");

    ecs.crash = null;
    poll("buggy");
    assertThat(children()).hasSize(2);
    assertThat(condition(watch("buggy"), "Ready")).map(Condition::getReason).contains("Synced");
  }

  @Test
  void anInvalidSpecStallsNamingTheField() {
    create("invalid", spec -> spec.setPageSize(0));

    reconcile("invalid");

    assertThat(condition(watch("invalid"), "Stalled")).map(Condition::getMessage).get().asString().contains("pageSize 0");
    assertThat(ecs.listings).isZero();
  }

  /** A pipeline in memory: executions listed newest first in one page, failures on demand. */
  static final class FakeEcs implements ImagePipelines {
    final List<EcsExecution> executions = new ArrayList<>();
    EcsException failure;
    Throwable crash;
    int listings;

    void add(int count, String status) {
      int first = executions.size();
      IntStream.range(first, first + count).forEach(i -> executions.add(0, new EcsExecution("exec-" + i, PIPELINE, status,
          status.equals("SUCCESS") ? "m-kept" : null, null, "2026-06-01T00:00:0" + (i % 10) + "Z", null, null, java.util.Map.of())));
    }

    @Override
    public List<EcsExecution> listExecutions(PipelineRef pipeline, Collection<String> statuses, int pageSize,
        Consumer<List<EcsExecution>> eachPage) throws EcsException {
      if (crash instanceof RuntimeException e) {
        throw e;
      } else if (crash instanceof Error e) {
        throw e;
      } else if (failure != null) {
        throw failure;
      }
      listings++;
      var listed = executions.stream().filter(e -> statuses.isEmpty() || statuses.contains(e.status())).toList();
      eachPage.accept(listed);
      return listed;
    }

    @Override
    public Optional<EcsExecution> findExecution(PipelineRef pipeline, String id) {
      return executions.stream().filter(e -> e.executionId().equals(id)).findFirst();
    }
  }

  /** What the reconciler reads of JOSDK: the client, the watches and the watch's children. */
  record FakeContext(KubernetesClient client) implements Context<ImagePipelineWatch> {
    @Override
    public KubernetesClient getClient() {
      return client;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> Set<R> getSecondaryResources(Class<R> type) {
      return (Set<R>) Set.copyOf(client.resources(ImagePipelineExecution.class).inNamespace(NS).list().getItems());
    }

    @Override
    public IndexedResourceCache<ImagePipelineWatch> getPrimaryCache() {
      return new IndexedResourceCache<>() {
        @Override
        public Stream<ImagePipelineWatch> list(Predicate<ImagePipelineWatch> predicate) {
          return client.resources(ImagePipelineWatch.class).inAnyNamespace().list().getItems().stream().filter(predicate);
        }

        @Override
        public Stream<ImagePipelineWatch> list(String namespace, Predicate<ImagePipelineWatch> predicate) {
          return list(w -> namespace.equals(w.getMetadata().getNamespace()) && predicate.test(w));
        }

        @Override
        public Optional<ImagePipelineWatch> get(ResourceID id) {
          return list(w -> ResourceID.fromResource(w).equals(id)).findFirst();
        }

        @Override
        public Stream<ResourceID> keys() {
          return list(w -> true).map(ResourceID::fromResource);
        }

        @Override
        public List<ImagePipelineWatch> byIndex(String index, String key) {
          throw new UnsupportedOperationException();
        }
      };
    }

    @Override public Optional<RetryInfo> getRetryInfo() { return Optional.empty(); }
    @Override public <R> Optional<R> getSecondaryResource(Class<R> type, String name) { throw new UnsupportedOperationException(); }
    @Override public ControllerConfiguration<ImagePipelineWatch> getControllerConfiguration() { throw new UnsupportedOperationException(); }
    @Override public ManagedWorkflowAndDependentResourceContext managedWorkflowAndDependentResourceContext() { throw new UnsupportedOperationException(); }
    @Override public EventSourceRetriever<ImagePipelineWatch> eventSourceRetriever() { throw new UnsupportedOperationException(); }
    @Override public ExecutorService getWorkflowExecutorService() { throw new UnsupportedOperationException(); }
    @Override public ImagePipelineWatch getPrimaryResource() { throw new UnsupportedOperationException(); }
    @Override public boolean isNextReconciliationImminent() { return false; }
    @Override public boolean isPrimaryResourceDeleted() { return false; }
    @Override public boolean isPrimaryResourceFinalStateUnknown() { return false; }
  }

  /** The first poll of a watch, or one when it is due: JOSDK's call. */
  @Test
  void aPollRequestSoonAfterTheLastIsDeferredUntilTenSecondsAfterItNotDropped() {
    ecs.add(1, "SUCCESS");
    create("asked", spec -> spec.setInterval("5m"));
    reconcile("asked");
    request("asked");
    int listings = ecs.listings;

    clock.advance(Duration.ofSeconds(3));
    var deferred = request("asked");
    assertThat(ecs.listings).as("no listing for a request 3 s after the last").isEqualTo(listings);
    assertThat(deferred.getScheduleDelay()).as("back when 10 s have passed since the last")
        .hasValueSatisfying(millis -> assertThat(millis).isBetween(1L, 7_000L));
    assertThat(watch("asked").getStatus().getLastHandledReconcileAt()).isEqualTo("request-1");

    clock.advance(Duration.ofSeconds(7));
    reconcile("asked");
    assertThat(ecs.listings).isEqualTo(listings + 1);
    assertThat(watch("asked").getStatus().getLastHandledReconcileAt()).isEqualTo("request-2");
  }

  UpdateControl<ImagePipelineWatch> reconcile(String name) {
    return reconciler.reconcile(watch(name), new FakeContext(client));
  }

  /**
   * A poll now, before it is due, as a person asks for one with the annotation, ten seconds after
   * the last (a request sooner is deferred: {@link #aPollRequestSoonAfterTheLastIsDeferredUntilTenSecondsAfterItNotDropped}).
   */
  UpdateControl<ImagePipelineWatch> poll(String name) {
    clock.advance(OperatorConfig.Retry.DEFAULT.requestSpacing());
    return request(name);
  }

  /** A poll request by annotation, at once. */
  UpdateControl<ImagePipelineWatch> request(String name) {
    var requested = client.resources(ImagePipelineWatch.class).inNamespace(NS).withName(name).edit(w -> {
      w.getMetadata().getAnnotations().put(ImagePipelineWatch.RECONCILE_REQUESTED_AT, "request-" + ++requests);
      return w;
    });
    return reconciler.reconcile(requested, new FakeContext(client));
  }

  void create(String name, Consumer<ImagePipelineWatchSpec> customize) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(REGION);
    spec.setImagePipelineId(PIPELINE);
    customize.accept(spec);
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withAnnotations(new java.util.HashMap<>()).build());
    watch.setSpec(spec);
    client.resource(watch).create();
  }

  void edit(String name, Consumer<ImagePipelineWatch> change) {
    client.resources(ImagePipelineWatch.class).inNamespace(NS).withName(name).edit(w -> {
      change.accept(w);
      w.getMetadata().setGeneration(w.getMetadata().getGeneration() + 1);
      return w;
    });
  }

  ImagePipelineWatch watch(String name) {
    return client.resources(ImagePipelineWatch.class).inNamespace(NS).withName(name).get();
  }

  List<ImagePipelineExecution> children() {
    return client.resources(ImagePipelineExecution.class).inNamespace(NS).list().getItems();
  }

  List<String> warnings() {
    return client.v1().events().inNamespace(NS).list().getItems().stream().filter(e -> e.getType().equals("Warning"))
        .map(io.fabric8.kubernetes.api.model.Event::getReason).toList();
  }

  static Optional<Condition> condition(ImagePipelineWatch watch, String type) {
    return watch.getStatus() == null ? Optional.empty() : Conditions.find(watch.getStatus().getConditions(), type);
  }
}
