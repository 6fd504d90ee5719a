package dev.imagebuilder.operator;

import dev.imagebuilder.operator.ecs.SdkImagePipelines;
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
    var client = new KubernetesClientBuilder().build();
    var ecs = new SdkImagePipelines(config.ecs(), new com.aliyun.credentials.Client());
    var operator = ImagePipelineOperator.start(client, config, ecs);
    LOG.info("Operator started; namespaces: {}", config.namespaces().isEmpty() ? "all" : config.namespaces());
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
