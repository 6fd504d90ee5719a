package dev.imagebuilder.operator;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the operator against the current kubeconfig or in-cluster configuration; {@code demo} as
 * the first argument runs the laptop demo instead (the only path that starts a simulator).
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("demo")) {
      dev.imagebuilder.operator.demo.Demo.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      LOG.error("Invalid configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    var client = new KubernetesClientBuilder().build();
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
