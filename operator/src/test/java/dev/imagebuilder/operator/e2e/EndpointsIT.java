package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator's pod under clients that try to hold its endpoints: hundreds of idle connections
 * (a request line and a header, then nothing) and slow ones (one byte a second) on the probe port
 * and on the metrics port, for five minutes (E2E_ENDPOINTS_SECONDS shortens it for development;
 * E2E_ENDPOINTS_CONNECTIONS sets how many, 300 by default). Throughout, the kubelet's liveness and
 * readiness probes pass (no Unhealthy event, the pod stays Ready), the container is not
 * restarted, and this test's own /healthz requests are answered. The counts go to
 * target/e2e/endpoints.txt. And /metrics, secure by default, refuses a request without a token
 * and serves one bound to the chart's metrics-reader role. Needs the node (E2E_NODE=1).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndpointsIT {

  static final String REGION = "cn-beijing";
  static final String KEY_ID = "LTAI5tEndpointsE2e";
  static final String KEY_SECRET = "endpoints-e2e-secret-value";
  static final String RELEASE = "endpoints";
  static final String FULLNAME = "endpoints-image-pipeline-operator";
  static final int PROBE_PORT = 8080;
  static final int METRICS_PORT = 8443;
  static final Path REPORT = Path.of("target", "e2e", "endpoints.txt");
  /** Thread dumps of the operator's JVM, taken when a /healthz request of this test fails. */
  static final Path THREADS = Path.of("target", "e2e", "endpoints-threads.txt");
  static final int MAX_DUMPS = 3;
  static final Pattern CONNECTIONS =
      Pattern.compile("imagebuilder_http_connections_total\\{endpoint=\"(\\w+)\",outcome=\"(\\w+)\"\\} ([0-9.E]+)");

  static RealCluster cluster;
  static EcsSimulator ecs;
  static TcpRelay relay;
  static String ns;
  static String readerToken;

  @BeforeAll
  static void install() throws Exception {
    Map<String, String> node = PodInstallIT.nodeEnv();
    PodInstallIT.node = node;
    cluster = new RealCluster();
    cluster.applyCrds();
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    relay = new TcpRelay(InetAddress.getByName(node.get("KUBE_NODE_HOST_IP")),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), ecs.port()));
    ns = cluster.freshNamespace("endpoints", RealCluster.RESTRICTED);
    Files.createDirectories(REPORT.getParent());
    // The CRDs applied by the tier are taken over by this release, as PodInstallIT does.
    for (String crd : List.of("imagepipelinewatches.ecs.imagebuilder.dev", "imagepipelineexecutions.ecs.imagebuilder.dev")) {
      assertThat(cluster.kubectl("label", "crd", crd, "--overwrite", "app.kubernetes.io/managed-by=Helm").exitCode()).isZero();
      assertThat(cluster.kubectl("annotate", "crd", crd, "--overwrite",
          "meta.helm.sh/release-name=" + RELEASE, "meta.helm.sh/release-namespace=" + ns).exitCode()).isZero();
    }
    cluster.client.resource(new SecretBuilder().withNewMetadata().withName("ecs-credentials").endMetadata()
        .addToStringData("access-key-id", KEY_ID).addToStringData("access-key-secret", KEY_SECRET).build())
        .inNamespace(ns).create();
    // The chart's defaults: secure metrics, the probes' timeouts and thresholds as shipped.
    var install = cluster.helm("install", RELEASE, cluster.chart().toString(), "-n", ns, "--wait", "--timeout", "4m",
        "--set", "credentials.secret.name=ecs-credentials",
        "--set", "ecs.endpoint=" + relay.endpoint(), "--set", "ecs.protocol=http");
    assertThat(install.exitCode()).as(install.stderr()).isZero();
    readerToken = MetricsReader.token(cluster, ns, "scraper", ns + "-" + FULLNAME + "-metrics-reader");
  }

  @AfterAll
  static void uninstall() throws Exception {
    if (cluster != null && ns != null) {
      MetricsReader.unbind(cluster, ns, "scraper");
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

  static Pod pod() {
    var pods = cluster.client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", RELEASE).list().getItems();
    assertThat(pods).hasSize(1);
    return pods.get(0);
  }

  static boolean ready(Pod pod) {
    return pod.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  @Test
  @Order(1)
  void metricsRefuseAMissingTokenAndServeTheMetricsReader() throws Exception {
    String url = "https://" + pod().getStatus().getPodIP() + ":" + METRICS_PORT + "/metrics";
    assertThat(MetricsReader.get(url, null).statusCode()).isEqualTo(401);
    assertThat(MetricsReader.get(url, "not-a-token").statusCode()).isEqualTo(401);
    String stranger = MetricsReader.token(cluster, ns, "stranger", null);
    assertThat(MetricsReader.get(url, stranger).statusCode()).as("a valid token without the role").isEqualTo(403);
    var served = MetricsReader.get(url, readerToken);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body()).contains("imagebuilder_http_connections_total");
    assertThat(PodInstallIT.get("http://" + pod().getStatus().getPodIP() + ":" + PROBE_PORT + "/metrics").statusCode())
        .as("/metrics is not on the probe port").isEqualTo(404);
  }

  @Test
  @Order(2)
  void idleAndSlowConnectionsOnBothPortsLeaveTheProbesGreen() throws Exception {
    int seconds = Integer.parseInt(System.getenv().getOrDefault("E2E_ENDPOINTS_SECONDS", "300"));
    int connections = Integer.parseInt(System.getenv().getOrDefault("E2E_ENDPOINTS_CONNECTIONS", "300"));
    Pod before = pod();
    String ip = before.getStatus().getPodIP();
    String podName = before.getMetadata().getName();
    int restartsBefore = before.getStatus().getContainerStatuses().get(0).getRestartCount();
    assertThat(restartsBefore).isZero();
    // The startup probe may have failed while the JVM started; only failures from now on count.
    long unhealthyBefore = unhealthyEvents(podName);

    // Half of the connections on each port, half of those idle and half trickling.
    var holders = List.of(
        new Holder("probes", new InetSocketAddress(ip, PROBE_PORT), connections / 2, false),
        new Holder("metrics", new InetSocketAddress(ip, METRICS_PORT), connections - connections / 2, true));
    var stop = new AtomicBoolean();
    var threads = new ArrayList<Thread>();
    for (Holder holder : holders) {
      threads.add(start("hold-" + holder.name, () -> holder.run(stop)));
    }
    var healthzAnswered = new AtomicInteger();
    var healthzFailed = new AtomicInteger();
    var failures = new ArrayList<String>();
    threads.add(start("healthz", () -> {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      while (!stop.get()) {
        try {
          var response = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + PROBE_PORT + "/healthz"))
              .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            healthzAnswered.incrementAndGet();
          } else {
            healthzFailed.incrementAndGet();
          }
        } catch (IOException e) {
          healthzFailed.incrementAndGet();
          synchronized (failures) {
            failures.add(e.toString());
          }
        } catch (InterruptedException e) {
          return;
        }
        sleep(2000);
      }
    }));

    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    int notReadySeen = 0;
    int maxRestarts = 0;
    int statusChecks = 0;
    int failedSeen = 0;
    int dumps = 0;
    Files.deleteIfExists(THREADS);
    while (System.nanoTime() < end) {
      Thread.sleep(5000);
      Pod now = cluster.client.pods().inNamespace(ns).withName(podName).get();
      statusChecks++;
      if (!ready(now)) {
        notReadySeen++;
      }
      // Where the operator's threads are while a probe goes unanswered, for whoever reads a failure.
      if (healthzFailed.get() > failedSeen && dumps < MAX_DUMPS) {
        failedSeen = healthzFailed.get();
        dumps++;
        Files.writeString(THREADS, "=== after failed /healthz number " + failedSeen + ", load " + PodInstallIT.loadAverage()
            + "\n" + threadDump(now) + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      }
      maxRestarts = Math.max(maxRestarts, now.getStatus().getContainerStatuses().get(0).getRestartCount());
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join(30_000);
    }
    holders.forEach(Holder::closeAll);

    long unhealthy = unhealthyEvents(podName) - unhealthyBefore;
    Pod after = cluster.client.pods().inNamespace(ns).withName(podName).get();
    var lastState = after.getStatus().getContainerStatuses().get(0).getLastState();
    Map<String, Long> served = new TreeMap<>();
    var scrape = MetricsReader.get("https://" + ip + ":" + METRICS_PORT + "/metrics", readerToken);
    assertThat(scrape.statusCode()).as("the reader's scrape after the attack").isEqualTo(200);
    var m = CONNECTIONS.matcher(scrape.body());
    while (m.find()) {
      served.put(m.group(1) + "/" + m.group(2), (long) Double.parseDouble(m.group(3)));
    }

    var report = new StringBuilder()
        .append("duration_seconds ").append(seconds).append('\n')
        .append("held_connections ").append(connections).append(" (half idle, half trickling one byte a second)\n");
    for (Holder h : holders) {
      report.append("client_").append(h.name).append("_opened ").append(h.opened.get()).append('\n')
          .append("client_").append(h.name).append("_closed_by_server ").append(h.closedByServer.get()).append('\n')
          .append("client_").append(h.name).append("_connect_failures ").append(h.connectFailures.get()).append('\n');
    }
    served.forEach((k, v) -> report.append("server_").append(k.replace('/', '_')).append(' ').append(v).append('\n'));
    report.append("healthz_answered ").append(healthzAnswered.get()).append('\n')
        .append("healthz_failed ").append(healthzFailed.get()).append('\n')
        .append("pod_status_checks ").append(statusChecks).append('\n')
        .append("pod_not_ready_seen ").append(notReadySeen).append('\n')
        .append("unhealthy_probe_events ").append(unhealthy).append('\n')
        .append("restarts ").append(maxRestarts).append('\n');
    if (lastState != null && lastState.getTerminated() != null) {
      var terminated = lastState.getTerminated();
      report.append("last_termination ").append(terminated.getReason()).append(" exit ").append(terminated.getExitCode())
          .append('\n');
    }
    unhealthyMessages(podName).forEach(message -> report.append("unhealthy_event ").append(message).append('\n'));
    synchronized (failures) {
      failures.stream().distinct().forEach(f -> report.append("healthz_failure ").append(f).append('\n'));
    }
    if (maxRestarts > 0) {
      var previous = cluster.kubectl("logs", "-n", ns, podName, "--previous", "--tail=40");
      report.append("previous_container_log_tail\n").append(previous.output()).append('\n');
    }
    Files.writeString(REPORT, report.toString());

    assertThat(maxRestarts).as("restarts; %s", report).isZero();
    assertThat(unhealthy).as("failed kubelet probes; %s", report).isZero();
    assertThat(notReadySeen).as("pod seen not Ready; %s", report).isZero();
    assertThat(healthzFailed.get()).as("this test's /healthz requests not answered: %s; %s", failures, report).isZero();
    assertThat(healthzAnswered.get()).isGreaterThanOrEqualTo(seconds / 4);
    for (String endpoint : List.of("probes", "metrics")) {
      assertThat(served.getOrDefault(endpoint + "/timed_out", 0L) + served.getOrDefault(endpoint + "/evicted", 0L))
          .as("held connections the %s server cut; %s", endpoint, report).isGreaterThan(0);
    }
  }

  /** Failed kubelet probes of the pod so far, as the kubelet records them: Unhealthy events, with their counts. */
  static long unhealthyEvents(String podName) {
    return cluster.client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> podName.equals(e.getInvolvedObject().getName()) && "Unhealthy".equals(e.getReason()))
        .mapToLong(e -> e.getCount() == null ? 1 : e.getCount()).sum();
  }

  /** The kubelet's messages of the failed probes of the pod (a timeout, or the status code answered). */
  static List<String> unhealthyMessages(String podName) {
    return cluster.client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> podName.equals(e.getInvolvedObject().getName()) && "Unhealthy".equals(e.getReason()))
        .map(e -> e.getCount() + "x " + e.getMessage())
        .toList();
  }

  static String threadDump(Pod pod) {
    try {
      return PodInstallIT.jcmd(PodInstallIT.containerProcess(pod).pid(), "Thread.print");
    } catch (IOException | AssertionError e) {
      return "no thread dump: " + e.getMessage();
    }
  }

  static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Holds {@code count} connections to one port from one thread: the first half idle after a
   * request line and a header, the second half sending one byte a second. A connection the server
   * closes is opened again a second later, so the port stays under load for the whole run.
   */
  static final class Holder {
    final String name;
    final InetSocketAddress target;
    final int count;
    final boolean tls;
    final SocketChannel[] channels;
    final long[] reopenAt;
    final AtomicLong opened = new AtomicLong();
    final AtomicLong closedByServer = new AtomicLong();
    final AtomicLong connectFailures = new AtomicLong();

    Holder(String name, InetSocketAddress target, int count, boolean tls) {
      this.name = name;
      this.target = target;
      this.count = count;
      this.tls = tls;
      this.channels = new SocketChannel[count];
      this.reopenAt = new long[count];
    }

    boolean trickling(int i) {
      return i >= count / 2;
    }

    /** What a connection sends at once: for TLS the start of a handshake record that never completes. */
    byte[] opening(int i) {
      if (tls) {
        return new byte[] {0x16, 0x03, 0x01, 0x02, 0x00};
      }
      return (trickling(i) ? "GET /healthz HTTP/1.1\r\n" : "GET /healthz HTTP/1.1\r\nHost: operator\r\n")
          .getBytes(StandardCharsets.US_ASCII);
    }

    void run(AtomicBoolean stop) {
      ByteBuffer sink = ByteBuffer.allocate(4096);
      while (!stop.get()) {
        long now = System.nanoTime();
        for (int i = 0; i < count && !stop.get(); i++) {
          SocketChannel c = channels[i];
          if (c == null) {
            if (now >= reopenAt[i]) {
              open(i);
            }
            continue;
          }
          try {
            sink.clear();
            int read = c.read(sink);
            if (read < 0) {
              closedByServer.incrementAndGet();
              drop(i, now);
              continue;
            }
            if (trickling(i)) {
              c.write(ByteBuffer.wrap(tls ? new byte[] {0} : new byte[] {'a'}));
            }
          } catch (IOException e) {
            closedByServer.incrementAndGet();
            drop(i, now);
          }
        }
        sleep(1000);
      }
    }

    void open(int i) {
      try {
        SocketChannel c = SocketChannel.open();
        c.socket().connect(target, 2000);
        c.configureBlocking(false);
        c.write(ByteBuffer.wrap(opening(i)));
        channels[i] = c;
        opened.incrementAndGet();
      } catch (IOException e) {
        connectFailures.incrementAndGet();
        reopenAt[i] = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      }
    }

    void drop(int i, long now) {
      try {
        channels[i].close();
      } catch (IOException e) {
        // gone anyway
      }
      channels[i] = null;
      reopenAt[i] = now + Duration.ofSeconds(1).toNanos();
    }

    void closeAll() {
      for (int i = 0; i < count; i++) {
        if (channels[i] != null) {
          drop(i, 0);
        }
      }
    }
  }
}
