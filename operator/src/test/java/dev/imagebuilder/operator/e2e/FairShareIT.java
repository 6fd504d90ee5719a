package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One namespace cannot take the ECS budget from another. Namespace A holds many watches of
 * pipelines ECS does not know, at the shortest interval (10s), and a loop rewrites their
 * poll-request annotation as fast as the API server takes it; namespace B has one watch at 30s.
 * Throughout the run, each new running execution ECS reports for B's pipeline must be mirrored
 * within two of B's intervals.
 *
 * <p>The operator is the built jar against the ECS simulator with its default budget (2 requests a
 * second). E2E_FAIRSHARE_HOSTILE is a comma list of how many watches A holds, run one after the
 * other (default 300); E2E_FAIRSHARE_SECONDS how long each runs (default 600). The delays, the
 * requests made and the hostile watches' reasons go to target/e2e/fair-share.txt.
 */
class FairShareIT {

  static final String REGION = "cn-shanghai";
  static final String KEY_ID = "LTAI5tFairKey";
  static final String KEY_SECRET = "e2e-fair-secret";
  static final Duration VICTIM_INTERVAL = Duration.ofSeconds(30);
  /** The bound: two of the victim's intervals. */
  static final Duration LIMIT = VICTIM_INTERVAL.multipliedBy(2);

  static RealCluster cluster;
  static Watches watches;
  static EcsSimulator ecs;
  static Process operator;
  /** The victim's namespace B, and one namespace A per run of hostile watches. */
  static String victimNs;
  static List<String> hostileNamespaces;

  @BeforeAll
  static void startEverything() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    // Both tenants are granted the operator's credentials for every pipeline (grants are read at
    // start, so the namespaces exist first): the hostile watches cost ECS calls, as they would.
    victimNs = cluster.freshNamespace("fair-victim");
    hostileNamespaces = hostileCounts().stream().map(n -> cluster.freshNamespace("fair-hostile")).toList();
    List<String> granted = new ArrayList<>(hostileNamespaces);
    granted.add(victimNs);
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET,
        Map.of("OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(granted.toArray(String[]::new))), "fair-share-operator.log");
  }

  @AfterAll
  static void stopEverything() throws InterruptedException {
    RealCluster.stopOperator(operator);
    if (ecs != null) {
      ecs.close();
    }
  }

  static List<Integer> hostileCounts() {
    String value = System.getenv().getOrDefault("E2E_FAIRSHARE_HOSTILE", "300").trim();
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
  }

  static Duration phaseLength() {
    String value = System.getenv("E2E_FAIRSHARE_SECONDS");
    return Duration.ofSeconds(value == null || value.isBlank() ? 600 : Long.parseLong(value.trim()));
  }

  /** What one run with {@code hostile} watches in A measured. */
  record Phase(int hostile, List<Long> delaysMillis, int missed, int ecsRequests, long annotationWrites, Duration length,
      Map<String, Integer> hostileReasons) {

    long worstMillis() {
      return delaysMillis.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    String report() {
      return String.format(
          "hostile=%d seconds=%d executions=%d worst=%.1fs missed(>%ds)=%d delays=%s ecsRequests=%d (%.2f/s) annotationWrites=%d hostileReasons=%s",
          hostile, length.toSeconds(), delaysMillis.size(), worstMillis() / 1000.0, LIMIT.toSeconds(), missed,
          delaysMillis.stream().map(d -> String.format("%.1f", d / 1000.0)).toList(), ecsRequests,
          ecsRequests / (double) Math.max(1, length.toSeconds()), annotationWrites, hostileReasons);
    }
  }

  @Test
  void aVictimInAnotherNamespaceMirrorsEachNewExecutionWithinTwoIntervals() throws Exception {
    String pipeline = "ip-fairvictim";
    ecs.addPipeline(REGION, pipeline);
    watches.create(victimNs, "victim", pipeline, "interval: 30s");
    await("the victim's first sync", () -> watches.ready(victimNs, "victim"));

    List<Phase> phases = new ArrayList<>();
    Path report = Path.of("target", "e2e", "fair-share.txt");
    Files.createDirectories(report.getParent());
    List<Integer> counts = hostileCounts();
    for (int i = 0; i < counts.size(); i++) {
      phases.add(phase(counts.get(i), hostileNamespaces.get(i), pipeline));
      Files.writeString(report, String.join("\n", phases.stream().map(Phase::report).toList()) + "\n");
    }

    assertThat(phases).allSatisfy(p -> {
      assertThat(p.delaysMillis()).as("executions measured with %d hostile watches", p.hostile()).isNotEmpty();
      assertThat(p.missed()).as("executions mirrored later than %s with %d hostile watches: %s", LIMIT, p.hostile(), p.report())
          .isZero();
    });
  }

  /**
   * Fills A with {@code hostile} watches and the annotation loop, then adds running executions to
   * B's pipeline one after the other and measures how long each takes to appear as a child.
   */
  Phase phase(int hostile, String hostileNs, String pipeline) throws Exception {
    List<String> names = IntStream.range(0, hostile).mapToObj(i -> "h" + i).toList();
    for (String name : names) {
      watches.create(hostileNs, name, "ip-unknown" + name, "interval: 10s");
    }
    var stop = new AtomicBoolean();
    var writes = new AtomicLong();
    Thread loop = new Thread(() -> {
      for (long round = 0; !stop.get(); round++) {
        for (String name : names) {
          if (stop.get()) {
            return;
          }
          try {
            watches.requestPoll(hostileNs, name, "loop-" + round);
            writes.incrementAndGet();
          } catch (KubernetesClientException e) {
            // A conflict five times in a row: the next round writes it again.
          }
        }
      }
    }, "annotation-loop");
    loop.setDaemon(true);
    loop.start();

    Duration length = phaseLength();
    long end = System.nanoTime() + length.toNanos();
    int requestsBefore = ecs.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS);
    List<Long> delays = new ArrayList<>();
    int missed = 0;
    try {
      while (System.nanoTime() < end) {
        String id = ecs.addExecution(REGION, pipeline, "BUILDING");
        long added = System.nanoTime();
        long giveUp = added + LIMIT.multipliedBy(3).toNanos();
        while (!mirrored(victimNs, id) && System.nanoTime() < giveUp) {
          Thread.sleep(250);
        }
        long delay = Duration.ofNanos(System.nanoTime() - added).toMillis();
        delays.add(delay);
        if (delay > LIMIT.toMillis()) {
          missed++;
        }
        // A new execution at no fixed phase of the victim's polls.
        Thread.sleep(2_000 + (long) (Math.random() * 8_000));
      }
    } finally {
      stop.set(true);
      loop.join(30_000);
    }
    int requests = ecs.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS) - requestsBefore;
    Map<String, Integer> reasons = new TreeMap<>();
    for (String name : names) {
      String reason = watches.condition(hostileNs, name, "Ready").map(c -> c.getReason()).orElse("none");
      reasons.merge(reason, 1, Integer::sum);
    }
    var phase = new Phase(hostile, delays, missed, requests, writes.get(), length, reasons);
    System.out.println("FairShareIT: " + phase.report());
    cluster.client.resources(ImagePipelineWatch.class).inNamespace(hostileNs).delete();
    await("the hostile watches gone", Duration.ofSeconds(300),
        () -> cluster.client.resources(ImagePipelineWatch.class).inNamespace(hostileNs).list().getItems().isEmpty());
    return phase;
  }

  static boolean mirrored(String ns, String executionId) {
    String name = executionId.toLowerCase(java.util.Locale.ROOT);
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).withName(name).get() != null;
  }
}
