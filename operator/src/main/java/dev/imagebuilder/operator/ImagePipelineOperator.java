package dev.imagebuilder.operator;

import dev.imagebuilder.operator.ecs.ImagePipelines;
import dev.imagebuilder.operator.reconciler.ImagePipelineWatchReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The operator, wired in one place for production, the demo and the tests. */
public final class ImagePipelineOperator implements AutoCloseable {

  private final Operator operator;
  private final ExecutorService writers;

  private ImagePipelineOperator(Operator operator, ExecutorService writers) {
    this.operator = operator;
    this.writers = writers;
  }

  /** Registers the reconciler and starts the informers; returns once caches are synced. */
  public static ImagePipelineOperator start(
      KubernetesClient client, OperatorConfig config, ImagePipelines ecs) {
    return start(client, config, ecs, Clock.systemUTC());
  }

  /** As {@link #start(KubernetesClient, OperatorConfig, ImagePipelines)}, on the given clock. */
  public static ImagePipelineOperator start(
      KubernetesClient client, OperatorConfig config, ImagePipelines ecs, Clock clock) {
    ExecutorService writers = Executors.newFixedThreadPool(config.childWriteConcurrency());
    // JSON patches of status rather than server-side apply: the operator is the only writer of
    // status, and the same requests then work on a real API server and on the embedded one of the
    // demo and tests, which does not support apply patches.
    var operator =
        new Operator(
            o -> o.withKubernetesClient(client).withUseSSAToPatchPrimaryResource(false).withCloseClientOnStop(false));
    var reconciler = new ImagePipelineWatchReconciler(ecs, writers, config.retry(), clock, new SecureRandom());
    operator.register(
        reconciler,
        o -> {
          if (!config.namespaces().isEmpty()) {
            o.settingNamespaces(new HashSet<>(config.namespaces()));
          }
        });
    operator.start();
    return new ImagePipelineOperator(operator, writers);
  }

  @Override
  public void close() {
    operator.stop();
    writers.shutdownNow();
  }

}
