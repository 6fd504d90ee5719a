package dev.imagebuilder.operator;

import dev.imagebuilder.operator.ecs.EcsProxy;
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
    var kubeConfig = KubernetesClients.config();
    logProxies(config, kubeConfig);
    io.fabric8.kubernetes.client.KubernetesClient client;
    try {
      client = KubernetesClients.build(kubeConfig);
    } catch (RuntimeException e) {
      // Say why, rather than "An error has occurred": most often a NO_PROXY entry with a space or
      // a '*', which the client refuses. The cause may quote a proxy URL, password and all.
      LOG.error(
          "Invalid configuration: the Kubernetes client refuses its settings (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, "
              + "NO_PROXY or the kubeconfig): {}",
          EcsProxy.redact(rootMessage(e)));
      System.exit(2);
      return;
    }
    var operator = ImagePipelineOperator.start(client, config, new com.aliyun.credentials.Client());
    LOG.info(
        "Operator started; namespaces: {}; watch selector: {}; probes on port {}; metrics on port {} ({})",
        config.namespaces().isEmpty() ? "all" : config.namespaces(),
        config.watchSelector() == null ? "none" : config.watchSelector(),
        operator.httpPort(),
        operator.metricsPort(),
        config.metricsEndpoint().secure() ? "https, bearer token reviewed by the API server" : "plain http, METRICS_SECURE=false");
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

  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  /**
   * Which proxy each client uses, never with its user or password. The two are set apart: ECS_PROXY
   * reaches only the ECS clients, and HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY (or the
   * kubeconfig's proxy-url) only the Kubernetes client.
   */
  private static void logProxies(OperatorConfig config, io.fabric8.kubernetes.client.Config kubeConfig) {
    if (config.ecs().proxy() != null) {
      LOG.info("ECS calls go through the proxy {} (ECS_PROXY)", config.ecs().proxy());
    }
    String kubeProxy = kubeConfig.getMasterUrl() != null && kubeConfig.getMasterUrl().startsWith("http:")
        ? kubeConfig.getHttpProxy()
        : kubeConfig.getHttpsProxy();
    if (kubeProxy != null && !kubeProxy.isBlank()) {
      LOG.info(
          "The Kubernetes client reaches {} through the proxy {} (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY or the "
              + "kubeconfig) unless NO_PROXY {} names that host; ECS calls do not use it",
          kubeConfig.getMasterUrl(),
          EcsProxy.redact(kubeProxy),
          kubeConfig.getNoProxy() == null ? "[]" : java.util.Arrays.toString(kubeConfig.getNoProxy()));
    }
  }
}
