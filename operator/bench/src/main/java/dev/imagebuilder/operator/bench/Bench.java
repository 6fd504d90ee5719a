package dev.imagebuilder.operator.bench;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.regex.Pattern;

/**
 * {@code make bench}: the operator's production jar, in its own JVM, against the ECS simulator (the
 * real Alibaba SDK over HTTP) and an API server, in the scenarios of docs/benchmarks.md, which this
 * writes. A benchmark, not a test: it asserts nothing about time, and {@code make test} never runs
 * it (no class here is named *Test or *IT).
 *
 * <p>Environment: BENCH_SIZES (default 1000,10000,50000), BENCH_REPS (3), BENCH_LARGE_REPS (runs at
 * sizes above 10,000; default BENCH_REPS if set, else 1: at 50,000 each run spends about 150 s
 * waiting for the operator's ECS budget), BENCH_MANY_REPS (1),
 * BENCH_PROFILE (1: one extra JFR-profiled initial sync and no-op poll, not counted), BENCH_FOREIGN
 * (1: scenario 7; 0 leaves it out), BENCH_FOREIGN_SIZES (scenario 7's sizes on the real API server;
 * default the real column's sizes from 10,000 up; the mock runs 10,000), BENCH_FOREIGN_PROFILE (1: scenario 7's measured sync on the mock
 * is recorded with JFR too, which slows it a little), E2E_KUBECONFIG (adds the real
 * kube-apiserver column), E2E_SIZES and E2E_REPS (default: BENCH_SIZES and 1), BENCH_OPERATOR_OPTS (JVM
 * options of the operator; default: the chart's javaToolOptions without its -XX:MaxRAMPercentage; add -Xmx384m for the heap the chart's default limit gives), BENCH_OPERATOR_ENV
 * (NAME=value pairs added to the operator's environment, e.g. ECS_REQUESTS_PER_SECOND=1000),
 * BENCH_DEDUP=1 (one more sync with -XX:+UseStringDeduplication), BENCH_MOCK=0 (only the real API
 * server column), BENCH_VERBOSE=1, KUBECTL (the kubectl of scenario 5's floor on the real API server;
 * default the one .ci/tools.sh pins), BENCH_KUBECTL_APPLY_MAX (largest N whose no-op kubectl apply
 * is timed; default 10000, as the untimed first apply patches every object), BENCH_RESTART=0 (leaves
 * out scenario 8, the restart after the first run at a column's largest size).
 */
public final class Bench {

  static final boolean VERBOSE = "1".equals(System.getenv("BENCH_VERBOSE"));
  static final String REGION = "cn-hangzhou";
  static final String KEY_ID = "LTAI5tBenchAccessKey";
  static final String KEY_SECRET = "bench-secret-not-logged";
  static final int PAGE_SIZE = 500;
  static final int MANY_WATCHES = 200;
  static final int PER_WATCH = 50;
  /**
   * No-op polls per run, one after another: each lists every page, which the operator's ECS budget
   * paces (49 s at 50,000). The first after the sync pays for compiling the comparison; the second
   * is the steady state.
   */
  static final int NOOP_POLLS = 2;
  private static final Pattern STARTED = Pattern.compile("Operator started");
  private static final Pattern FLOOR = Pattern.compile("FLOOR_NANOS (\\d+) COUNT (\\d+) CPU_NANOS (-?\\d+)");

  record Settings(
      List<Integer> sizes,
      int reps,
      int largeReps,
      int manyReps,
      boolean profile,
      Path jar,
      Path crds,
      Path output,
      Path work,
      String e2eKubeconfig,
      List<Integer> e2eSizes,
      int e2eReps,
      List<String> operatorJvmOptions,
      Map<String, String> operatorEnv,
      boolean mock,
      boolean dedupCheck,
      boolean foreign,
      boolean foreignProfile,
      int kubectlApplyMax,
      boolean restart) {

    /** The project's root, where .tools holds the pinned kubectl. */
    Path projectDir() {
      return jar.getParent().getParent().getParent();
    }

    /** Runs of scenarios 1-3 and 5 at size n: fewer above 10,000, to keep the whole run near 15 minutes. */
    int repsFor(int n) {
      return n > 10_000 ? largeReps : reps;
    }
  }

  /**
   * One measured pass: wall time, ECS calls, writes at the API server, CPU of both sides, and of the
   * operator's CPU what its JIT compiler and garbage collector threads took.
   */
  record Phase(
      double seconds,
      int ecsCalls,
      BenchApiServer.Counts requests,
      double operatorCpu,
      double serverCpu,
      String ready,
      String load,
      double jitCpu,
      double gcCpu) {
    long writes() {
      return requests.writes();
    }

    long childWrites() {
      return requests.childWrites();
    }
  }

  /** Scenarios 1 to 3 in one operator process. */
  record SyncRun(
      int n,
      int rep,
      Phase initial,
      List<Phase> noop,
      Phase change,
      int expectedChanges,
      long heapBaseline,
      long heapAfterSync,
      long heapAfterPolls,
      List<ChildJvm.Histogram.Row> growth,
      long syncedLogMillis,
      int childrenOnServer,
      RestartRun restart) {}

  /**
   * Scenario 8: a new operator process while the N children of scenario 1 exist and nothing in ECS
   * changed, from its launch until its first asked-for poll is handled.
   *
   * @param started seconds from the launch until the operator logged that it started (informers synced)
   * @param heapKiB committed and used heap after that poll (a committed heap rarely shrinks, so about its peak)
   */
  record RestartRun(int n, double seconds, double started, int ecsCalls, BenchApiServer.Counts requests, double operatorCpu,
      long peakRssKiB, long[] heapKiB, String ready) {}

  /** Scenario 5: the Fabric8 floor, and on a real API server kubectl's (null elsewhere). */
  record FloorRun(int n, int rep, double seconds, long writes, double clientCpu, double serverCpu, String load,
      KubectlFloor.Result kubectl) {}

  record ManyRun(int rep, Phase phase, long heapBaseline, long heapAfter, List<ChildJvm.Histogram.Row> growth) {}

  /**
   * A JFR recording of the operator during one pass: what it was, and the CPU the pass took;
   * {@code server} names the API server of the real column, null on the mock.
   */
  record Profile(int n, String pass, Path file, JfrSummary summary, double operatorCpu, String server) {}

  /**
   * Scenario 6: one scheduled (incremental) poll after {@code changed} of {@code active} running
   * executions finished, against a full listing of the same pipeline asked for right after.
   */
  record IncrementalRun(
      int finished,
      int active,
      int changed,
      Phase initial,
      Phase scheduled,
      boolean fullSyncTimeKept,
      int scheduledListed,
      long scheduledLogMillis,
      Phase full,
      int fullListed,
      long fullLogMillis) {
    int activeRemaining() {
      return active - changed;
    }

    /** Pages of the active statuses, then one lookup by ExecutionId per child that left them. */
    int expectedScheduledCalls() {
      return (activeRemaining() + PAGE_SIZE - 1) / PAGE_SIZE + changed;
    }

    int expectedFullCalls() {
      return (finished + active + PAGE_SIZE - 1) / PAGE_SIZE;
    }
  }

