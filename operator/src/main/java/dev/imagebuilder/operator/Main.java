package dev.imagebuilder.operator;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the operator against the current kubeconfig or in-cluster configuration. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      LOG.error("Invalid configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    // The client's own retries (up to ten, doubling from 100 ms) would hold a failing write for
    // about 20 s: the reconciler backs off by itself, and must hear of a failure at once to be
    // back within one interval of an API server outage.
    var kubeConfig = new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.autoConfigure(null))
        .withRequestRetryBackoffLimit(1)
        .build();
    var client = new KubernetesClientBuilder().withConfig(kubeConfig).build();
    var operator = ImagePipelineOperator.start(client, config, new com.aliyun.credentials.Client());
    LOG.info(
        "Operator started; namespaces: {}; watch selector: {}; probes and metrics on port {}",
        config.namespaces().isEmpty() ? "all" : config.namespaces(),
        config.watchSelector() == null ? "none" : config.watchSelector(),
        operator.httpPort());
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.close();
                  client.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
