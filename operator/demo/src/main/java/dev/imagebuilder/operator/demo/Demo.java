package dev.imagebuilder.operator.demo;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.imagebuilder.operator.ImagePipelineOperator;
import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.demo.kube.EmbeddedKubernetes;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import dev.imagebuilder.operator.simulator.LiveScenario;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * The whole product on a laptop, in one process: an embedded Kubernetes API that kubectl can use,
 * the ECS simulator in live mode, and the operator configured exactly as in production (the same
 * environment variables and credentials chain, pointed at the simulator). Everything listens on 127.0.0.1 only, so
 * nothing is reachable from the network; the API server also answers only the token of the kubeconfig it writes
 * (a file only its owner can read), so other users of a shared machine cannot use it.
 */
public final class Demo implements AutoCloseable {

  public static final String NAMESPACE = "demo";
  public static final String REGION = "cn-hangzhou";
  /** The sample watches, also shown in the README. */
  public static final List<String> SAMPLES = List.of("demo/nightly.yaml", "demo/release-builds.yaml");

  private static final String DEMO_KEY_ID = "LTAI5tDemoAccessKey";
  private static final String DEMO_KEY_SECRET = "demo-secret-not-for-real-use";

  private final EmbeddedKubernetes kube;
  private final EcsSimulator ecs;
  private final LiveScenario scenario;
  private final ImagePipelineOperator operator;
  private final Path kubeconfig;

  private Demo(EmbeddedKubernetes kube, EcsSimulator ecs, LiveScenario scenario, ImagePipelineOperator operator, Path kubeconfig) {
    this.kube = kube;
    this.ecs = ecs;
    this.scenario = scenario;
    this.operator = operator;
    this.kubeconfig = kubeconfig;
  }

  /**
   * Starts everything. {@code env} is the process environment: the operator reads its settings
   * from it as in production, with the simulator's endpoint and a demo key filled in where unset.
   */
  public static Demo start(int kubePort, Path kubeconfig, Duration tick, Map<String, String> env) throws IOException {
    // First, before anything starts: real credentials never go over plain http.
    ClearTextCredentials.refuseOverHttp(withDemoDefaults(env));
    var kube = EmbeddedKubernetes.start(kubePort);
    kube.writeKubeconfig(kubeconfig);
    KubernetesClient client = kube.client();
    applyCrds(client);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).createOr(r -> r.update());

    Map<String, String> operatorEnv = new HashMap<>(env);
    var ecs = EcsSimulator.start();
    operatorEnv.putIfAbsent("ECS_ENDPOINT", ecs.endpoint());
    operatorEnv.putIfAbsent("ECS_PROTOCOL", "http");
    operatorEnv.putIfAbsent("HTTP_PORT", "0");
    operatorEnv.putIfAbsent("METRICS_PORT", "0");
    // Loopback only (below), and the embedded API server reviews no tokens.
    operatorEnv.putIfAbsent("METRICS_SECURE", "false");
    // The demo's watches poll with the operator's own (demo) key: its namespace is granted it.
    operatorEnv.putIfAbsent("OWN_CREDENTIALS_GRANTS", "[{\"namespace\":\"" + NAMESPACE + "\",\"pipelines\":[\"*\"]}]");
    // Not putIfAbsent: an HTTP_BIND_ADDRESS meant for a cluster must not expose a laptop's metrics.
    operatorEnv.put("HTTP_BIND_ADDRESS", "127.0.0.1");
    if (operatorEnv.containsKey("ALIBABA_CLOUD_ACCESS_KEY_ID")) {
      ecs.credentials(operatorEnv.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), operatorEnv.getOrDefault("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ""));
    } else {
      // The first link of the credentials chain, so the operator's own lookup finds the demo key.
      System.setProperty("alibabacloud.accessKeyId", DEMO_KEY_ID);
      System.setProperty("alibabacloud.accessKeyIdSecret", DEMO_KEY_SECRET);
      ecs.credentials(DEMO_KEY_ID, DEMO_KEY_SECRET);
    }

    List<ImagePipelineWatch> samples = SAMPLES.stream().map(Demo::sample).toList();
    var scenarioBuilder = LiveScenario.on(ecs).tick(tick).newExecutionEvery(4).seed(42);
    for (var watch : samples) {
      scenarioBuilder.pipeline(REGION, watch.getSpec().getImagePipelineId());
      // Some finished history, so the first listing already has something to show.
      ecs.addExecutions(REGION, watch.getSpec().getImagePipelineId(), 3, "SUCCESS", "m-bp1history0000000" + samples.indexOf(watch), "Image created");
      ecs.addExecution(REGION, watch.getSpec().getImagePipelineId(), "TEST_FAILED", "m-bp1testfail000000" + samples.indexOf(watch), "Test command exited 1");
    }
    var scenario = scenarioBuilder.start();

    var config = OperatorConfig.fromEnvironment(operatorEnv);
    var operator = ImagePipelineOperator.start(client, config, new com.aliyun.credentials.Client());
    samples.forEach(w -> client.resource(w).createOr(r -> r.update()));
    return new Demo(kube, ecs, scenario, operator, kubeconfig);
  }

