package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The image, installed by the Helm chart, running as real pods on the node of {@code make e2e}
 * (kubelet, containerd and runc, a bridge pod network, kube-proxy): what only a pod shows. The
 * pods reach the API server through the "kubernetes" Service and the ECS simulator through a relay
 * on the host's end of the node's link; the test reaches pods and Services through the host's
 * routes into the node. Measurements (handover, shutdown, memory) are written to
 * target/e2e/pod-measurements.txt, never asserted on.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodInstallIT {

  static final Path CHART = RealCluster.REPO.resolve("helm/image-pipeline-operator");
  static final String REGION = "cn-beijing";
  static final String KEY_ID = "LTAI5tPodE2e";
  static final String KEY_SECRET = "pod-e2e-secret-value";
  static final String RELEASE = "pod";
  static final String FULLNAME = "pod-image-pipeline-operator";
  static final String PIPELINE = "ip-podpages";
  static final int PAGES_EXECUTIONS = 250;
  static final int LARGE = 10_000;
  static final Path LOGS = Path.of("target", "e2e");
  static final Path MEASUREMENTS = LOGS.resolve("pod-measurements.txt");

  static RealCluster cluster;
  static Map<String, String> node;
  static EcsSimulator ecs;
  static TcpRelay relay;
  static String ns;
  static String team;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void setUp() throws IOException {
    node = nodeEnv();
    cluster = new RealCluster();
    cluster.applyCrds();
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    relay = new TcpRelay(InetAddress.getByName(node.get("KUBE_NODE_HOST_IP")),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), ecs.port()));
    ns = cluster.freshNamespace("pod");
    team = cluster.freshNamespace("pod-team");
    Files.createDirectories(LOGS);
    Files.writeString(MEASUREMENTS, "");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null && ns != null) {
      cluster.helm("uninstall", RELEASE, "-n", ns, "--wait");
      cluster.applyCrds();
    }
    if (relay != null) {
      relay.close();
    }
    if (ecs != null) {
      ecs.close();
    }
  }

  /** What `.ci/kube.sh start` wrote beside the kubeconfig; the node must be there. */
  static Map<String, String> nodeEnv() throws IOException {
    Path env = Path.of(System.getenv("E2E_KUBECONFIG")).toAbsolutePath().resolveSibling("env");
    Map<String, String> values = new HashMap<>();
    for (String line : Files.readAllLines(env)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    // `make e2e E2E_NODE=1` starts the node; without it there is nothing to run pods on.
    Assumptions.assumeTrue("1".equals(values.get("KUBE_NODE")), "the cluster has no node (make e2e E2E_NODE=1)");
    return values;
  }

  @Test
  @Order(1)
  void installsWithDefaultValuesAndRunsUnprivilegedWithPassingProbes() throws Exception {
    adoptCrds();
    cluster.client.resource(new SecretBuilder().withNewMetadata().withName("ecs-credentials").endMetadata()
        .addToStringData("access-key-id", KEY_ID).addToStringData("access-key-secret", KEY_SECRET).build())
        .inNamespace(ns).create();

    var install = cluster.helm("install", RELEASE, CHART.toString(), "-n", ns, "--wait", "--timeout", "4m",
        "--set", "credentials.secret.name=ecs-credentials",
        "--set", "ecs.endpoint=" + relay.endpoint(), "--set", "ecs.protocol=http");
    assertThat(install.exitCode()).as(install.stderr() + describePods()).isZero();

    Deployment deployment = cluster.client.apps().deployments().inNamespace(ns).withName(FULLNAME).get();
    assertThat(deployment.getStatus().getConditions())
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Available");
          assertThat(c.getStatus()).isEqualTo("True");
        });
    Pod pod = onlyPod();
    assertThat(pod.getSpec().getNodeName()).isEqualTo(node.get("KUBE_NODE_NAME"));
    var status = pod.getStatus().getContainerStatuses().get(0);
    assertThat(status.getReady()).as("readiness probe passing").isTrue();
    assertThat(status.getStarted()).as("startup probe passed").isTrue();
    assertThat(status.getRestartCount()).as("restarts").isZero();
    assertThat(status.getImage()).endsWith("image-pipeline-operator:" + chartAppVersion());

    // The probes' endpoints, straight at the pod's address.
    String podUrl = "http://" + pod.getStatus().getPodIP() + ":8080";
    assertThat(get(podUrl + "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(podUrl + "/readyz").statusCode()).isEqualTo(200);

    var id = exec(pod, "id");
    assertThat(id.output()).contains("uid=65532").contains("gid=65532");
    var root = exec(pod, "touch", "/probe");
    assertThat(root.exitCode()).isNotZero();
    assertThat(root.output()).contains("Read-only file system");
    assertThat(exec(pod, "touch", "/tmp/probe").exitCode()).as("/tmp is a writable emptyDir").isZero();
  }

  @Test
  @Order(2)
  void mirrorsAWatchOfSeveralPagesFromThePod() {
    ecs.addPipeline(REGION, PIPELINE);
    ecs.addExecutions(REGION, PIPELINE, PAGES_EXECUTIONS, "BUILDING");
    createWatch("pages", PIPELINE, 100);

    await("all " + PAGES_EXECUTIONS + " children", () -> children().size() == PAGES_EXECUTIONS);
    await("watch Ready", () -> "True".equals(condition("pages", "Ready")));
    assertThat(ecs.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).as("pages requested").isGreaterThanOrEqualTo(3);
  }

  @Test
  @Order(3)
  void servesMetricsThroughTheService() throws Exception {
    var service = cluster.client.services().inNamespace(ns).withName(FULLNAME + "-metrics").get();
    String url = "http://" + service.getSpec().getClusterIP() + ":" + service.getSpec().getPorts().get(0).getPort() + "/metrics";
    // kube-proxy writes the Service's rules shortly after the endpoint becomes ready.
    await("/metrics through the ClusterIP", () -> {
      try {
        var response = get(url);
        return response.statusCode() == 200 && response.body().contains("imagebuilder_watch_ready");
      } catch (IOException e) {
        return false;
      }
    });
  }

  @Test
  @Order(4)
  void anUpgradeRollsThePodAndKeepsEveryChildOnce() throws Exception {
    Pod before = onlyPod();
    Map<String, String> uids = childUids();
    assertThat(uids).hasSize(PAGES_EXECUTIONS);

    var upgrade = cluster.helm("upgrade", RELEASE, CHART.toString(), "-n", ns, "--reuse-values", "--wait", "--timeout", "4m",
        "--set", "logLevel=DEBUG");
    assertThat(upgrade.exitCode()).as(upgrade.stderr() + describePods()).isZero();
    await("the old pod gone", () -> pods().stream().noneMatch(p -> p.getMetadata().getUid().equals(before.getMetadata().getUid())));
    Pod after = onlyPod();
    assertThat(after.getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> {
          assertThat(e.getName()).isEqualTo("LOG_LEVEL");
          assertThat(e.getValue()).isEqualTo("DEBUG");
        });

    String added = ecs.addExecution(REGION, PIPELINE, "BUILDING");
    requestReconcile("pages", "after-upgrade");
    await("the new pod mirrors a new execution", () -> child(added) != null);
    Map<String, String> now = childUids();
    assertThat(now).hasSize(PAGES_EXECUTIONS + 1);
    uids.forEach((name, uid) -> assertThat(now).as("child %s kept as the same object", name).containsEntry(name, uid));
  }

  @Test
  @Order(5)
  void theSyncOfTenThousandExecutionsStaysInsideTheMemoryLimit() throws Exception {
    String pipeline = "ip-podlarge";
    ecs.addPipeline(REGION, pipeline);
    ecs.addExecutions(REGION, pipeline, LARGE, "BUILDING");
    String large = cluster.freshNamespace("pod-large");
    Pod pod = onlyPod();
    long start = System.nanoTime();
    createWatch(large, "large", pipeline, 500);
    // One CPU for the pod on a shared machine: the sync takes minutes, so a longer convergence wait.
    long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    while (cluster.client.resources(ImagePipelineExecution.class).inNamespace(large).list().getItems().size() != LARGE) {
      assertThat(System.nanoTime()).as("all %d children within 15 minutes", LARGE).isLessThan(deadline);
      Thread.sleep(2000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Pod afterSync = onlyPod();
    var status = afterSync.getStatus().getContainerStatuses().get(0);
    assertThat(status.getRestartCount()).as("restarts (an OOM kill would be one)").isZero();
    assertThat(afterSync.getMetadata().getUid()).isEqualTo(pod.getMetadata().getUid());

    Path cgroup = containerCgroup("memory", status.getContainerID());
    long peakCgroup = Long.parseLong(Files.readString(cgroup.resolve("memory.max_usage_in_bytes")).trim());
    long limit = Long.parseLong(Files.readString(cgroup.resolve("memory.limit_in_bytes")).trim());
    assertThat(limit).as("the chart's default limit").isEqualTo(512L * 1024 * 1024);
    String pid = Files.readAllLines(cgroup.resolve("cgroup.procs")).get(0).trim();
    Map<String, String> proc = Files.readAllLines(Path.of("/proc", pid, "status")).stream()
        .filter(l -> l.startsWith("Vm"))
        .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).trim()));
    record("10k sync in the pod: %.1f s; peak RSS (VmHWM) %s, RSS now %s; cgroup peak %d MiB of %d MiB",
        seconds, proc.get("VmHWM"), proc.get("VmRSS"), peakCgroup >> 20, limit >> 20);
    assertThat(peakCgroup).as("peak memory of the container").isLessThan(limit);
  }

  @Test
  @Order(6)
  void withTwoReplicasTheLeaseMovesWhenTheLeaderPodIsDeletedAndPollingGoesOn() throws Exception {
    var upgrade = cluster.helm("upgrade", RELEASE, CHART.toString(), "-n", ns, "--reuse-values", "--wait", "--timeout", "4m",
        "--set", "replicaCount=2");
    assertThat(upgrade.exitCode()).as(upgrade.stderr() + describePods()).isZero();
    await("two ready pods", () -> pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(PodInstallIT::ready).count() == 2);
    Set<String> names = pods().stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    await("a leader among the pods", () -> names.contains(holder()));
    String leader = holder();
    Lease lease = lease();

    // The terminated state of the leader's container, as the kubelet reports it before the pod goes.
    Map<String, ContainerStateTerminated> terminated = new ConcurrentHashMap<>();
    try (var watch = cluster.client.pods().inNamespace(ns).withName(leader).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
          pod.getStatus().getContainerStatuses().stream()
              .filter(s -> s.getState() != null && s.getState().getTerminated() != null)
              .forEach(s -> terminated.put(leader, s.getState().getTerminated()));
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      long deleted = System.nanoTime();
      cluster.client.pods().inNamespace(ns).withName(leader).delete();
      await("another pod takes the Lease", () -> {
        String h = holder();
        return h != null && !h.isEmpty() && !h.equals(leader);
      });
      double handover = (System.nanoTime() - deleted) / 1e9;
      await("the old leader's container terminated", () -> terminated.containsKey(leader));
      await("the old leader pod gone", () -> cluster.client.pods().inNamespace(ns).withName(leader).get() == null);
      var end = terminated.get(leader);
      record("leader failover: pod %s deleted, the Lease held by %s after %.1f s (Lease duration %d s);"
          + " the old container exited with code %d (%s)", leader, holder(), handover,
          lease.getSpec().getLeaseDurationSeconds(), end.getExitCode(), end.getReason());
      // SIGKILL after the grace period would show as 137: the operator stopped on SIGTERM.
      assertThat(end.getExitCode()).as("exit code on SIGTERM").isNotEqualTo(137);
    }

    String added = ecs.addExecution(REGION, PIPELINE, "BUILDING");
    requestReconcile("pages", "after-failover");
    await("the new leader mirrors a new execution", () -> child(added) != null);
    assertThat(children()).hasSize(PAGES_EXECUTIONS + 2);
  }

  @Test
  @Order(7)
  void uninstallRemovesEverythingButTheKeptCrds() throws Exception {
    var uninstall = cluster.helm("uninstall", RELEASE, "-n", ns, "--wait", "--timeout", "2m");
    assertThat(uninstall.exitCode()).as(uninstall.stderr()).isZero();
    await("the pods gone", () -> pods().isEmpty());
    assertThat(cluster.client.apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(cluster.client.services().inNamespace(ns).list().getItems()).isEmpty();
    assertThat(cluster.client.serviceAccounts().inNamespace(ns).withName(FULLNAME).get()).isNull();
    assertThat(cluster.client.rbac().clusterRoles().withName(ns + "-" + FULLNAME).get()).isNull();
    assertThat(cluster.client.rbac().clusterRoleBindings().withName(ns + "-" + FULLNAME).get()).isNull();
    for (String crd : List.of("imagepipelinewatches.ecs.imagebuilder.dev", "imagepipelineexecutions.ecs.imagebuilder.dev")) {
      assertThat(cluster.client.apiextensions().v1().customResourceDefinitions().withName(crd).get()).as(crd).isNotNull();
    }
    assertThat(children()).as("the mirrored executions stay with the CRDs").hasSize(PAGES_EXECUTIONS + 2);
    ns = null;
  }

  // ------------------------------------------------------------------ helpers

  /** Lets this release take over CRDs that crds/ or another test's release installed. */
  static void adoptCrds() throws Exception {
    for (String crd : List.of("imagepipelinewatches.ecs.imagebuilder.dev", "imagepipelineexecutions.ecs.imagebuilder.dev")) {
      assertThat(cluster.kubectl("label", "crd", crd, "--overwrite", "app.kubernetes.io/managed-by=Helm").exitCode()).isZero();
      assertThat(cluster.kubectl("annotate", "crd", crd, "--overwrite",
          "meta.helm.sh/release-name=" + RELEASE, "meta.helm.sh/release-namespace=" + ns).exitCode()).isZero();
    }
  }

  static String chartAppVersion() throws IOException {
    return Files.readAllLines(CHART.resolve("Chart.yaml")).stream().filter(l -> l.startsWith("appVersion:"))
        .map(l -> l.substring("appVersion:".length()).trim().replace("\"", "")).findFirst().orElseThrow();
  }

  static List<Pod> pods() {
    return cluster.client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", RELEASE).list().getItems();
  }

  static Pod onlyPod() {
    await("one running pod", () -> {
      var live = pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
      return live.size() == 1 && ready(live.get(0));
    });
    return pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).findFirst().orElseThrow();
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  static String describePods() throws Exception {
    return "\n" + cluster.kubectl("describe", "pods", "-n", ns).output();
  }

  static RealCluster.Result exec(Pod pod, String... command) throws Exception {
    List<String> args = new ArrayList<>(List.of("exec", "-n", ns, pod.getMetadata().getName(), "--"));
    args.addAll(List.of(command));
    return cluster.kubectl(args.toArray(String[]::new));
  }

  static HttpResponse<String> get(String url) throws IOException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** The container's cgroup directory in one hierarchy, found by its ID under the node's cgroup root. */
  static Path containerCgroup(String hierarchy, String containerId) throws IOException {
    String id = containerId.substring(containerId.indexOf("://") + 3);
    Path root = Path.of("/sys/fs/cgroup", hierarchy, node.get("KUBE_NODE_CGROUP_ROOT"));
    try (Stream<Path> dirs = Files.walk(root)) {
      return dirs.filter(p -> p.getFileName().toString().equals(id)).findFirst()
          .orElseThrow(() -> new AssertionError("no cgroup of container " + id + " under " + root));
    }
  }

  static void createWatch(String name, String pipeline, int pageSize) {
    createWatch(team, name, pipeline, pageSize);
  }

  static void createWatch(String namespace, String name, String pipeline, int pageSize) {
    String yaml =
        """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineWatch
        metadata:
          name: %s
        spec:
          regionId: %s
          imagePipelineId: %s
          pageSize: %d
          interval: 1h
        """
            .formatted(name, REGION, pipeline, pageSize);
    cluster.client.resource(Serialization.unmarshal(yaml, ImagePipelineWatch.class)).inNamespace(namespace).create();
  }

  static void requestReconcile(String watch, String value) {
    cluster.client.resources(ImagePipelineWatch.class).inNamespace(team).withName(watch).edit(w -> {
      if (w.getMetadata().getAnnotations() == null) {
        w.getMetadata().setAnnotations(new HashMap<>());
      }
      w.getMetadata().getAnnotations().put(ImagePipelineWatch.RECONCILE_REQUESTED_AT, value);
      return w;
    });
  }

  static String condition(String name, String type) {
    var w = cluster.client.resources(ImagePipelineWatch.class).inNamespace(team).withName(name).get();
    if (w == null || w.getStatus() == null || w.getStatus().getConditions() == null) {
      return null;
    }
    return w.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(c -> c.getStatus()).findFirst().orElse(null);
  }

  static List<ImagePipelineExecution> children() {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(team).list().getItems();
  }

  static Map<String, String> childUids() {
    return children().stream().collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getMetadata().getUid()));
  }

  static ImagePipelineExecution child(String executionId) {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(team).withName(executionId).get();
  }

  static Lease lease() {
    return cluster.client.leases().inNamespace(ns).withName(FULLNAME).get();
  }

  static String holder() {
    Lease lease = lease();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static void record(String format, Object... args) throws IOException {
    String line = String.format(format, args);
    System.out.println("PodInstallIT: " + line);
    Files.writeString(MEASUREMENTS, line + "\n", java.nio.file.StandardOpenOption.APPEND);
  }
}