  /**
   * Scenario 7: the initial sync of {@code n} executions in a cluster whose operator already serves
   * {@code foreign} executions of other watches in other namespaces, and the floor in that cluster.
   *
   * @param present children in the foreign namespaces just before the measured sync
   */
  record ForeignRun(
      int n,
      int foreign,
      long present,
      Phase setup,
      Phase initial,
      long syncedLogMillis,
      FloorRun floor,
      Profile profile) {
    double ratio() {
      return initial.seconds() / floor.seconds();
    }
  }

  /** Retained heap after one initial sync with extra operator JVM options. */
  record HeapCheck(int n, List<String> options, long retained, List<ChildJvm.Histogram.Row> growth) {}

  /** All results of one API server kind. */
  static final class Column {
    final String server;
    final List<SyncRun> syncs = new ArrayList<>();
    final List<FloorRun> floors = new ArrayList<>();
    final List<ManyRun> many = new ArrayList<>();
    final List<ForeignRun> foreign = new ArrayList<>();

    Column(String server) {
      this.server = server;
    }
  }

  private Bench() {}

  public static void main(String[] args) throws Exception {
    Settings s = settings();
    Files.createDirectories(s.work());
    snapshotBenchClasses(s.work());
    var report = new Report(s, Report.machine());
    log("bench: sizes %s, %d runs each (%d above 10,000); machine: %s", s.sizes(), s.reps(), s.largeReps(), report.machineLine());
    long started = System.nanoTime();

    Supplier<Cluster> mocks = () -> new Cluster.Mock(s.crds(), s.work());
    var mock = new Column(null);
    if (s.mock()) {
      report.mock = mock;
    }
    for (int n : s.mock() ? s.sizes() : List.<Integer>of()) {
      Path template = null;
      for (int rep = 1; rep <= s.repsFor(n); rep++) {
        // Each run gets a fresh server, simulator and operator; the floor gets a fresh server too, so
        // both write into a store of the same size.
        var sync = syncRun(s, mocks, n, rep, "bench", template == null, restartAt(s, s.sizes(), n, rep));
        mock.syncs.add(sync);
        if (template == null) {
          template = s.work().resolve("floor-" + n + ".jsonl");
        }
        mock.floors.add(floorRun(s, mocks, template, n, rep, "floor"));
      }
    }
    for (int rep = 1; s.mock() && rep <= s.manyReps(); rep++) {
      mock.many.add(manyRun(s, mocks, rep, "bench"));
    }
    if (s.mock() && !"0".equals(env("BENCH_INCREMENTAL", "1"))) {
      report.incremental = incrementalRun(s, mocks);
    }
    if (s.mock() && s.foreign()) {
      var run = foreignRun(s, mocks, FOREIGN_N, "", s.foreignProfile());
      mock.foreign.add(run);
      if (run.profile() != null) {
        report.profiles.add(run.profile());
      }
    }
    if (s.mock() && s.profile()) {
      int n = profileSize(s.sizes());
      report.profiles.addAll(profileRun(s, mocks, n, "bench", null));
      if (s.dedupCheck()) {
        report.dedup = heapCheck(s, mocks, n, List.of("-XX:+UseStringDeduplication"));
      }
    }

    report.mockSeconds = (System.nanoTime() - started) / 1e9;
    if (s.e2eKubeconfig() != null) {
      try (var real = new Cluster.Real(s.e2eKubeconfig(), s.crds())) {
        var column = new Column(real.describe());
        report.real = column;
        Supplier<Cluster> shared = () -> new Unclosable(real);
        String run = Long.toString(System.currentTimeMillis() % 100000, 36);
        for (int n : s.e2eSizes()) {
          Path template = null;
          for (int rep = 1; rep <= s.e2eReps(); rep++) {
            String suffix = run + "-" + n + "-" + rep;
            column.syncs.add(syncRun(s, shared, n, rep, "bench-" + suffix, template == null, restartAt(s, s.e2eSizes(), n, rep)));
            if (template == null) {
              template = s.work().resolve("floor-" + n + ".jsonl");
            }
            column.floors.add(floorRun(s, shared, template, n, rep, "floor-" + suffix));
          }
        }
        if (s.profile()) {
          report.profiles.addAll(profileRun(s, shared, profileSize(s.e2eSizes()), "profile-" + run, real.describe()));
        }
        if (s.manyReps() > 0) {
          column.many.add(manyRun(s, shared, 1, "many-" + run));
        }
        if (s.foreign()) {
          // Last: their objects (the foreign executions, the measured children, the floor's and
          // kubectl's copies) stay in the cluster.
          for (int n : foreignSizes(s.e2eSizes())) {
            column.foreign.add(foreignRun(s, shared, n, "-" + run + "-" + n, s.foreignProfile() && !s.mock()));
          }
        }
      }
    }

    report.totalSeconds = (System.nanoTime() - started) / 1e9;
    report.write(s.output());
    log("bench: wrote %s in %.0f s", s.output(), report.totalSeconds);
    System.exit(0);
  }

  // ------------------------------------------------------------------ scenarios 1-3