  /** The environment as the demo reads it: http unless ECS_PROTOCOL says otherwise. */
  static Map<String, String> withDemoDefaults(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("ECS_PROTOCOL", "http");
    return all;
  }

  public KubernetesClient client() {
    return kube.client();
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public EcsSimulator ecs() {
    return ecs;
  }

  /** Where the operator serves its probes and metrics. */
  public InetSocketAddress operatorHttpAddress() {
    return operator.httpAddress();
  }

  /** One line per watch: readiness, executions by status and the latest image. */
  public String summary() {
    var client = kube.client();
    StringBuilder out = new StringBuilder();
    for (var watch : client.resources(ImagePipelineWatch.class).inNamespace(NAMESPACE).list().getItems()) {
      var children =
          client.resources(ImagePipelineExecution.class).inNamespace(NAMESPACE)
              .withLabel(ImagePipelineExecution.WATCH_LABEL, watch.getMetadata().getName())
              .list().getItems();
      Map<String, Long> byStatus =
          children.stream()
              .map(c -> c.getStatus() == null ? "?" : c.getStatus().getPhase())
              .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
      var status = watch.getStatus();
      String ready =
          status == null ? "Unknown" : status.getConditions().stream()
              .filter(c -> c.getType().equals("Ready")).map(c -> c.getStatus()).findFirst().orElse("Unknown");
      out.append(String.format("%-16s Ready=%-7s %3d executions  %s  latest image %s%n",
          watch.getMetadata().getName(), ready, children.size(),
          byStatus.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")),
          status == null || status.getLatestSuccessfulImageId() == null ? "-" : status.getLatestSuccessfulImageId()));
    }
    return out.toString();
  }

  @Override
  public void close() {
    operator.close();
    scenario.close();
    ecs.close();
    kube.close();
  }

  static ImagePipelineWatch sample(String resource) {
    try (InputStream in = Objects.requireNonNull(Demo.class.getClassLoader().getResourceAsStream(resource), resource)) {
      return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in, ImagePipelineWatch.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void applyCrds(KubernetesClient client) throws IOException {
    for (String name : List.of("imagepipelinewatches.ecs.imagebuilder.dev-v1.yml", "imagepipelineexecutions.ecs.imagebuilder.dev-v1.yml")) {
      try (InputStream in = Objects.requireNonNull(Demo.class.getClassLoader().getResourceAsStream("crds/" + name), name)) {
        client.resource(client.apiextensions().v1().customResourceDefinitions().load(in).item()).createOr(r -> r.update());
      }
    }
  }

  /**
   * Sends every log line of this process to {@code file} instead of the terminal: the demo's
   * terminal shows the summary and the hints, and the operator's log is one {@code tail -f} away.
   */
  static void logTo(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    var context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    context.putProperty("DEMO_LOG_FILE", file.toAbsolutePath().toString());
    var configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(Objects.requireNonNull(Demo.class.getResource("/demo/logback.xml")));
    } catch (JoranException e) {
      throw new IOException("the demo's logback.xml", e);
    }
  }

  /** {@code java -jar image-pipeline-operator.jar demo}: runs until Ctrl-C. */
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(System.getenv().getOrDefault("DEMO_KUBE_PORT", "16443"));
    Path kubeconfig = Path.of(System.getenv().getOrDefault("DEMO_KUBECONFIG", "target/demo/kubeconfig")).toAbsolutePath();
    Path log = Path.of(System.getenv().getOrDefault("DEMO_LOG", "target/demo/operator.log")).toAbsolutePath();
    logTo(log);
    PrintStream out = System.out;
    Demo demo;
    try {
      demo = start(port, kubeconfig, Duration.ofSeconds(1), System.getenv());
    } catch (ClearTextCredentials e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      demo.close();
      stopped.countDown();
    }));
    out.printf("%nEmbedded Kubernetes API on %s (only with the token in the kubeconfig), ECS simulator on %s%n",
        demo.kube.url(), demo.ecs.endpoint());
    out.printf("The operator's log: %s%n", log);
    out.printf("In another terminal:%n  export KUBECONFIG=%s%n  kubectl get ipw,ipe -n demo%n", kubeconfig);
    out.printf("  kubectl wait --for=condition=Succeeded ipe -n demo -l ecs.imagebuilder.dev/status=success%n");
    out.printf("Ctrl-C stops everything.%n%n");
    while (stopped.getCount() > 0) {
      out.print(demo.summary());
      out.println();
      Thread.sleep(5000);
    }
  }
}
