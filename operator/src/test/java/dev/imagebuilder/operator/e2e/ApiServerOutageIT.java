package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kube-apiserver goes away for minutes (etcd and its data stay) while a watch polls every
 * 10 s; ECS keeps producing executions meanwhile. Once the API server answers again, the same
 * operator process mirrors them within two intervals, with nobody restarting it: every attempt
 * during the outage failed (and could not say so in the status), so the first attempt after the
 * return lists the whole pipeline, and finds the executions that started and ended meanwhile.
 *
 * <p>E2E_OUTAGE_SECONDS sets the length of the outage (default 180).
 */
class ApiServerOutageIT {

  static final String REGION = "cn-shanghai";
  static final String KEY_ID = "LTAI5tOutageKey";
  static final String KEY_SECRET = "outage-secret-value";
  static final Duration INTERVAL = Duration.ofSeconds(10);

  static RealCluster cluster;
  static Path clusterDir;
  static EcsSimulator ecs;
  static Process operator;
  static Watches watches;
  static String ns;
  /** Whether this class stopped the API server and has not seen it start again. */
  static boolean apiServerStopped;

  @BeforeAll
  static void startEverything() throws IOException {
    cluster = new RealCluster();
    clusterDir = cluster.kubeconfig.toAbsolutePath().getParent();
    assertThat(clusterDir.resolve("env")).as("the cluster that .ci/kube.sh started beside E2E_KUBECONFIG").exists();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    ns = cluster.freshNamespace("outage");
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET, 
        Map.of("HTTP_PORT", "0", "OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(ns)), "apiserver-outage-operator.log");
  }

  @AfterAll
  static void stopEverything() throws Exception {
    try {
      if (apiServerStopped) {
        kubeSh("start-apiserver"); // the next test class needs it
      }
      if (ns != null) {
        cluster.client.namespaces().withName(ns).delete();
      }
    } finally {
      RealCluster.stopOperator(operator);
      if (ecs != null) {
        ecs.close();
      }
    }
  }

  static int outageSeconds() {
    String value = System.getenv("E2E_OUTAGE_SECONDS");
    return value == null || value.isBlank() ? 180 : Integer.parseInt(value.trim());
  }

  /** .ci/kube.sh {@code command} on the cluster of E2E_KUBECONFIG; fails the test if it fails. */
  static void kubeSh(String command) throws IOException, InterruptedException {
    Path log = Path.of("target", "e2e", "kube-" + command + ".log");
    Process p =
        new ProcessBuilder("bash", RealCluster.REPO.resolve(".ci/kube.sh").toString(), command, clusterDir.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(".ci/kube.sh %s finished", command).isTrue();
    assertThat(p.exitValue()).as(".ci/kube.sh %s (log: %s)", command, log).isZero();
    apiServerStopped = command.equals("stop-apiserver");
  }

  @Test
  void executionsAddedWhileTheApiServerWasDownAppearWithinTwoIntervalsOfItsReturn() throws Exception {
    String pipeline = "ip-outage";
    ecs.addPipeline(REGION, pipeline);
    String before = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-before", "Image created");
    watches.create(ns, "polled", pipeline, "interval: " + INTERVAL.toSeconds() + "s");
    await("the watch mirrors the first execution", () -> watches.childNamesOf(ns, "polled").contains(before));
    await("the watch Ready", () -> watches.ready(ns, "polled"));

    int outage = outageSeconds();
    kubeSh("stop-apiserver");
    long outageEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(outage);
    String during1 = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-during1", "Image created");
    String during2 = null;
    long halfway = System.nanoTime() + TimeUnit.SECONDS.toNanos(outage / 2);
    // The outage itself: the operator must live through all of it.
    while (System.nanoTime() < outageEnds) {
      assertThat(operator.isAlive()).as("the operator process during the outage").isTrue();
      if (during2 == null && System.nanoTime() >= halfway) {
        during2 = ecs.addExecution(REGION, pipeline, "BUILDING");
      }
      Thread.sleep(1000);
    }
    assertThat(during2).isNotNull();

    // start-apiserver returns once /readyz answers 200: the clock of the two intervals starts there.
    kubeSh("start-apiserver");
    List<String> expected = List.of(before, during1, during2).stream().sorted().toList();
    await(
        "the executions added during the outage mirrored within two intervals of /readyz",
        INTERVAL.multipliedBy(2),
        () -> {
          try {
            return watches.childNamesOf(ns, "polled").equals(expected);
          } catch (KubernetesClientException e) {
            return false; // this test's own client meeting a server that has just come back
          }
        });

    // Nothing here restarts a process that exits: alive now means alive all along.
    assertThat(operator.isAlive()).as("the operator process started before the outage").isTrue();
    // and it keeps polling: a later change arrives too
    ecs.setStatus(during2, "SUCCESS", "m-during2", "Image created");
    await(
        "the watch reports the image finished after the outage",
        () -> "m-during2".equals(watches.get(ns, "polled").getStatus().getLatestSuccessfulImageId()));
    assertThat(operator.isAlive()).isTrue();
  }
}
