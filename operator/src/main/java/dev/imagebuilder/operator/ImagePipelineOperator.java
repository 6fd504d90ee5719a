package dev.imagebuilder.operator;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsCallObserver;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.RequestBudget;
import dev.imagebuilder.operator.observability.HttpEndpoints;
import dev.imagebuilder.operator.observability.MetricsAccess;
import dev.imagebuilder.operator.observability.ForgetDeletedWatches;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import dev.imagebuilder.operator.reconciler.ImagePipelineWatchReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.Cloner;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator, wired in one place for production, the demo and the tests. */
public final class ImagePipelineOperator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ImagePipelineOperator.class);
  static final Duration MAX_RETRY_INTERVAL = Duration.ofMinutes(5);
  static final Duration MAX_RECONCILIATION_INTERVAL = Duration.ofMinutes(10);

  private final Operator operator;
  private final ExecutorService writers;
  private final HttpEndpoints endpoints;
  private final OperatorMetrics metrics;

  private final KubernetesClient client;
  private final OperatorConfig.LeaderElection election;
  private final AtomicBoolean closing;
  private final AtomicBoolean leading;

  private ImagePipelineOperator(
      KubernetesClient client,
      OperatorConfig.LeaderElection election,
      Operator operator,
      ExecutorService writers,
      HttpEndpoints endpoints,
      OperatorMetrics metrics,
      AtomicBoolean closing,
      AtomicBoolean leading) {
    this.client = client;
    this.election = election;
    this.closing = closing;
    this.leading = leading;
    this.operator = operator;
    this.writers = writers;
    this.endpoints = endpoints;
    this.metrics = metrics;
  }

  /**
   * The operator over Alibaba's SDK with the given credentials (production passes the default
   * chain), reporting every ECS request to the metrics.
   */
  public static ImagePipelineOperator start(
      KubernetesClient client, OperatorConfig config, com.aliyun.credentials.Client credentials) {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var metrics = new OperatorMetrics(registry);
    var accounts = new EcsAccounts(credentials, EcsAccounts.Connector.sdk(config.ecs(), new RequestBudget(config.requestsPerSecond()), observer(metrics)));
    return start(client, config, accounts, metrics, Clock.systemUTC());
  }

  /** Registers the reconciler, serves the probes and metrics, and starts the informers. */
  public static ImagePipelineOperator start(
      KubernetesClient client, OperatorConfig config, EcsAccounts accounts, OperatorMetrics metrics, Clock clock) {
    // Known kinds arrive in watch events as their own classes; an unknown one is first read as a
    // generic resource and then converted, which doubled the cost of every child the informer sees.
    client.getKubernetesSerialization().registerKubernetesResource(ImagePipelineWatch.class);
    client.getKubernetesSerialization().registerKubernetesResource(ImagePipelineExecution.class);
    ExecutorService writers = Executors.newFixedThreadPool(config.childWriteConcurrency());
    var closing = new AtomicBoolean();
    var leading = new AtomicBoolean();
    // JSON patches of status rather than server-side apply: the operator is the only writer of
    // status, and the same requests then work on a real API server and on the embedded one of the
    // demo and tests, which does not support apply patches.
    var operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withResourceCloner(keepingWhyUnreadable(client.getKubernetesSerialization()))
                  .withUseSSAToPatchPrimaryResource(false)
                  .withCloseClientOnStop(false)
                  .withMetrics(
                      new ForgetDeletedWatches(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()), metrics));
              if (config.leaderElection() != null) {
                o.withLeaderElectionConfiguration(leaderElection(config.leaderElection(), closing, leading));
              }
            });
    var reconciler = new ImagePipelineWatchReconciler(accounts, writers, config, metrics, clock, new SecureRandom());
    operator.register(
        reconciler,
        o -> {
          // The reconciler handles its own failures and always says when to come back; should
          // anything still escape it, JOSDK retries without end rather than park the watch for its
          // 10-hour maximum, and comes back at least every few minutes whatever happened.
          o.withRetry(GenericRetry.defaultLimitedExponentialRetry().withoutMaxAttempts().setMaxInterval(MAX_RETRY_INTERVAL.toMillis()));
          o.withReconciliationMaxInterval(MAX_RECONCILIATION_INTERVAL);
          if (!config.namespaces().isEmpty()) {
            o.settingNamespaces(new HashSet<>(config.namespaces()));
          }
          if (config.watchSelector() != null) {
            o.withLabelSelector(config.watchSelector());
          }
        });
    var health = new InformerHealth(leading, config.leaderElection() == null);
    HttpEndpoints endpoints = null;
    if (metrics.registry() instanceof PrometheusMeterRegistry prometheus) {
      try {
        endpoints =
            HttpEndpoints.start(
                config.httpBindAddress(),
                config.httpPort(),
                config.metricsEndpoint().port(),
                prometheus,
                config.metricsEndpoint().secure()
                    ? new MetricsAccess(MetricsAccess.kubernetes(client), MetricsAccess.Limits.DEFAULT, Clock.systemUTC())
                    : null,
                () -> health.healthy(clock.instant()),
                health::ready);
      } catch (IOException e) {
        writers.shutdownNow();
        throw new UncheckedIOException("cannot serve probes on port " + config.httpPort() + " and metrics on port "
            + config.metricsEndpoint().port(), e);
      }
    }
    operator.start();
    health.started(operator.getRuntimeInfo());
    return new ImagePipelineOperator(client, config.leaderElection(), operator, writers, endpoints, metrics, closing, leading);
  }

  /**
   * A replica that loses its Lease while running exits at once, so two never reconcile together
   * (Kubernetes restarts it as a standby). One that gives the Lease up because it is shutting down
   * just stops.
   */
  private static LeaderElectionConfiguration leaderElection(
      OperatorConfig.LeaderElection election, AtomicBoolean closing, AtomicBoolean leading) {
    var callbacks =
        new LeaderCallbacks(
            () -> {
              leading.set(true);
              LOG.info("Leading as {}", election.identity());
            },
            () -> {
              if (!closing.get()) {
                LOG.error("Lost the leader Lease {}; exiting so that only the new leader reconciles", election.leaseName());
                System.exit(1);
              }
            },
            leader -> LOG.info("The leader is {}", leader));
    return new LeaderElectionConfiguration(
        election.leaseName(),
        election.namespace(),
        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
        election.identity(),
        callbacks,
        false);
  }

  /**
   * JOSDK's clone (a JSON round trip) with one addition: why a watch's spec could not be read is
   * never serialized, so it is carried over by hand, for the reconciler to name the field.
   */
  private static Cloner keepingWhyUnreadable(KubernetesSerialization serialization) {
    return new Cloner() {
      @Override
      public <R extends HasMetadata> R clone(R object) {
        R copy = serialization.clone(object);
        if (object instanceof ImagePipelineWatch watch && watch.getSpec() != null && watch.getSpec().getUnreadable() != null) {
          ((ImagePipelineWatch) copy).getSpec().setUnreadable(watch.getSpec().getUnreadable());
        }
        return copy;
      }
    };
  }

  static EcsCallObserver observer(OperatorMetrics metrics) {
    return (action, regionId, result, failure) -> {
      metrics.ecsRequest(action, regionId, result);
      if (failure == EcsException.Kind.THROTTLED) {
        metrics.ecsThrottled(action, regionId);
      }
    };
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  /** Port of the probes, or -1 when they are not served. */
  public int httpPort() {
    return endpoints == null ? -1 : endpoints.port();
  }

  /** Port of /metrics, or -1 when it is not served. */
  public int metricsPort() {
    return endpoints == null ? -1 : endpoints.metricsPort();
  }

  /** Address and port of the probes as bound, or null when they are not served. */
  public InetSocketAddress httpAddress() {
    return endpoints == null ? null : endpoints.address();
  }

  /**
   * Stops reconciling, then gives the leader Lease up, so that a standby takes over at its next
   * try instead of waiting out the Lease duration. JOSDK only stops renewing it.
   */
  @Override
  public void close() {
    closing.set(true);
    operator.stop();
    writers.shutdownNow();
    if (election != null && leading.get()) {
      releaseLease(client, election);
    }
    if (endpoints != null) {
      endpoints.close();
    }
  }

  /**
   * Empties the Lease if this replica still holds it, as client-go's ReleaseOnCancel does: no
   * holder, a duration of one second. The update carries the resourceVersion read, so it never
   * overwrites a Lease another replica has taken meanwhile.
   */
  static void releaseLease(KubernetesClient client, OperatorConfig.LeaderElection election) {
    try {
      Lease lease = client.leases().inNamespace(election.namespace()).withName(election.leaseName()).get();
      if (lease == null || lease.getSpec() == null || !election.identity().equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      var now = ZonedDateTime.now(ZoneOffset.UTC);
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setAcquireTime(now);
      lease.getSpec().setRenewTime(now);
      client.resource(lease).update();
      LOG.info("Released the leader Lease {}", election.leaseName());
    } catch (KubernetesClientException e) {
      LOG.warn("Could not release the leader Lease {} (the next leader waits for it to expire): {}",
          election.leaseName(), e.getMessage());
    }
  }
}