  static SyncRun syncRun(Settings s, Supplier<Cluster> clusters, int n, int rep, String ns, boolean keepTemplate,
      boolean restart) throws Exception {
    log("scenario 1-3: N=%d run %d (%s)", n, rep, ns);
    try (var sim = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
        var cluster = clusters.get()) {
      String pipeline = "ip-bench" + n;
      sim.addPipeline(REGION, pipeline);
      List<String> building = populate(sim, pipeline, n);
      cluster.createNamespace(ns);
      try (var op = startOperator(s, cluster, sim, ns);
          var tracker = new WatchTracker(cluster.driver(), ns)) {
        var baseline = op.histogram();
        Duration timeout = Duration.ofSeconds(120 + n / 40);

        int logFrom = op.output().size();
        Phase initial =
            phase(cluster, sim, op, () -> createWatch(cluster, ns, "w", pipeline), () -> tracker.awaitHandled("w", "0", timeout, op), tracker, "w");
        long syncedMillis = syncedMillis(op, logFrom);
        var afterSync = op.histogram();
        log("  initial sync %.2f s, %d ECS calls, writes: %s; ready %s; heap %+.1f MB",
            initial.seconds(), initial.ecsCalls(), initial.requests().writesDetail(), initial.ready(),
            (afterSync.totalBytes() - baseline.totalBytes()) / 1e6);

        List<Phase> noop = new ArrayList<>();
        for (int i = 1; i <= NOOP_POLLS; i++) {
          String token = "noop-" + i;
          spaceRequests(s);
          noop.add(phase(cluster, sim, op, () -> requestPoll(cluster, ns, "w", token), () -> tracker.awaitHandled("w", token, timeout, op), tracker, "w"));
        }
        log("  no-op poll %.3f s, %d ECS calls, writes: %s", noop.get(0).seconds(), noop.get(0).ecsCalls(), noop.get(0).requests().writesDetail());
        var afterPolls = op.histogram();

        for (String id : building) {
          sim.setStatus(id, "SUCCESS", imageId(id), "Image created");
        }
        spaceRequests(s);
        Phase change =
            phase(cluster, sim, op, () -> requestPoll(cluster, ns, "w", "change"), () -> tracker.awaitHandled("w", "change", timeout, op), tracker, "w");
        log("  1%% change (%d) %.3f s, %d ECS calls, writes: %s", building.size(), change.seconds(), change.ecsCalls(), change.requests().writesDetail());

        int onServer = -1;
        if (keepTemplate) {
          onServer = writeTemplate(cluster, ns, s.work().resolve("floor-" + n + ".jsonl"));
        }
        RestartRun restarted = null;
        if (restart) {
          op.close();
          restarted = restartRun(s, cluster, sim, ns, tracker, n, timeout);
        }
        return new SyncRun(
            n, rep, initial, noop, change, building.size(), baseline.totalBytes(), afterSync.totalBytes(),
            afterPolls.totalBytes(), top(afterSync.growthSince(baseline), 15), syncedMillis, onServer, restarted);
      }
    }
  }

  /** Scenario 8 follows the first run at the largest size of a column, unless BENCH_RESTART=0. */
  static boolean restartAt(Settings s, List<Integer> sizes, int n, int rep) {
    return s.restart() && rep == 1 && n == sizes.stream().max(Integer::compare).orElse(-1);
  }

