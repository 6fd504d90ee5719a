package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
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
 * target/e2e/pod-measurements.txt; only the bounds that define the behaviour are asserted: the
 * container stays under its memory limit, the old leader exits before the grace period ends (when
 * the kubelet would kill it), and the Lease moves within its duration plus a standby's retry.
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
  /** The operator's leader election retry period (JOSDK's default). */
  static final int RETRY_PERIOD_SECONDS = 2;

  static RealCluster cluster;
  static Watches watches;
  static Map<String, String> node;
  static EcsSimulator ecs;
  static TcpRelay relay;
  static String ns;
  static String team;
  static String large;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void setUp() throws IOException {
    node = nodeEnv();
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    relay = new TcpRelay(InetAddress.getByName(node.get("KUBE_NODE_HOST_IP")),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), ecs.port()));
    // The operator's namespace enforces the restricted Pod Security profile, as a platform
    // team's namespaces for operators often do.
    ns = cluster.freshNamespace("pod", RealCluster.RESTRICTED);
    team = cluster.freshNamespace("pod-team");
    // Grants are read when the operator starts: every namespace its watches use exists first.
    large = cluster.freshNamespace("pod-large");
    Files.createDirectories(LOGS);
    Files.writeString(MEASUREMENTS, "");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null && ns != null) {
      cluster.helm("uninstall", RELEASE, "-n", ns, "--wait");
      MetricsReader.unbind(cluster, ns, "scraper");
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
    // `make e2e` starts the node when run as root; without it there is nothing to run pods on.
    // CI runs it with a node, so there a missing node fails instead of skipping.
    boolean hasNode = "1".equals(values.get("KUBE_NODE"));
    if ("true".equals(System.getenv("CI"))) {
      assertThat(hasNode).as("CI=true, but the cluster has no node (make e2e E2E_NODE=1)").isTrue();
    }
    Assumptions.assumeTrue(hasNode, "the cluster has no node (make e2e E2E_NODE=1)");
    return values;
  }

  @Test
  @Order(1)
  void installsWithDefaultValuesAndRunsUnprivilegedWithPassingProbes() throws Exception {
    // The namespace really enforces the restricted profile: a root Pod is refused there.
    var refused = cluster.kubectl("run", "root-probe", "-n", ns, "--image=registry.invalid/none:1",
        "--restart=Never", "--privileged");
    assertThat(refused.exitCode()).as(refused.output()).isNotZero();
    assertThat(refused.output()).contains("violates PodSecurity \"restricted:latest\"");
    adoptCrds();
    cluster.client.resource(new SecretBuilder().withNewMetadata().withName("ecs-credentials").endMetadata()
        .addToStringData("access-key-id", KEY_ID).addToStringData("access-key-secret", KEY_SECRET).build())
        .inNamespace(ns).create();

    var install = cluster.helm("install", RELEASE, cluster.chart().toString(), "-n", ns, "--wait", "--timeout", "4m",
        "--set", "credentials.secret.name=ecs-credentials",
        "--set-json", "ownCredentials.grants=" + RealCluster.grantsToAll(team, large),
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
    // Secure by default: HTTPS, and a token allowed to get /metrics.
    String url = "https://" + service.getSpec().getClusterIP() + ":" + service.getSpec().getPorts().get(0).getPort() + "/metrics";
    String token = MetricsReader.token(cluster, ns, "scraper", ns + "-" + FULLNAME + "-metrics-reader");
    // kube-proxy writes the Service's rules shortly after the endpoint becomes ready.
    await("/metrics through the ClusterIP", () -> {
      try {
        var response = MetricsReader.get(url, token);
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

    var upgrade = cluster.helm("upgrade", RELEASE, cluster.chart().toString(), "-n", ns, "--reuse-values", "--wait", "--timeout", "4m",
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
    Pod pod = onlyPod();
    long jvm = containerProcess(pod).pid();
    String load = loadAverage();
    long start = System.nanoTime();
    createWatch(large, "large", pipeline, 500);
    // One CPU for the pod on a shared machine: the sync takes minutes, so a longer convergence wait.
    // The heap in use is sampled every few seconds (jcmd from the node; a sample is not a peak).
    long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    long[] heap = {0, 0};
    for (int i = 0; countChildren(large) != LARGE; i++) {
      assertThat(System.nanoTime()).as("all %d children within 15 minutes", LARGE).isLessThan(deadline);
      if (i % 3 == 0) {
        long[] sample = heapKiB(jcmd(jvm, "GC.heap_info"));
        heap[0] = Math.max(heap[0], sample[0]);
        heap[1] = Math.max(heap[1], sample[1]);
      }
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
    long[] retained = heapKiB(jcmd(jvm, "GC.run") + jcmd(jvm, "GC.heap_info"));
    record("10k sync in the pod: %.1f s (%.0f children/s, load average before %s); peak RSS (VmHWM) %s, RSS after %s;"
        + " cgroup peak %d MiB of %d MiB; heap in use at most %d MiB of %d MiB committed (sampled), %d MiB after a full GC",
        seconds, LARGE / seconds, load, proc.get("VmHWM"), proc.get("VmRSS"), peakCgroup >> 20, limit >> 20,
        heap[0] >> 10, heap[1] >> 10, retained[0] >> 10);
    assertThat(peakCgroup).as("peak memory of the container").isLessThan(limit);
  }

  @Test
  @Order(6)
  void withTwoReplicasTheLeaseMovesWhenTheLeaderPodIsDeletedAndPollingGoesOn() throws Exception {
    var upgrade = cluster.helm("upgrade", RELEASE, cluster.chart().toString(), "-n", ns, "--reuse-values", "--wait", "--timeout", "4m",
        "--set", "replicaCount=2");
    assertThat(upgrade.exitCode()).as(upgrade.stderr() + describePods()).isZero();
    await("two ready pods", () -> pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(PodInstallIT::ready).count() == 2);
    Set<String> names = pods().stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    await("a leader among the pods", () -> names.contains(holder()));
    String leader = holder();
    Pod leaderPod = cluster.client.pods().inNamespace(ns).withName(leader).get();
    long grace = leaderPod.getSpec().getTerminationGracePeriodSeconds();
    int leaseSeconds = lease().getSpec().getLeaseDurationSeconds();
    // The JVM of the leader's container, seen from the node: the kubelet's status of a deleted pod
    // may never show the terminated container before the pod object is gone.
    ProcessHandle process = containerProcess(leaderPod);

    // Every version of the Lease from here on: the old leader must empty it when it stops.
    List<LeaseSpec> versions = new CopyOnWriteArrayList<>();
    try (var watch = cluster.client.leases().inNamespace(ns).withName(FULLNAME).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Lease lease) {
        versions.add(lease.getSpec());
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      long deleted = System.nanoTime();
      cluster.client.pods().inNamespace(ns).withName(leader).delete();
      Double exited = null;
      Double handover = null;
      long deadline = deleted + Duration.ofSeconds(grace + leaseSeconds + 30).toNanos();
      while ((exited == null || handover == null) && System.nanoTime() < deadline) {
        double since = (System.nanoTime() - deleted) / 1e9;
        if (exited == null && !process.isAlive()) {
          exited = since;
        }
        String h = holder();
        if (handover == null && h != null && !h.isEmpty() && !h.equals(leader)) {
          handover = since;
        }
        Thread.sleep(50);
      }
      assertThat(exited).as("the old leader's JVM exited").isNotNull();
      assertThat(handover).as("another pod took the Lease").isNotNull();
      record("leader failover: pod %s deleted; its JVM exited after %.1f s (grace period %d s); the Lease held by %s"
          + " after %.1f s (Lease duration %d s); load average %s", leader, exited, grace, holder(), handover, leaseSeconds, loadAverage());
      // The kubelet sends SIGKILL when the grace period ends: an earlier exit is the operator's own.
      assertThat(exited).as("seconds from SIGTERM to exit").isLessThan(grace);
      assertThat(versions).as("the Lease emptied by the old leader on SIGTERM")
          .anySatisfy(v -> assertThat(v.getHolderIdentity()).isNullOrEmpty());
      // A standby tries every retry period, stretched by up to 1.2 times at random; a leader that
      // vanished without releasing would be replaced at most that long after its Lease expired.
      assertThat(handover).as("seconds from deleting the leader to a new holder").isLessThan(leaseSeconds + RETRY_PERIOD_SECONDS * 2.2);
    }
    await("the old leader pod gone", () -> cluster.client.pods().inNamespace(ns).withName(leader).get() == null);

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

  /** The container's main process (the JVM), from its cgroup on the node. */
  static ProcessHandle containerProcess(Pod pod) throws IOException {
    Path cgroup = containerCgroup("memory", pod.getStatus().getContainerStatuses().get(0).getContainerID());
    long pid = Long.parseLong(Files.readAllLines(cgroup.resolve("cgroup.procs")).get(0).trim());
    return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
  }

  /** What a jcmd command run from the node prints about the JVM with the given (node) pid. */
  static String jcmd(long pid, String command) {
    try {
      var process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
          .redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes());
      process.waitFor();
      return out;
    } catch (IOException e) {
      return "jcmd failed: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Heap used and committed in KiB, summed over the heap's generations in a GC.heap_info output. */
  static long[] heapKiB(String heapInfo) {
    long used = 0;
    long total = 0;
    var m = Pattern.compile("(generation|heap) +total (\\d+)K, used (\\d+)K").matcher(heapInfo);
    while (m.find()) {
      total += Long.parseLong(m.group(2));
      used += Long.parseLong(m.group(3));
    }
    return new long[] {used, total};
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  static void createWatch(String name, String pipeline, int pageSize) {
    createWatch(team, name, pipeline, pageSize);
  }

  static void createWatch(String namespace, String name, String pipeline, int pageSize) {
    watches.create(namespace, name, pipeline, "pageSize: %d\ninterval: 1h".formatted(pageSize));
  }

  /**
   * The children in a namespace, or -1 when the list fails: listing 10,000 objects on a loaded
   * machine can outlast the client's request timeout, which says nothing about the operator.
   */
  static int countChildren(String namespace) {
    try {
      return cluster.client.resources(ImagePipelineExecution.class).inNamespace(namespace).list().getItems().size();
    } catch (KubernetesClientException e) {
      return -1;
    }
  }

  static void requestReconcile(String watch, String value) {
    watches.requestPoll(team, watch, value);
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
