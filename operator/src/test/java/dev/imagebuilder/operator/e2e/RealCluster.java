package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real kube-apiserver (with etcd and the garbage collector) that {@code make e2e} starts, and
 * what the tests need around it: a client, kubectl, the committed CRDs and fresh namespaces.
 */
final class RealCluster {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  final Path kubeconfig;
  final KubernetesClient client;

  RealCluster() {
    String path = System.getenv("E2E_KUBECONFIG");
    if (path == null || path.isBlank()) {
      throw new IllegalStateException("E2E_KUBECONFIG is not set: run the end-to-end tests with `make e2e`");
    }
    kubeconfig = Path.of(path);
    try {
      client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString()))
              .build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Applies every CRD under crds/ and waits until the API server serves them. */
  void applyCrds() throws IOException {
    try (var files = Files.list(REPO.resolve("crds"))) {
      for (Path file : files.sorted().toList()) {
        try (var in = Files.newInputStream(file)) {
          var crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
          client.resource(crd).forceConflicts().serverSideApply();
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd.getMetadata().getName())
              .waitUntilCondition(RealCluster::established, 60, TimeUnit.SECONDS);
        }
      }
    }
  }

  static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
  }

  String freshNamespace(String prefix) {
    return freshNamespace(prefix, Map.of());
  }

  /** A new namespace with these labels, e.g. {@link #RESTRICTED} for Pod Security Admission. */
  String freshNamespace(String prefix, Map<String, String> labels) {
    String name = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build())
        .create();
    return name;
  }

  /** Pod Security Admission's strictest profile, enforced at the server's own version. */
  static final Map<String, String> RESTRICTED =
      Map.of("pod-security.kubernetes.io/enforce", "restricted", "pod-security.kubernetes.io/enforce-version", "latest");

  /** kubectl against this cluster; its combined output and exit code. */
  Result kubectl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(kubectlBinary());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("kubectl %s finished", args[0]).isTrue();
    return new Result(p.exitValue(), out);
  }

  record Result(int exitCode, String output) {}

  /** helm against this cluster: its exit code, and stdout and stderr apart (a clean run writes no stderr). */
  Output helm(String... args) throws IOException, InterruptedException {
    return run(helmBinary(), args);
  }

  /** kubectl against this cluster, with stdout and stderr apart (for output that is data, such as -o yaml). */
  Output kubectlApart(String... args) throws IOException, InterruptedException {
    return run(kubectlBinary(), args);
  }

  private Output run(String binary, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary);
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    Path stderr = Files.createTempFile("e2e", ".stderr");
    try {
      Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("%s %s finished", binary, args[0]).isTrue();
      return new Output(p.exitValue(), out, Files.readString(stderr));
    } finally {
      Files.deleteIfExists(stderr);
    }
  }

  record Output(int exitCode, String stdout, String stderr) {}

  static String helmBinary() {
    String fromEnv = System.getenv("HELM");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    Path tools = REPO.resolve(".tools/bin/helm");
    return Files.isExecutable(tools) ? tools.toString() : "helm";
  }

  private static Path packagedChart;

  /**
   * The chart as a release ships it: the package {@code make e2e} has {@code make release} write
   * to dist/ ({@code $E2E_CHART}), else {@code helm package} of helm/image-pipeline-operator into
   * target/e2e/chart. Installing the package rather than the directory proves what users install:
   * .helmignore, Chart.yaml and every file the templates read are in it.
   */
  synchronized Path chart() throws IOException, InterruptedException {
    if (packagedChart == null) {
      String fromEnv = System.getenv("E2E_CHART");
      if (fromEnv != null && !fromEnv.isBlank()) {
        packagedChart = Path.of(fromEnv).toAbsolutePath();
      } else {
        Path dir = Path.of("target", "e2e", "chart").toAbsolutePath();
        Files.createDirectories(dir);
        var out = run(helmBinary(), "package", REPO.resolve("helm/image-pipeline-operator").toString(), "-d", dir.toString());
        assertThat(out.exitCode()).as("helm package: %s", out.stderr()).isZero();
        try (var files = Files.list(dir)) {
          packagedChart = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst().orElseThrow();
        }
      }
      assertThat(packagedChart).as("the chart package").isRegularFile();
    }
    return packagedChart;
  }

  /**
   * A kubeconfig that authenticates as a ServiceAccount, with a token the API server issues for it
   * (TokenRequest, an hour) and the admin kubeconfig's server and CA: what a pod of that
   * ServiceAccount would present to the API server.
   */
  Path kubeconfigFor(String namespace, String serviceAccount, Path file) throws IOException {
    var accounts = client.serviceAccounts().inNamespace(namespace).withName(serviceAccount);
    await("the ServiceAccount " + namespace + "/" + serviceAccount, () -> accounts.get() != null);
    String token = accounts
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
    assertThat(token).as("a token for %s/%s", namespace, serviceAccount).isNotBlank();

    YAMLMapper yaml = new YAMLMapper();
    var config = (ObjectNode) yaml.readTree(kubeconfig.toFile());
    String clusterName = config.path("clusters").path(0).path("name").asText();
    String user = "system:serviceaccount:" + namespace + ":" + serviceAccount;
    var users = config.putArray("users").addObject();
    users.put("name", user);
    users.putObject("user").put("token", token);
    var context = config.putArray("contexts").addObject();
    context.put("name", user);
    context.putObject("context").put("cluster", clusterName).put("user", user).put("namespace", namespace);
    config.put("current-context", user);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, yaml.writeValueAsString(config));
    return file.toAbsolutePath();
  }

  /** Convergence wait, not a timing assertion: fails only if the state never arrives. */
  static void await(String what, BooleanSupplier condition) {
    await(what, Duration.ofSeconds(120), condition);
  }

  /** Convergence wait with a deadline: fails if the state has not arrived within {@code limit}. */
  static void await(String what, Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what);
  }

  static String kubectlBinary() {
    String fromEnv = System.getenv("KUBECTL");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    Path tools = REPO.resolve(".tools/bin/kubectl");
    if (Files.isExecutable(tools)) {
      return tools.toString();
    }
    return "kubectl";
  }

  /**
   * The value of OWN_CREDENTIALS_GRANTS (and of the chart's ownCredentials.grants) that lets each
   * of these namespaces poll every pipeline with the operator's own credentials.
   */
  static String grantsToAll(String... namespaces) {
    return java.util.Arrays.stream(namespaces).map(n -> "{\"namespace\":\"" + n + "\",\"pipelines\":[\"*\"]}")
        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  /**
   * The built operator jar against the ECS simulator with one account's AccessKey, logging to
   * target/e2e/{@code logName}; {@code more} adds to or overrides that environment.
   */
  Process startOperator(EcsSimulator ecs, String keyId, String keySecret, Map<String, String> more, String logName)
      throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("ECS_ENDPOINT", ecs.endpoint());
    env.put("ECS_PROTOCOL", "http");
    env.put("ALIBABA_CLOUD_ACCESS_KEY_ID", keyId);
    env.put("ALIBABA_CLOUD_ACCESS_KEY_SECRET", keySecret);
    env.putAll(more);
    Path logs = Path.of("target", "e2e");
    Files.createDirectories(logs);
    return startOperator(env, logs.resolve(logName));
  }

  /**
   * Kills an operator this test started (null: none) with SIGKILL, as a crash would, and waits for
   * it to be gone. (How SIGTERM ends the operator is PodInstallIT's and LeaseReleaseTest's case.)
   */
  static void stopOperator(Process operator) throws InterruptedException {
    if (operator != null) {
      operator.destroyForcibly();
      operator.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** `kubectl auth can-i {@code args}` as {@code user} (the admin may impersonate anyone). */
  boolean canI(String user, String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("auth", "can-i"));
    all.addAll(List.of(args));
    all.add("--as=" + user);
    var result = kubectl(all.toArray(String[]::new));
    List<String> lines = result.output().lines().map(String::trim).toList();
    if (result.exitCode() == 0 && lines.contains("yes")) {
      return true;
    }
    if (result.exitCode() == 1 && lines.stream().anyMatch(l -> l.equals("no") || l.startsWith("no - "))) {
      return false;
    }
    throw new AssertionError("kubectl " + String.join(" ", all) + " answered " + result.exitCode() + ": " + result.output());
  }

  /** The built operator jar, run as its own process as a cluster would run the image. */
  Process startOperator(Map<String, String> env, Path log) throws IOException {
    Path jar = REPO.resolve("operator/target/image-pipeline-operator.jar");
    assertThat(jar).as("the operator jar; run `make build`").exists();
    var builder =
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // Nor a proxy of the machine that runs the tests: the Kubernetes client would read it.
    builder.environment().keySet().removeIf(k -> k.startsWith("ALIBABA_CLOUD_") || k.startsWith("ECS_")
        || List.of("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY").contains(k.toUpperCase(Locale.ROOT)));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    // Several operators run at once here: /metrics on a free port unless a test names one.
    builder.environment().put("METRICS_PORT", "0");
    builder.environment().putAll(env);
    Process operator = builder.start();
    // Stopped with the test JVM too, should that be ended (SIGTERM) before the test stops it.
    Runtime.getRuntime().addShutdownHook(new Thread(operator::destroyForcibly));
    return operator;
  }
}