  static RestartRun restartRun(Settings s, Cluster cluster, EcsSimulator sim, String ns, WatchTracker tracker, int n,
      Duration timeout) throws Exception {
    log("scenario 8: restart with %d children (%s)", n, ns);
    sim.resetCallCounts();
    // The poll a restart makes by itself, asked for by nobody: the first whose end the status shows.
    String syncedBefore = tracker.latest("w").getStatus().getLastSyncTime();
    var before = cluster.counts();
    long start = System.nanoTime();
    try (var op = startOperator(s, cluster, sim, ns)) {
      double started = (System.nanoTime() - start) / 1e9;
      long end = tracker.awaitState("w", w -> w.getStatus() != null && w.getStatus().getLastSyncTime() != null
          && !w.getStatus().getLastSyncTime().equals(syncedBefore), timeout, op);
      var requests = cluster.counts().minus(before);
      var run = new RestartRun(n, (end - start) / 1e9, started, sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS),
          requests, op.cpuSeconds(), peakRssKiB(op.pid()), heapKiB(op.jcmd("GC.heap_info")), tracker.readyReason("w"));
      log("  first poll after the restart %.2f s (started %.2f s), writes: %s, reads: %s, peak RSS %d MiB", run.seconds(),
          started, requests.writesDetail(), requests.readsDetail(), run.peakRssKiB() >> 10);
      return run;
    }
  }

  /** VmHWM of a process, KiB. */
  static long peakRssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** Committed and used heap in KiB, summed over what a GC.heap_info output lists. */
  static long[] heapKiB(String heapInfo) {
    long total = 0;
    long used = 0;
    var m = Pattern.compile("(generation|heap) +total (\\d+)K, used (\\d+)K").matcher(heapInfo);
    while (m.find()) {
      total += Long.parseLong(m.group(2));
      used += Long.parseLong(m.group(3));
    }
    return new long[] {total, used};
  }

  /**
   * N executions of one pipeline, oldest first: 89% SUCCESS with an image, 8% FAILED and 2%
   * CANCELLED with ECS-like messages, and 1% BUILDING (every hundredth, index 50), the ones scenario
   * 3 completes. Returns those.
   */
  static List<String> populate(EcsSimulator sim, String pipeline, int n) {
    List<String> ids = sim.addExecutions(REGION, pipeline, n, "SUCCESS");
    List<String> building = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      int k = i % 100;
      if (k == 50) {
        sim.setStatus(id, "BUILDING", null, "Building the image");
        building.add(id);
      } else if (k < 8) {
        sim.setStatus(id, "FAILED", null, "Step 3/9 : RUN yum install -y nginx returned a non-zero code: 1");
      } else if (k < 10) {
        sim.setStatus(id, "CANCELLED", null, "The execution was cancelled by the user");
      } else {
        sim.setStatus(id, "SUCCESS", imageId(id), "Image created");
      }
    }
    return building;
  }

  static String imageId(String executionId) {
    return "m-" + executionId.substring(executionId.length() - 10) + "bp1imgx00";
  }

  /** The bench's watches poll with the operator's own credentials: each served namespace is granted every pipeline. */
  static String grantsToAll(String namespaces) {
    return java.util.Arrays.stream(namespaces.split(",")).map(String::trim).filter(n -> !n.isEmpty())
        .map(n -> "{\"namespace\":\"" + n + "\",\"pipelines\":[\"*\"]}")
        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  static ChildJvm startOperator(Settings s, Cluster cluster, EcsSimulator sim, String namespaces) throws IOException {
    return startOperator(s, cluster, sim, namespaces, List.of());
  }

  static ChildJvm startOperator(Settings s, Cluster cluster, EcsSimulator sim, String namespaces, List<String> extraJvmOptions)
      throws IOException {
    Map<String, String> env = new HashMap<>(cluster.clientEnvironment());
    env.put("ECS_ENDPOINT", sim.endpoint());
    env.put("ECS_PROTOCOL", "http");
    env.put("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID);
    env.put("ALIBABA_CLOUD_ACCESS_KEY_SECRET", KEY_SECRET);
    env.put("WATCH_NAMESPACES", namespaces);
    env.put("OWN_CREDENTIALS_GRANTS", grantsToAll(namespaces));
    env.put("HTTP_PORT", "0");
    env.put("METRICS_PORT", "0");
    // The cap on a watch's executions (40,000 by default) is raised to the largest N measured.
    int largest = java.util.stream.Stream.concat(s.sizes().stream(), s.e2eSizes().stream()).max(Integer::compare).orElse(0);
    env.put("ECS_MAX_EXECUTIONS_PER_WATCH", Integer.toString(Math.max(largest, FOREIGN_N) + 1));
    env.putAll(s.operatorEnv());
    List<String> args = new ArrayList<>(s.operatorJvmOptions());
    args.addAll(extraJvmOptions);
    args.addAll(List.of("-jar", s.jar().toString()));
    var op = ChildJvm.start("operator", args, env);
    op.awaitLine(STARTED, 0, Duration.ofMinutes(2));
    return op;
  }

  static void createWatch(Cluster cluster, String ns, String name, String pipeline) {
    createWatch(cluster, ns, name, pipeline, null);
  }

  /** A watch of {@code pipeline}, labelled {@code selector} (key=value) unless that is null. */
  static void createWatch(Cluster cluster, String ns, String name, String pipeline, String selector) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(REGION);
    spec.setImagePipelineId(pipeline);
    spec.setPageSize(PAGE_SIZE);
    spec.setInterval("1h"); // no scheduled poll inside a measurement: every pass here is asked for
    var watch = new ImagePipelineWatch();
    watch.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(ns)
            .withAnnotations(Map.of(ImagePipelineWatch.RECONCILE_REQUESTED_AT, "0"))
            .withLabels(selector == null ? Map.of() : Map.of(selector.substring(0, selector.indexOf('=')), selector.substring(selector.indexOf('=') + 1)))
            .build());
    watch.setSpec(spec);
    cluster.driverWrite("POST imagepipelinewatches");
    cluster.driver().resource(watch).create();
  }

  /**
   * Waits out the operator's spacing of poll requests (10 s by default) before the next one is
   * asked for: a request sooner after the last is deferred, and the deferral would be timed as the poll.
   */
  static void spaceRequests(Settings s) {
    ChildJvm.sleep(dev.imagebuilder.operator.OperatorConfig.fromEnvironment(s.operatorEnv()).retry().requestSpacing().toMillis());
  }

  static void requestPoll(Cluster cluster, String ns, String name, String token) {
    cluster.driverWrite("PATCH imagepipelinewatches");
    cluster.driver().resources(ImagePipelineWatch.class).inNamespace(ns).withName(name).edit(w -> {
      w.getMetadata().getAnnotations().put(ImagePipelineWatch.RECONCILE_REQUESTED_AT, token);
      return w;
    });
  }

  interface Await {
    long endNanos() throws Exception;
  }

  static Phase phase(
      Cluster cluster, EcsSimulator sim, ChildJvm op, Runnable trigger, Await await, WatchTracker tracker, String watchName)
      throws Exception {
    settle(cluster, op);
    sim.resetCallCounts();
    var before = cluster.counts();
    double opCpu = op.cpuSeconds();
    var threads = op.cpuByThreadKind();
    double serverCpu = cluster.serverCpuSeconds();
    String loadBefore = Report.loadAverage();
    long start = System.nanoTime();
    trigger.run();
    long end = await.endNanos();
    double opCpuAfter = op.cpuSeconds();
    var threadsAfter = op.cpuByThreadKind();
    double serverCpuAfter = cluster.serverCpuSeconds();
    var requests = cluster.counts().minus(before);
    return new Phase(
        (end - start) / 1e9,
        sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS),
        requests,
        opCpuAfter - opCpu,
        serverCpuAfter - serverCpu,
        watchName == null ? "" : tracker.readyReason(watchName),
        loadBefore,
        threadsAfter.getOrDefault("JIT compiler", 0.0) - threads.getOrDefault("JIT compiler", 0.0),
        threadsAfter.getOrDefault("garbage collector", 0.0) - threads.getOrDefault("garbage collector", 0.0));
  }

  /** A control plane (or operator) using less than this share of one core is at rest. */
  static final double SETTLED_CORES = 0.15;

  /**
   * Waits, at most a minute, until the control plane and the operator (if any) are at rest: what
   * the previous step left (the garbage collector catching up with thousands of new owner
   * references, the operator hearing its last writes come back) is then not counted in the next
   * measurement, nor does it slow it. kubectl's and the floor client's runs wait the same way.
   */
  static void settle(Cluster cluster, ChildJvm op) {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    double server = cluster.serverCpuSeconds();
    double operator = op == null ? 0 : op.cpuSeconds();
    while (System.nanoTime() < deadline) {
      ChildJvm.sleep(1000);
      double serverNow = cluster.serverCpuSeconds();
      double operatorNow = op == null ? 0 : op.cpuSeconds();
      boolean atRest = (Double.isNaN(serverNow) || serverNow - server < SETTLED_CORES) && operatorNow - operator < SETTLED_CORES;
      server = serverNow;
      operator = operatorNow;
      if (atRest) {
        return;
      }
    }
    log("  the control plane did not come to rest within a minute; measuring anyway");
  }

  private static final Pattern SYNCED = Pattern.compile("Synced .*?(\\d+) executions listed, (\\d+) children written, (\\d+) failed writes, (\\d+) ms");

  /** The operator's own account of its first pass (from its log), for comparison with the wall time. */
  static long syncedMillis(ChildJvm op, int from) {
    try {
      var m = op.awaitLine(SYNCED, from, Duration.ofSeconds(5));
      return Long.parseLong(m.group(4));
    } catch (IllegalStateException e) {
      return -1;
    }
  }

  /** Saves the children as the operator wrote them, without what the server set, for the floor. */
  static int writeTemplate(Cluster cluster, String ns, Path file) throws IOException {
    var items = cluster.driver().resources(ImagePipelineExecution.class).inNamespace(ns).list().getItems();
    List<String> lines = new ArrayList<>(items.size());
    for (var item : items) {
      var m = item.getMetadata();
      m.setUid(null);
      m.setResourceVersion(null);
      m.setCreationTimestamp(null);
      m.setGeneration(null);
      m.setManagedFields(null);
      m.setSelfLink(null);
      m.setNamespace(null);
      lines.add(Serialization.asJson(item));
    }
    Files.write(file, lines);
    return items.size();
  }

  // ------------------------------------------------------------------ scenario 6

  static final int INC_FINISHED = 10_000;
  static final int INC_ACTIVE = 1_200;
  static final int INC_CHANGED = 12;

  static IncrementalRun incrementalRun(Settings s, Supplier<Cluster> clusters) throws Exception {
    log("scenario 6: incremental poll, %d SUCCESS + %d BUILDING, %d finish", INC_FINISHED, INC_ACTIVE, INC_CHANGED);
    String ns = "incremental";
    try (var sim = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
        var cluster = clusters.get()) {
      String pipeline = "ip-incremental";
      sim.addPipeline(REGION, pipeline);
      for (String id : sim.addExecutions(REGION, pipeline, INC_FINISHED, "SUCCESS")) {
        sim.setStatus(id, "SUCCESS", imageId(id), "Image created");
      }
      List<String> running = sim.addExecutions(REGION, pipeline, INC_ACTIVE, "BUILDING");
      cluster.createNamespace(ns);
      try (var op = startOperator(s, cluster, sim, ns);
          var tracker = new WatchTracker(cluster.driver(), ns)) {
        Duration timeout = Duration.ofSeconds(120 + (INC_FINISHED + INC_ACTIVE) / 40);
        Phase initial = phase(cluster, sim, op, () -> {
              cluster.driverWrite("POST imagepipelinewatches");
              cluster.driver().resource(watch(ns, "w", pipeline, "10s", "1h")).create();
            }, () -> tracker.awaitHandled("w", "0", timeout, op), tracker, "w");
        log("  initial (full) sync %.2f s, %d ECS calls, writes: %s", initial.seconds(), initial.ecsCalls(), initial.requests().writesDetail());

        syncedMillis(op, 0); // the initial pass's log line is in, so the next one found is the scheduled poll's
        // The next scheduled poll comes 10 s after the initial one: change the simulator now.
        var before = tracker.latest("w").getStatus();
        String lastSync = before.getLastSyncTime();
        String lastFull = before.getLastFullSyncTime();
        int logFrom = op.output().size();
        Phase scheduled = phase(cluster, sim, op, () -> {
              for (String id : running.subList(0, INC_CHANGED)) {
                sim.setStatus(id, "SUCCESS", imageId(id), "Image created");
              }
            }, () -> tracker.awaitState("w", w -> w.getStatus() != null && w.getStatus().getLastSyncTime() != null
                && !w.getStatus().getLastSyncTime().equals(lastSync), Duration.ofSeconds(60), op), tracker, "w");
        boolean kept = java.util.Objects.equals(lastFull, tracker.latest("w").getStatus().getLastFullSyncTime());
        var scheduledLog = op.awaitLine(SYNCED, logFrom, Duration.ofSeconds(5));
        log("  scheduled poll: %d ECS calls, writes: %s, lastFullSyncTime %s, operator %s ms, %s listed",
            scheduled.ecsCalls(), scheduled.requests().writesDetail(), kept ? "kept" : "CHANGED", scheduledLog.group(4), scheduledLog.group(1));

        logFrom = op.output().size();
        spaceRequests(s);
        Phase full = phase(cluster, sim, op, () -> requestPoll(cluster, ns, "w", "full"),
            () -> tracker.awaitHandled("w", "full", timeout, op), tracker, "w");
        var fullLog = op.awaitLine(SYNCED, logFrom, Duration.ofSeconds(5));
        log("  full listing: %.2f s, %d ECS calls, writes: %s", full.seconds(), full.ecsCalls(), full.requests().writesDetail());
        return new IncrementalRun(INC_FINISHED, INC_ACTIVE, INC_CHANGED, initial, scheduled, kept,
            Integer.parseInt(scheduledLog.group(1)), Long.parseLong(scheduledLog.group(4)), full,
            Integer.parseInt(fullLog.group(1)), Long.parseLong(fullLog.group(4)));
      }
    }
  }

  static ImagePipelineWatch watch(String ns, String name, String pipeline, String interval, String fullResync) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(REGION);
    spec.setImagePipelineId(pipeline);
    spec.setPageSize(PAGE_SIZE);
    spec.setInterval(interval);
    spec.setFullResyncInterval(fullResync);
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .withAnnotations(Map.of(ImagePipelineWatch.RECONCILE_REQUESTED_AT, "0")).build());
    watch.setSpec(spec);
    return watch;
  }

  // ------------------------------------------------------------------ scenario 7

  static final int FOREIGN_N = 10_000;
  static final int FOREIGN_PER_WATCH = 10_000;
  static final int FOREIGN_WATCHES = 2;

  /**
   * The sizes of scenario 7 on the real API server: BENCH_FOREIGN_SIZES, by default the column's
   * sizes from 10,000 up (the targets name 10,000 and 50,000 beside the foreign executions).
   */
  static List<Integer> foreignSizes(List<Integer> e2eSizes) {
    String set = System.getenv("BENCH_FOREIGN_SIZES");
    if (set != null && !set.isBlank()) {
      return ints(set);
    }
    var sizes = e2eSizes.stream().filter(n -> n >= FOREIGN_N).toList();
    return sizes.isEmpty() ? List.of(FOREIGN_N) : sizes;
  }

  static List<String> foreignNamespaces(String suffix) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < FOREIGN_WATCHES; i++) {
      out.add("foreign-" + (char) ('a' + i) + suffix);
    }
    out.add("measured" + suffix);
    out.add("floor-foreign" + suffix);
    return out;
  }

  /**
   * Scenario 7: one operator serving three namespaces (WATCH_NAMESPACES) first syncs two watches of
   * 10,000 executions each in two of them; then the initial sync of an N-execution watch in the third
   * is timed as in scenario 1. The operator then stops, and the floor client creates the same N
   * objects in a fourth namespace of that same cluster. On a real API server this runs after the
   * other scenarios, whose objects stay in the cluster; the operator is told to serve only this
   * scenario's namespaces and watches (WATCH_SELECTOR), so that it polls nothing else there.
   */
  static ForeignRun foreignRun(Settings s, Supplier<Cluster> clusters, int n, String suffix, boolean profile) throws Exception {
    var names = foreignNamespaces(suffix);
    String ns = names.get(FOREIGN_WATCHES);
    String floorNs = names.get(FOREIGN_WATCHES + 1);
    String selector = "bench-run=foreign" + suffix.replace("-", "");
    log("scenario 7: N=%d with %d x %d foreign executions present (%s)", n, FOREIGN_WATCHES, FOREIGN_PER_WATCH, ns);
    try (var sim = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
        var cluster = clusters.get()) {
      List<String> foreignPipelines = new ArrayList<>();
      for (int i = 0; i < FOREIGN_WATCHES; i++) {
        String pipeline = "ip-foreign" + i;
        sim.addPipeline(REGION, pipeline);
        populate(sim, pipeline, FOREIGN_PER_WATCH);
        foreignPipelines.add(pipeline);
      }
      String pipeline = "ip-bench" + n;
      sim.addPipeline(REGION, pipeline);
      populate(sim, pipeline, n);
      names.forEach(cluster::createNamespace);
      Map<String, String> env = new HashMap<>(s.operatorEnv());
      env.put("WATCH_SELECTOR", selector);
      var withSelector = new Settings(s.sizes(), s.reps(), s.largeReps(), s.manyReps(), s.profile(), s.jar(), s.crds(), s.output(),
          s.work(), s.e2eKubeconfig(), s.e2eSizes(), s.e2eReps(), s.operatorJvmOptions(), env, s.mock(), s.dedupCheck(),
          s.foreign(), s.foreignProfile(), s.kubectlApplyMax(), s.restart());
      Phase setup;
      Phase initial;
      long syncedMillis;
      long present;
      Profile recorded = null;
      Duration timeout = Duration.ofSeconds(240 + (n + FOREIGN_WATCHES * FOREIGN_PER_WATCH) / 40);
      try (var op = startOperator(withSelector, cluster, sim, String.join(",", names.subList(0, FOREIGN_WATCHES + 1)))) {
        List<WatchTracker> trackers = new ArrayList<>();
        try {
          for (int i = 0; i < FOREIGN_WATCHES; i++) {
            trackers.add(new WatchTracker(cluster.driver(), names.get(i)));
          }
          setup = phase(cluster, sim, op, () -> {
                for (int i = 0; i < FOREIGN_WATCHES; i++) {
                  createWatch(cluster, names.get(i), "w", foreignPipelines.get(i), selector);
                }
              }, () -> {
                long last = 0;
                for (var t : trackers) {
                  last = Math.max(last, t.awaitHandled("w", "0", timeout, op));
                }
                return last;
              }, trackers.get(0), "w");
        } finally {
          trackers.forEach(WatchTracker::close);
        }
        present = 0;
        for (String foreignNs : names.subList(0, FOREIGN_WATCHES)) {
          present += countChildren(cluster, foreignNs);
        }
        log("  %d foreign executions synced in %.2f s (writes: %s); %d children in their namespaces",
            FOREIGN_WATCHES * FOREIGN_PER_WATCH, setup.seconds(), setup.requests().writesDetail(), present);
        Path jfr = s.work().resolve("operator-foreign-sync-" + n + ".jfr").toAbsolutePath();
        if (profile) {
          Files.deleteIfExists(jfr);
          op.jcmd("JFR.start", "name=foreign", "settings=profile");
        }
        try (var tracker = new WatchTracker(cluster.driver(), ns)) {
          int logFrom = op.output().size();
          initial = phase(cluster, sim, op, () -> createWatch(cluster, ns, "w", pipeline, selector),
              () -> tracker.awaitHandled("w", "0", timeout, op), tracker, "w");
          syncedMillis = syncedMillis(op, logFrom);
        }
        if (profile) {
          op.jcmd("JFR.stop", "name=foreign", "filename=" + jfr);
          awaitFile(jfr);
          recorded = new Profile(n, "initial sync with " + FOREIGN_WATCHES * FOREIGN_PER_WATCH + " foreign executions present", jfr,
              JfrSummary.of(jfr), initial.operatorCpu(), suffix.isEmpty() ? null : "real API server");
        }
        log("  initial sync %.2f s, %d ECS calls, writes: %s; ready %s", initial.seconds(), initial.ecsCalls(),
            initial.requests().writesDetail(), initial.ready());
      }
      Path template = s.work().resolve("floor-foreign-" + n + ".jsonl");
      writeTemplate(cluster, ns, template);
      var floor = floorRun(s, () -> new Unclosable(cluster), template, n, 1, floorNs, false);
      log("  operator / floor: %.2f", initial.seconds() / floor.seconds());
      return new ForeignRun(n, FOREIGN_WATCHES * FOREIGN_PER_WATCH, present, setup, initial, syncedMillis, floor, recorded);
    }
  }

  /** The operator's children in a namespace, listed a page at a time (one list of all may time out). */
  static long countChildren(Cluster cluster, String ns) {
    long count = 0;
    String next = null;
    do {
      var page = cluster.driver().resources(ImagePipelineExecution.class).inNamespace(ns)
          .withLabel(ImagePipelineExecution.WATCH_LABEL)
          .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1000L).withContinue(next).build());
      count += page.getItems().size();
      next = page.getMetadata().getContinue();
    } while (next != null && !next.isEmpty());
    return count;
  }

  static void awaitFile(Path file) {
    for (int i = 0; i < 100 && !Files.exists(file); i++) {
      ChildJvm.sleep(100);
    }
  }

  // ------------------------------------------------------------------ scenario 5

  static FloorRun floorRun(Settings s, Supplier<Cluster> clusters, Path template, int n, int rep, String ns) throws Exception {
    return floorRun(s, clusters, template, n, rep, ns, true);
  }

  static FloorRun floorRun(Settings s, Supplier<Cluster> clusters, Path template, int n, int rep, String ns, boolean createNamespace)
      throws Exception {
    log("scenario 5 (floor): N=%d run %d (%s)", n, rep, ns);
    try (var cluster = clusters.get()) {
      if (createNamespace) {
        cluster.createNamespace(ns);
      }
      Path objects = ownedCopies(s, cluster, template, n, ns);

      settle(cluster, null);
      var before = cluster.counts();
      double serverCpu = cluster.serverCpuSeconds();
      String load = Report.loadAverage();
      List<String> floorArgs = new ArrayList<>();
      String logback = System.getProperty("logback.configurationFile");
      if (logback != null) {
        // The classpath holds only the operator's production logback.xml; the floor logs as this
        // JVM does (make bench names the operator tests' quiet configuration).
        floorArgs.add("-Dlogback.configurationFile=" + logback);
      }
      floorArgs.addAll(List.of("-cp", classpath, FloorClient.class.getName(), objects.toString(), ns));
      try (var floor = ChildJvm.start("floor", floorArgs, cluster.clientEnvironment())) {
        int code = floor.waitFor(Duration.ofSeconds(120 + n / 20));
        if (code != 0) {
          throw new IllegalStateException("the floor client failed:\n" + floor.tail());
        }
        var m = floor.awaitLine(FLOOR, 0, Duration.ofSeconds(5));
        var requests = cluster.counts().minus(before);
        double seconds = Long.parseLong(m.group(1)) / 1e9;
        log("  floor %.2f s for %s objects, writes: %s", seconds, m.group(2), requests.writesDetail());
        Files.deleteIfExists(objects);
        double floorServerCpu = cluster.serverCpuSeconds() - serverCpu;
        KubectlFloor.Result kubectl = null;
        if (cluster.servesKubectl()) {
          String kubectlNs = ns + "-kubectl";
          cluster.createNamespace(kubectlNs);
          Path copies = ownedCopies(s, cluster, template, n, kubectlNs);
          settle(cluster, null);
          kubectl = KubectlFloor.run(KubectlFloor.binary(s.projectDir()), cluster, copies,
              kubectlNs, n <= s.kubectlApplyMax(), Duration.ofSeconds(120 + n / 20));
          Files.deleteIfExists(copies);
          log("  kubectl create -f %.2f s (%d writes), no-op kubectl apply %.2f s (%d writes)", kubectl.createSeconds(),
              kubectl.createWrites(), kubectl.applySeconds(), kubectl.applyWrites());
        }
        return new FloorRun(n, rep, seconds, requests.writes(), Long.parseLong(m.group(3)) / 1e9, floorServerCpu, load,
            kubectl);
      }
    }
  }

  /**
   * The template's objects, owned by a watch of the same name in {@code ns} (suspended; no operator
   * runs there), one JSON object a line in a file of the bench's work directory.
   */
  static Path ownedCopies(Settings s, Cluster cluster, Path template, int n, String ns) throws IOException {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(REGION);
    spec.setImagePipelineId("ip-bench" + n);
    spec.setSuspend(true);
    var owner = new ImagePipelineWatch();
    owner.setMetadata(new ObjectMetaBuilder().withName("w").withNamespace(ns).build());
    owner.setSpec(spec);
    cluster.driverWrite("POST imagepipelinewatches");
    owner = cluster.driver().resource(owner).create();
    String uid = owner.getMetadata().getUid();
    Path objects = s.work().resolve("floor-" + n + "-" + ns + ".jsonl");
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(template)) {
      var child = Serialization.unmarshal(line, ImagePipelineExecution.class);
      for (OwnerReference ref : child.getMetadata().getOwnerReferences()) {
        ref.setUid(uid);
      }
      lines.add(Serialization.asJson(child));
    }
    Files.write(objects, lines);
    return objects;
  }

  // ------------------------------------------------------------------ scenario 4

  static ManyRun manyRun(Settings s, Supplier<Cluster> clusters, int rep, String ns) throws Exception {
    log("scenario 4: %d watches x %d executions, run %d (%s)", MANY_WATCHES, PER_WATCH, rep, ns);
    try (var sim = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
        var cluster = clusters.get()) {
      List<String> pipelines = new ArrayList<>();
      for (int i = 0; i < MANY_WATCHES; i++) {
        String pipeline = "ip-many" + i;
        sim.addPipeline(REGION, pipeline);
        populate(sim, pipeline, PER_WATCH);
        pipelines.add(pipeline);
      }
      cluster.createNamespace(ns);
      try (var op = startOperator(s, cluster, sim, ns);
          var tracker = new WatchTracker(cluster.driver(), ns)) {
        var baseline = op.histogram();
        Duration timeout = Duration.ofMinutes(10);
        Phase phase =
            phase(
                cluster,
                sim,
                op,
                () -> {
                  for (int i = 0; i < MANY_WATCHES; i++) {
                    createWatch(cluster, ns, "w" + i, pipelines.get(i));
                  }
                },
                () -> {
                  long last = 0;
                  for (int i = 0; i < MANY_WATCHES; i++) {
                    last = Math.max(last, tracker.awaitHandled("w" + i, "0", timeout, op));
                  }
                  return last;
                },
                tracker,
                null);
        long notReady = 0;
        for (int i = 0; i < MANY_WATCHES; i++) {
          if (!tracker.readyReason("w" + i).equals("Synced")) {
            notReady++;
          }
        }
        var after = op.histogram();
        log("  %d watches ready in %.2f s (%d not Synced), %d ECS calls, writes: %s", MANY_WATCHES, phase.seconds(), notReady,
            phase.ecsCalls(), phase.requests().writesDetail());
        var withReady = new Phase(phase.seconds(), phase.ecsCalls(), phase.requests(), phase.operatorCpu(), phase.serverCpu(),
            notReady == 0 ? "Synced" : notReady + " not Synced", phase.load(), phase.jitCpu(), phase.gcCpu());
        return new ManyRun(rep, withReady, baseline.totalBytes(), after.totalBytes(), top(after.growthSince(baseline), 10));
      }
    }
  }

  // ------------------------------------------------------------------ profile

  /**
   * One more initial sync, not counted, with a JFR recording of the operator; then a second
   * recording of one no-op poll (a full listing, as in scenario 2) in the same operator.
   */
  static List<Profile> profileRun(Settings s, Supplier<Cluster> clusters, int n, String namespace, String server) throws Exception {
    log("profile: initial sync and no-op poll of N=%d under JFR%s", n, server == null ? "" : " (" + server + ")");
    try (var sim = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
        var cluster = clusters.get()) {
      String pipeline = "ip-bench" + n;
      sim.addPipeline(REGION, pipeline);
      populate(sim, pipeline, n);
      cluster.createNamespace(namespace);
      String which = server == null ? "" : "-real";
      Path jfr = s.work().resolve("operator-initial-sync-" + n + which + ".jfr").toAbsolutePath();
      Path noopJfr = s.work().resolve("operator-noop-poll-" + n + which + ".jfr").toAbsolutePath();
      Files.deleteIfExists(jfr);
      Files.deleteIfExists(noopJfr);
      try (var op = startOperator(s, cluster, sim, namespace);
          var tracker = new WatchTracker(cluster.driver(), namespace)) {
        Duration timeout = Duration.ofSeconds(120 + n / 40);
        double cpu = op.cpuSeconds();
        op.jcmd("JFR.start", "name=bench", "settings=profile");
        createWatch(cluster, namespace, "w", pipeline);
        tracker.awaitHandled("w", "0", timeout, op);
        op.jcmd("JFR.stop", "name=bench", "filename=" + jfr);
        double syncCpu = op.cpuSeconds() - cpu;
        awaitFile(jfr);
        var initial = new Profile(n, "initial sync", jfr, JfrSummary.of(jfr), syncCpu, server);

        op.histogram(); // as in scenario 2: the sync's garbage is collected before the poll
        cpu = op.cpuSeconds();
        spaceRequests(s);
        op.jcmd("JFR.start", "name=noop", "settings=profile");
        requestPoll(cluster, namespace, "w", "noop-profile");
        tracker.awaitHandled("w", "noop-profile", timeout, op);
        op.jcmd("JFR.stop", "name=noop", "filename=" + noopJfr);
        double noopCpu = op.cpuSeconds() - cpu;
        awaitFile(noopJfr);
        log("  profiled: initial sync %.1f s CPU, no-op poll %.2f s CPU", syncCpu, noopCpu);
        return List.of(initial, new Profile(n, "no-op poll", noopJfr, JfrSummary.of(noopJfr), noopCpu, server));
      }
    }
  }

  /** The size profiled: the largest up to 10,000, or the smallest if all are larger. */
  static int profileSize(List<Integer> sizes) {
    return sizes.stream().filter(x -> x <= 10_000).max(Integer::compare).orElse(sizes.get(0));
  }

  static <T> List<T> top(List<T> list, int n) {
    return List.copyOf(list.subList(0, Math.min(n, list.size())));
  }

  /** One more initial sync, not counted, to see what JVM options do to the retained heap. */
  static HeapCheck heapCheck(Settings s, Supplier<Cluster> clusters, int n, List<String> options) throws Exception {
    log("heap check: initial sync of N=%d with %s", n, options);
    try (var sim = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
        var cluster = clusters.get()) {
      String pipeline = "ip-bench" + n;
      sim.addPipeline(REGION, pipeline);
      populate(sim, pipeline, n);
      cluster.createNamespace("bench");
      try (var op = startOperator(s, cluster, sim, "bench", options);
          var tracker = new WatchTracker(cluster.driver(), "bench")) {
        var baseline = op.histogram();
        createWatch(cluster, "bench", "w", pipeline);
        tracker.awaitHandled("w", "0", Duration.ofSeconds(120 + n / 40), op);
        var after = op.histogram();
        log("  retained %.2f KB per execution", (after.totalBytes() - baseline.totalBytes()) / 1024.0 / n);
        return new HeapCheck(n, options, after.totalBytes() - baseline.totalBytes(), top(after.growthSince(baseline), 5));
      }
    }
  }

  // ------------------------------------------------------------------ class snapshot

  /** The floor client's classpath: java.class.path with the bench's classes replaced by a private copy. */
  static String classpath = System.getProperty("java.class.path");

  /**
   * Something else may recompile the bench's classes (operator/bench/target/classes) while the
   * bench runs (a compile in the same checkout deletes and rewrites every class there), which made
   * both the floor client's JVM and this one fail with NoClassDefFoundError. So: load every bench
   * class now, and start the floor client from a copy of those classes taken at start.
   */
  static String snapshotBenchClasses(Path work) throws IOException, ClassNotFoundException, URISyntaxException {
    Path benchClasses = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path dir = Path.of(entry);
      if (Files.isDirectory(dir) && Files.isSameFile(dir, benchClasses)) {
        Path copy = work.resolve("classes-snapshot").toAbsolutePath();
        if (Files.exists(copy)) {
          try (var old = Files.walk(copy)) {
            for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
              Files.delete(p);
            }
          }
        }
        try (var files = Files.walk(dir)) {
          for (Path p : files.toList()) {
            Path target = copy.resolve(dir.relativize(p).toString());
            if (Files.isDirectory(p)) {
              Files.createDirectories(target);
            } else {
              Files.copy(p, target);
            }
          }
        }
        Path bench = copy.resolve("dev/imagebuilder/operator/bench");
        try (var classes = Files.list(bench)) {
          for (Path c : classes.filter(f -> f.toString().endsWith(".class")).toList()) {
            String name = c.getFileName().toString();
            Class.forName(Bench.class.getPackageName() + "." + name.substring(0, name.length() - 6), false, Bench.class.getClassLoader());
          }
        }
        entries.add(copy.toString());
      } else {
        entries.add(entry);
      }
    }
    classpath = String.join(java.io.File.pathSeparator, entries);
    return classpath;
  }

  // ------------------------------------------------------------------ settings

  private static final Pattern CHART_JVM_OPTIONS = Pattern.compile("(?m)^javaToolOptions: \"([^\"]*)\"$");

  /**
   * The JVM options the chart runs the operator with (its values' javaToolOptions), without the
   * heap sizing: the pod's memory limit sizes the chart's heap, and there is no such limit here.
   */
  static String chartJvmOptions(Path projectDir) {
    try {
      var m = CHART_JVM_OPTIONS.matcher(Files.readString(projectDir.resolve("helm/image-pipeline-operator/values.yaml")));
      if (!m.find()) {
        throw new IllegalStateException("no javaToolOptions in the chart's values.yaml");
      }
      return Arrays.stream(m.group(1).split("\\s+")).filter(x -> !x.startsWith("-XX:MaxRAMPercentage=")).collect(Collectors.joining(" "));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Settings settings() {
    List<Integer> sizes = ints(env("BENCH_SIZES", "1000,10000,50000"));
    Path operatorDir = Path.of(System.getProperty("bench.operatorDir", ".")).toAbsolutePath().normalize();
    return new Settings(
        sizes,
        Integer.parseInt(env("BENCH_REPS", "3")),
        Integer.parseInt(env("BENCH_LARGE_REPS", env("BENCH_REPS", "1"))),
        Integer.parseInt(env("BENCH_MANY_REPS", "1")),
        !"0".equals(env("BENCH_PROFILE", "1")),
        operatorDir.resolve("target/image-pipeline-operator.jar"),
        operatorDir.resolve("../crds").normalize(),
        Path.of(System.getProperty("bench.output", operatorDir.resolve("../docs/benchmarks.md").toString())).toAbsolutePath().normalize(),
        operatorDir.resolve("target/bench"),
        blankToNull(System.getenv("E2E_KUBECONFIG")),
        ints(env("E2E_SIZES", env("BENCH_SIZES", "1000,10000,50000"))),
        Integer.parseInt(env("E2E_REPS", "1")),
        Arrays.stream(env("BENCH_OPERATOR_OPTS", chartJvmOptions(operatorDir.resolve("..").normalize())).split("\\s+"))
            .filter(x -> !x.isEmpty()).toList(),
        Arrays.stream(env("BENCH_OPERATOR_ENV", "").split("\\s+")).filter(x -> x.contains("="))
            .collect(java.util.stream.Collectors.toMap(x -> x.substring(0, x.indexOf('=')), x -> x.substring(x.indexOf('=') + 1), (a, b) -> b, java.util.TreeMap::new)),
        !"0".equals(env("BENCH_MOCK", "1")),
        "1".equals(env("BENCH_DEDUP", "0")),
        !"0".equals(env("BENCH_FOREIGN", "1")),
        "1".equals(env("BENCH_FOREIGN_PROFILE", "0")),
        Integer.parseInt(env("BENCH_KUBECTL_APPLY_MAX", "10000")),
        !"0".equals(env("BENCH_RESTART", "1")));
  }

  private static List<Integer> ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(x -> !x.isEmpty()).map(Integer::parseInt).toList();
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static final long T0 = System.nanoTime();

  static void log(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, "[%4.0fs] ", (System.nanoTime() - T0) / 1e9) + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }

  /** Shares one real cluster between runs: closing a run's handle leaves it open. */
  private record Unclosable(Cluster cluster) implements Cluster {
    @Override
    public io.fabric8.kubernetes.client.KubernetesClient driver() {
      return cluster.driver();
    }

    @Override
    public Map<String, String> clientEnvironment() {
      return cluster.clientEnvironment();
    }

    @Override
    public BenchApiServer.Counts counts() {
      return cluster.counts();
    }

    @Override
    public double serverCpuSeconds() {
      return cluster.serverCpuSeconds();
    }

    @Override
    public void driverWrite(String key) {
      cluster.driverWrite(key);
    }

    @Override
    public String describe() {
      return cluster.describe();
    }

    @Override
    public boolean servesKubectl() {
      return cluster.servesKubectl();
    }

    @Override
    public void close() {}
  }
}
