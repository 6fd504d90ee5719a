package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.fail;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.ecs.EcsSettings;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.ImagePipelines;
import dev.imagebuilder.operator.ecs.RequestBudget;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The whole operator as production wires it, against the Fabric8 mock server (CRUD mode, with the
 * generated CRDs loaded) and the ECS simulator driven through the real SDK over HTTP.
 */
public final class OperatorHarness implements AutoCloseable {

  public static final String REGION = "cn-hangzhou";
  public static final String NAMESPACE = "builds";
  public static final String ACCESS_KEY_ID = "LTAI5tHarnessKey";
  public static final String ACCESS_KEY_SECRET = "harness-secret-never-logged";
  /** Retries fast enough for tests; the production defaults are seconds to minutes. */
  public static final OperatorConfig.Retry FAST_RETRY =
      new OperatorConfig.Retry(Duration.ofMillis(300), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ZERO);

  public final KubernetesMockServer server;
  public final KubernetesClient client;
  public final EcsSimulator ecs;
  private final AtomicInteger requests = new AtomicInteger();
  private ImagePipelineOperator operator;
  public OperatorMetrics metrics;

  public OperatorHarness(KubernetesMockServer server, KubernetesClient client) {
    this(server, client, Clock.systemUTC());
  }

  /** With the simulator's creation and modification times taken from {@code ecsClock}. */
  public OperatorHarness(KubernetesMockServer server, KubernetesClient client, Clock ecsClock) {
    this.server = server;
    this.client = client;
    this.ecs = EcsSimulator.start(ecsClock).credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET);
    loadCrds(client);
  }

  public static void loadCrds(KubernetesClient client) {
    try (var files = Files.list(Path.of("..", "crds"))) {
      for (Path file : files.sorted().toList()) {
        try (var in = Files.newInputStream(file)) {
          client.apiextensions().v1().customResourceDefinitions().load(in).create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public OperatorHarness start() {
    return start(ACCESS_KEY_ID, ACCESS_KEY_SECRET, Clock.systemUTC());
  }

  public OperatorHarness start(String accessKeyId, String secret, Clock clock) {
    return start(accessKeyId, secret, clock, Map.of());
  }

  /** The grant the harness gives unless a test sets its own: every pipeline, to {@link #NAMESPACE}. */
  public static final String GRANTS = "[{\"namespace\":\"" + NAMESPACE + "\",\"pipelines\":[\"*\"]}]";

  /** The operator configured as production is, from environment variables ({@code env} adds to them). */
  public static OperatorConfig config(EcsSettings ecs, Map<String, String> env) {
    var all = new java.util.HashMap<>(Map.of("HTTP_PORT", "0", "METRICS_PORT", "0", "METRICS_SECURE", "false",
        "ECS_REQUESTS_PER_SECOND", "1000", "OWN_CREDENTIALS_GRANTS", GRANTS));
    all.putAll(env);
    return OperatorConfig.fromEnvironment(all).withEcs(ecs).withRetry(FAST_RETRY);
  }

  /** Starts the operator with the given credentials, clock and environment variables. */
  public OperatorHarness start(String accessKeyId, String secret, Clock clock, Map<String, String> env) {
    return start(accessKeyId, secret, clock, env, api -> api);
  }

  /** As above, with the ECS API of the operator's own credentials wrapped, to make it misbehave. */
  public OperatorHarness start(
      String accessKeyId, String secret, Clock clock, Map<String, String> env, java.util.function.UnaryOperator<ImagePipelines> wrap) {
    var settings = new EcsSettings(ecs.endpoint(), "http", "public", Duration.ofSeconds(2), Duration.ofSeconds(2));
    var credentials =
        new com.aliyun.credentials.Client(
            new com.aliyun.credentials.models.Config()
                .setType("access_key")
                .setAccessKeyId(accessKeyId)
                .setAccessKeySecret(secret));
    var config = config(settings, env);
    metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    var sdk = EcsAccounts.Connector.sdk(config.ecs(), new RequestBudget(config.requestsPerSecond()), ImagePipelineOperator.observer(metrics));
    var accounts =
        new EcsAccounts(credentials, (keys, identity) -> {
          var api = sdk.connect(keys, identity);
          return identity.equals("operator") ? wrap.apply(api) : api;
        });
    operator = ImagePipelineOperator.start(client, config, accounts, metrics, clock);
    return this;
  }

  /** Port of the operator's probes. */
  public int httpPort() {
    return operator.httpPort();
  }

  /** Port of the operator's /metrics (plain http in these tests). */
  public int metricsPort() {
    return operator.metricsPort();
  }

  public String pipeline(String id) {
    ecs.addPipeline(REGION, id);
    return id;
  }

  /** Creates a watch that asks for its first poll as "0", so {@link #poll} can wait for it. */
  public ImagePipelineWatch createWatch(String name, String pipelineId, Consumer<ImagePipelineWatchSpec> customize) {
    return createWatch(name, pipelineId, customize, Map.of(ImagePipelineWatch.RECONCILE_REQUESTED_AT, "0"));
  }

  /** Creates a watch with the given annotations, as a person would (no poll requested). */
  public ImagePipelineWatch createWatch(
      String name, String pipelineId, Consumer<ImagePipelineWatchSpec> customize, Map<String, String> annotations) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(REGION);
    spec.setImagePipelineId(pipelineId);
    customize.accept(spec);
    var watch = new ImagePipelineWatch();
    watch.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NAMESPACE)
            .withAnnotations(annotations)
            .build());
    watch.setSpec(spec);
    return client.resource(watch).create();
  }

  public ImagePipelineWatch watch(String name) {
    return client.resources(ImagePipelineWatch.class).inNamespace(NAMESPACE).withName(name).get();
  }

  public List<ImagePipelineExecution> children() {
    return client.resources(ImagePipelineExecution.class).inNamespace(NAMESPACE).list().getItems();
  }

  public ImagePipelineExecution child(String executionId) {
    return client.resources(ImagePipelineExecution.class).inNamespace(NAMESPACE).withName(executionId).get();
  }

  /** Waits until the watch has handled the poll it asked for on creation. */
  public ImagePipelineWatch awaitFirstPoll(String name) {
    return awaitHandled(name, "0");
  }

  /** Asks for a poll through the reconcile-requested-at annotation and waits until it is handled. */
  public ImagePipelineWatch poll(String name) {
    String token = Integer.toString(requests.incrementAndGet());
    editWatch(name, w -> w.getMetadata().getAnnotations().put(ImagePipelineWatch.RECONCILE_REQUESTED_AT, token));
    return awaitHandled(name, token);
  }

  /**
   * Changes a watch as a person would; retried on a conflict, since the operator may be patching
   * its status at the same moment.
   */
  public void editWatch(String name, Consumer<ImagePipelineWatch> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(ImagePipelineWatch.class).inNamespace(NAMESPACE).withName(name).edit(w -> {
          change.accept(w);
          return w;
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private ImagePipelineWatch awaitHandled(String name, String token) {
    try {
      await("watch " + name + " to handle poll " + token, () -> {
        var w = watch(name);
        return w != null && w.getStatus() != null && token.equals(w.getStatus().getLastHandledReconcileAt());
      });
    } catch (AssertionError e) {
      var w = watch(name);
      throw new AssertionError(e.getMessage() + "; its status: " + (w == null ? "(no watch)" : io.fabric8.kubernetes.client.utils.Serialization.asJson(w.getStatus())), e);
    }
    return watch(name);
  }

  /** Forgets the requests the API server has seen so far. */
  public void clearRequests() {
    while (takeRequest() != null) {
      // drained
    }
  }

  /** Creates, updates and patches of children the API server received since the last clear. */
  public int childWrites() {
    int writes = 0;
    for (RecordedRequest r = takeRequest(); r != null; r = takeRequest()) {
      if (!r.getMethod().equals("GET") && r.getPath().contains("/imagepipelineexecutions")) {
        writes++;
      }
    }
    return writes;
  }

  private RecordedRequest takeRequest() {
    try {
      return server.takeRequest(10, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Convergence wait, not a timing assertion: fails only if the state never arrives. */
  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
    fail("timed out waiting for " + what);
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
    ecs.close();
  }
}
