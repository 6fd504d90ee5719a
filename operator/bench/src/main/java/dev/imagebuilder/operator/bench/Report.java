package dev.imagebuilder.operator.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** Writes docs/benchmarks.md from the results of one run. */
final class Report {

  private final Bench.Settings settings;
  private final Map<String, String> machine;
  private final String started = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(ZonedDateTime.now(ZoneOffset.UTC));
  private final String loadAtStart = loadAverage();
  Bench.Column mock;
  Bench.Column real;
  final List<Bench.Profile> profiles = new ArrayList<>();
  Bench.HeapCheck dedup;
  Bench.IncrementalRun incremental;
  double totalSeconds;
  double mockSeconds;

  /** A no-op poll of 10,000 before the poll was reshaped (docs/benchmarks.md of 2026-11-28): 4.35 s of CPU. */
  static final double NOOP_CPU_BEFORE_MICROS = 435;
  static final double NOOP_CPU_TARGET_MICROS = 100;
  /** The real API server column's target for every no-op poll, the first after a sync included. */
  static final double NOOP_CPU_FROM_FIRST_MICROS = 30;

  Report(Bench.Settings settings, Map<String, String> machine) {
    this.settings = settings;
    this.machine = machine;
  }

  static Map<String, String> machine() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    String cpu = read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name")).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    m.put("cores", Runtime.getRuntime().availableProcessors() + " (" + cpu + ")");
    String mem = read("/proc/meminfo").lines().filter(l -> l.startsWith("MemTotal")).findFirst()
        .map(l -> String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).orElse("?");
    m.put("memory", mem);
    m.put("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
        + "; every JVM with default ergonomics (G1, max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)");
    String os = read("/etc/os-release").lines().filter(l -> l.startsWith("PRETTY_NAME=")).findFirst()
        .map(l -> l.substring(12).replace("\"", "")).orElse(System.getProperty("os.name"));
    m.put("OS", os + ", kernel " + System.getProperty("os.version"));
    return m;
  }

  String machineLine() {
    return machine.get("cores") + ", " + machine.get("memory") + ", load " + loadAtStart;
  }

  static String loadAverage() {
    String[] f = read("/proc/loadavg").trim().split("\\s+");
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "?";
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "";
    }
  }

  // ------------------------------------------------------------------ numbers

  static double median(List<Double> values) {
    var v = values.stream().sorted().toList();
    if (v.isEmpty()) {
      return Double.NaN;
    }
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  static <T> String spread(List<T> runs, ToDoubleFunction<T> f, String format) {
    List<Double> v = runs.stream().map(r -> f.applyAsDouble(r)).toList();
    if (v.isEmpty()) {
      return "–";
    }
    double med = median(v);
    if (v.size() == 1) {
      return fmt(format, med);
    }
    double min = v.stream().min(Double::compare).get();
    double max = v.stream().max(Double::compare).get();
    return fmt(format, med) + " (" + fmt(format, min) + "–" + fmt(format, max) + ")";
  }

  /** The distinct values, e.g. "20" or "20, 21". */
  static <T> String values(List<T> runs, Function<T, Object> f) {
    return runs.stream().map(f).map(String::valueOf).distinct().collect(Collectors.joining(", "));
  }

  static String fmt(String format, double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, format, v);
  }

  static String kb(double bytes) {
    return String.format(Locale.ROOT, "%.2f KB", bytes / 1024);
  }

  static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1024 / 1024);
  }

  /** The least time the operator's ECS request budget lets {@code calls} requests take, in seconds. */
  double budgetSeconds(int calls) {
    double rate = dev.imagebuilder.operator.OperatorConfig.fromEnvironment(settings.operatorEnv()).requestsPerSecond();
    return Math.max(0, calls - Math.max(1, rate)) / rate;
  }

  static int ecsFloor(int n) {
    return (n + Bench.PAGE_SIZE - 1) / Bench.PAGE_SIZE;
  }

  private static List<Integer> sizes(Bench.Column c) {
    return c.syncs.stream().map(Bench.SyncRun::n).distinct().toList();
  }

  private static List<Bench.SyncRun> syncs(Bench.Column c, int n) {
    return c.syncs.stream().filter(r -> r.n() == n).toList();
  }

  /** The i-th no-op poll (0 = the first after the sync) of every run of size n. */
  private static List<Bench.Phase> noopPolls(Bench.Column c, int n, int i) {
    return syncs(c, n).stream().filter(r -> r.noop().size() > i).map(r -> r.noop().get(i)).toList();
  }

  private static String ordinal(int k) {
    return switch (k) {
      case 2 -> "second";
      case 3 -> "third";
      default -> k + "th";
    };
  }

  private static List<Bench.FloorRun> floors(Bench.Column c, int n) {
    return c.floors.stream().filter(r -> r.n() == n).toList();
  }

  /**
   * The least ratio the CPU allows, per run pair: the operator run's CPU (operator and API server)
   * spread over every core, over the floor's time; NaN where the server's CPU is not known.
   */
  private static List<Double> leastRatios(Bench.Column c, int n) {
    int cores = Runtime.getRuntime().availableProcessors();
    var s = syncs(c, n);
    var f = floors(c, n);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < Math.min(s.size(), f.size()); i++) {
      var p = s.get(i).initial();
      double least = (p.operatorCpu() + p.serverCpu()) / cores / f.get(i).seconds();
      if (!Double.isNaN(least)) {
        out.add(least);
      }
    }
    return out;
  }

  /** Operator initial sync over floor, per run pair (run i of each, interleaved in time). */
  private static List<Double> ratios(Bench.Column c, int n) {
    var s = syncs(c, n);
    var f = floors(c, n);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < Math.min(s.size(), f.size()); i++) {
      out.add(s.get(i).initial().seconds() / f.get(i).seconds());
    }
    return out;
  }

  /** Operator initial sync over {@code kubectl create -f} of the same objects, per run pair with a kubectl floor. */
  private static List<Double> kubectlRatios(Bench.Column c, int n) {
    var s = syncs(c, n);
    var f = floors(c, n);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < Math.min(s.size(), f.size()); i++) {
      if (f.get(i).kubectl() != null) {
        out.add(s.get(i).initial().seconds() / f.get(i).kubectl().createSeconds());
      }
    }
    return out;
  }

  /** No-op {@code kubectl apply} over the operator's no-op poll {@code i}, per run pair where both were timed. */
  private static List<Double> noopSpeedups(Bench.Column c, int n, int i) {
    var s = syncs(c, n);
    var f = floors(c, n);
    List<Double> out = new ArrayList<>();
    for (int k = 0; k < Math.min(s.size(), f.size()); k++) {
      var kubectl = f.get(k).kubectl();
      if (kubectl != null && kubectl.applied()) {
        out.add(kubectl.applySeconds() / s.get(k).noop().get(i).seconds());
      }
    }
    return out;
  }

  private static boolean hasKubectl(Bench.Column c) {
    return c.floors.stream().anyMatch(f -> f.kubectl() != null);
  }

  private static double heapPerExecution(Bench.SyncRun r) {
    return (r.heapAfterSync() - r.heapBaseline()) / (double) r.n();
  }

  private static double steadyHeapPerExecution(Bench.SyncRun r) {
    return (r.heapAfterPolls() - r.heapBaseline()) / (double) r.n();
  }

  // ------------------------------------------------------------------ document

  void write(Path file) throws IOException {
    var md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append("Generated by `make bench` (`operator/bench/src/main/java/dev/imagebuilder/operator/bench/`) on ")
        .append(started).append(". Do not edit by hand: run it again. The whole run took ")
        .append(fmt("%.1f", totalSeconds / 60)).append(" minutes")
        .append(real == null ? "" : " (" + fmt("%.1f", mockSeconds / 60) + " without the real API server column)")
        .append("; sizes ").append(settings.sizes()).append(", ").append(settings.reps()).append(" runs of scenarios 1–3 and 5 per size")
        .append(settings.largeReps() != settings.reps() ? " (" + settings.largeReps() + " above 10,000)" : "").append(", ")
        .append(settings.manyReps()).append(" of scenario 4. Each cell is the median, with the lowest and highest run in brackets; KB = 1,024 bytes.\n\n");

    var knobs = System.getenv().entrySet().stream()
        .filter(e -> e.getKey().startsWith("BENCH_") || e.getKey().startsWith("E2E_"))
        .map(e -> e.getKey() + "=" + (e.getKey().equals("E2E_KUBECONFIG") ? "…" : e.getValue()))
        .sorted().collect(Collectors.joining(" "));
    md.append("Run as `").append(knobs.isEmpty() ? "" : knobs + " ").append("make bench`.\n\n");
    md.append("## Machine\n\n| | |\n| --- | --- |\n");
    machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    md.append("| operator JVM options | ").append(settings.operatorJvmOptions().isEmpty() ? "none" : "`" + String.join(" ", settings.operatorJvmOptions()) + "`")
        .append(System.getenv("BENCH_OPERATOR_OPTS") != null ? " (BENCH_OPERATOR_OPTS)" : " (the chart's `javaToolOptions`, without its heap sizing)").append(" |\n");
    if (real != null) {
      Path kubectl = KubectlFloor.binary(settings.projectDir());
      md.append("| kubectl of scenario 5 | `").append(KubectlFloor.version(kubectl)).append("` (")
          .append(System.getenv("KUBECTL") != null ? "KUBECTL" : "pinned by `.ci/tools.sh`").append(") |\n");
    }
    md.append("| operator environment | ").append(settings.operatorEnv().isEmpty() ? "the defaults: `CHILD_WRITE_CONCURRENCY` 8, `ECS_REQUESTS_PER_SECOND` 2" : "`" + settings.operatorEnv() + "` (BENCH_OPERATOR_ENV), other settings at their defaults")
        .append("; `ECS_MAX_EXECUTIONS_PER_WATCH` always just above the largest N (the default cap, 40,000, refuses 50,000)").append(" |\n");
    md.append("| load average (1, 5, 15 min) | ").append(loadAtStart).append(" at the start, ").append(loadAverage())
        .append(" at the end: the machine is shared with other builds, so times are noisy; each table gives the load before each run |\n");
    md.append("| API server | ").append(mock == null ? "–" : "Fabric8 mock server 7.5.2 in CRUD mode with a name index, in the bench's JVM (see How measured)")
        .append(real == null ? "" : "; second column: " + real.server).append(" |\n\n");

    if (mock != null) {
      targets(md, mock);
      column(md, mock, "");
    }
    if (incremental != null) {
      incremental(md, incremental);
    }
    if (real != null) {
      md.append("\n# Second column: ").append(real.server).append("\n\n");
      md.append("The e2e tier's control plane (`E2E_KUBECONFIG`), ").append(settings.e2eReps())
          .append(" run(s) per size. Writes are counted from the server's own `apiserver_request_total`.\n\n");
      targets(md, real);
      column(md, real, " (real API server)");
    }
    if (mock != null && real != null) {
      compareHeaps(md);
    }
    if (dedup != null) {
      md.append("## Heap with `").append(String.join(" ", dedup.options())).append("`: one more initial sync, N=").append(dedup.n())
          .append(" (not counted above)\n\n");
      var same = mock.syncs.stream().filter(r -> r.n() == dedup.n()).toList();
      md.append("Retained ").append(kb(dedup.retained() / (double) dedup.n())).append(" per execution, against ")
          .append(kb(median(same.stream().map(Report::heapPerExecution).toList())))
          .append(" without the option in scenario 1 (same N, mock server). Largest growth by class: ")
          .append(dedup.growth().stream().map(r -> "`" + r.className() + "` " + fmt("%.0f", r.bytes() / (double) dedup.n()) + " B")
              .collect(Collectors.joining(", ")))
          .append(" per execution.\n\n");
    }
    for (var p : profiles) {
      profile(md, p);
    }
    howMeasured(md);
    md.append(podSection(file));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, md.toString());
  }

  /**
   * The last section, "## In a pod", holds what `make e2e` measured of the image running as a pod
   * (PodInstallIT writes it to target/e2e/pod-measurements.txt); a bench run keeps it as it was.
   */
  static String podSection(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    String old = Files.readString(file);
    int at = old.indexOf("\n## In a pod");
    return at < 0 ? "" : "\n" + old.substring(at + 1);
  }

  /**
   * Whether the CPU alone explains the ratio: the operator's run cannot end before its CPU time,
   * spread over every core, has passed, however many writes it makes at once.
   */
  private static void cpuBound(StringBuilder md, Bench.Column c, List<Integer> ns) {
    int cores = Runtime.getRuntime().availableProcessors();
    md.append("### What the CPU allows\n\n")
        .append("The operator, the API server and the floor client share this machine's ").append(cores)
        .append(" cores. A run cannot end before its CPU time, spread over all of them, has passed, so (operator CPU + API server CPU) ÷ ")
        .append(cores).append(" ÷ the floor's wall time is the least ratio the CPU allows, whatever the number of parallel writes. ")
        .append("Where it is near the measured ratio, the run was CPU-bound and only less CPU per child would bring it down. ")
        .append("The real API server column, whose pace is set by its storage rather than by the CPU, shows what parallel writes buy there.\n\n");
    md.append("| N | operator run: CPU s (operator + API server) | cores busy | floor run: CPU s (client + API server) | cores busy | CPU ms per child, operator ÷ floor client | least ratio the CPU allows | measured ratio |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int n : ns) {
      var s = syncs(c, n);
      var f = floors(c, n);
      var least = leastRatios(c, n);
      md.append("| ").append(n)
          .append(" | ").append(spread(s, x -> x.initial().operatorCpu() + x.initial().serverCpu(), "%.1f"))
          .append(" | ").append(spread(s, x -> (x.initial().operatorCpu() + x.initial().serverCpu()) / x.initial().seconds(), "%.2f"))
          .append(" | ").append(spread(f, x -> x.clientCpu() + x.serverCpu(), "%.1f"))
          .append(" | ").append(spread(f, x -> (x.clientCpu() + x.serverCpu()) / x.seconds(), "%.2f"))
          .append(" | ").append(fmt("%.2f", median(s.stream().map(x -> x.initial().operatorCpu() * 1000 / n).toList())))
          .append(" ÷ ").append(fmt("%.2f", median(f.stream().map(x -> x.clientCpu() * 1000 / n).toList())))
          .append(" | ").append(spread(least, x -> x, "%.2f×"))
          .append(" | ").append(spread(ratios(c, n), x -> x, "%.2f×"))
          .append(" |\n");
    }
    md.append("\n");
  }

  private void targets(StringBuilder md, Bench.Column c) {
    md.append("## Targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
    var ns = sizes(c);
    // 1. ratio
    List<String> ratio = new ArrayList<>();
    boolean ratioMet = true;
    for (int n : ns) {
      double r = median(ratios(c, n));
      ratioMet &= r <= 1.0;
      double least = median(leastRatios(c, n));
      ratio.add("N=" + n + ": " + fmt("%.2f×", r) + (Double.isNaN(least) ? "" : " (the CPU allows " + fmt("%.2f×", least) + ")"));
    }
    if (hasKubectl(c)) {
      List<String> byKubectl = new ArrayList<>();
      boolean kubectlMet = true;
      List<String> speedup = new ArrayList<>();
      boolean speedupMet = true;
      boolean speedupJudged = false;
      List<String> perChild = new ArrayList<>();
      boolean perChildMet = true;
      for (int n : ns) {
        double r = median(kubectlRatios(c, n));
        kubectlMet &= r <= 1.0;
        byKubectl.add("N=" + n + ": " + fmt("%.2f×", r));
        double cpu = median(syncs(c, n).stream().map(x -> x.initial().operatorCpu() * 1000 / x.initial().childWrites()).toList());
        perChildMet &= cpu <= 1.0;
        double work = median(syncs(c, n).stream()
            .map(x -> (x.initial().operatorCpu() - x.initial().jitCpu() - x.initial().gcCpu()) * 1000 / x.initial().childWrites()).toList());
        perChild.add("N=" + n + ": " + fmt("%.2f ms", cpu) + " (" + fmt("%.2f ms", work) + " without the JIT compiler and GC)");
        for (int i = 0; i < Bench.NOOP_POLLS; i++) {
          var x = noopSpeedups(c, n, i);
          if (!x.isEmpty()) {
            speedupJudged = true;
            speedupMet &= median(x) >= 50;
            speedup.add("N=" + n + " " + (i == 0 ? "first poll" : ordinal(i + 1)) + ": " + fmt("%.1f×", median(x)));
          }
        }
      }
      md.append("| initial sync ≤ 1.0× `kubectl create -f` of the same objects (one List file), same server, same run | ")
          .append(String.join(", ", byKubectl)).append(" | ").append(kubectlMet ? "yes" : "**no**").append(" |\n");
      md.append("| operator CPU ≤ 1 ms per created child | ").append(String.join(", ", perChild)).append(" | ")
          .append(perChildMet ? "yes" : "**no**").append(" |\n");
      md.append("| a no-op poll ≥ 50× faster than a no-op `kubectl apply` of the same file | ")
          .append(speedupJudged ? String.join(", ", speedup) : "not timed (N above BENCH_KUBECTL_APPLY_MAX)").append(" | ")
          .append(!speedupJudged ? "not measured" : speedupMet ? "yes" : "**no**").append(" |\n");
      List<String> perExecution = new ArrayList<>();
      boolean perExecutionMet = true;
      for (int n : ns) {
        if (n < 10_000) {
          continue;
        }
        List<String> polls = new ArrayList<>();
        for (int i = 0; i < Bench.NOOP_POLLS; i++) {
          double micros = median(noopPolls(c, n, i).stream().map(p -> p.operatorCpu() * 1e6 / n).toList());
          perExecutionMet &= micros <= NOOP_CPU_FROM_FIRST_MICROS;
          polls.add(fmt("%.0f µs", micros));
        }
        perExecution.add("N=" + n + ": " + String.join(" / ", polls));
      }
      md.append("| a no-op poll costs the operator ≤ ").append(fmt("%.0f", NOOP_CPU_FROM_FIRST_MICROS))
          .append(" µs of CPU per execution from the first poll on, at 10k and 50k (first / second poll after the sync) | ")
          .append(perExecution.isEmpty() ? "not measured at 10k/50k" : String.join(", ", perExecution)).append(" | ")
          .append(perExecution.isEmpty() ? "not measured" : perExecutionMet ? "yes" : "**no**").append(" |\n");
    }
    md.append("| initial sync ≤ 1.0× the sequential Fabric8 floor").append(hasKubectl(c) ? " (second column)" : "").append(" | ")
        .append(String.join(", ", ratio)).append(" | ").append(ratioMet ? "yes" : "**no**").append(" |\n");
    // 2. no-op writes
    List<String> noop = new ArrayList<>();
    boolean noopMet = true;
    for (int n : ns) {
      var w = syncs(c, n).stream().flatMap(r -> r.noop().stream()).map(Bench.Phase::childWrites).distinct().sorted().toList();
      noopMet &= w.equals(List.of(0L));
      noop.add("N=" + n + ": " + w.stream().map(String::valueOf).collect(Collectors.joining("/")));
    }
    md.append("| a no-op poll makes 0 child writes | ").append(String.join(", ", noop)).append(" child writes | ")
        .append(noopMet ? "yes" : "**no**").append(" |\n");
    // 2b. no-op CPU: the first poll after the sync, and the last one (steady state)
    List<String> noopCpu = new ArrayList<>();
    boolean cpuMet = true;
    boolean firstMet = true;
    boolean cpuJudged = false;
    for (int n : ns) {
      double first = median(noopPolls(c, n, 0).stream().map(p -> p.operatorCpu() * 1e6 / n).toList());
      double last = median(noopPolls(c, n, Bench.NOOP_POLLS - 1).stream().map(p -> p.operatorCpu() * 1e6 / n).toList());
      if (n >= 10_000) {
        cpuJudged = true;
        cpuMet &= last <= NOOP_CPU_TARGET_MICROS;
        firstMet &= first <= NOOP_CPU_TARGET_MICROS;
      }
      noopCpu.add("N=" + n + ": " + (Bench.NOOP_POLLS == 1 ? fmt("%.0f µs", first) : fmt("%.0f µs", first) + " the first poll after the sync, " + fmt("%.0f µs", last) + " the next"));
    }
    md.append("| a no-op poll costs the operator ≤ ").append(fmt("%.0f", NOOP_CPU_TARGET_MICROS)).append(" µs of CPU per execution at 10k and 50k (was ")
        .append(fmt("%.0f", NOOP_CPU_BEFORE_MICROS)).append(" µs at 10k, first poll after the sync) | ").append(String.join("; ", noopCpu)).append(" | ")
        .append(!cpuJudged ? "not measured at 10k/50k" : cpuMet && firstMet ? "yes" : cpuMet ? "from the second poll on; **no** for the first (JIT compiling, see scenario 2)" : "**no**").append(" |\n");
    // 3. 1% change
    List<String> change = new ArrayList<>();
    boolean changeMet = true;
    for (int n : ns) {
      var runs = syncs(c, n);
      var w = runs.stream().map(r -> r.change().childWrites()).distinct().sorted().toList();
      long expected = runs.get(0).expectedChanges();
      changeMet &= w.equals(List.of(expected));
      change.add("N=" + n + ": " + w.stream().map(String::valueOf).collect(Collectors.joining("/")) + " of " + expected);
    }
    md.append("| 1% change makes exactly that many child writes | ").append(String.join(", ", change)).append(" | ")
        .append(changeMet ? "yes" : "**no**").append(" |\n");
    // 4. heap
    List<String> heap = new ArrayList<>();
    boolean heapMet = true;
    boolean heapJudged = false;
    for (int n : ns) {
      double h = median(syncs(c, n).stream().map(Report::heapPerExecution).toList());
      if (n >= 10_000) {
        heapJudged = true;
        heapMet &= h <= 3 * 1024;
      }
      heap.add("N=" + n + ": " + kb(h));
    }
    md.append("| retained heap ≤ 3 KB per execution at 10k and 50k | ").append(String.join(", ", heap))
        .append(" (after the initial sync) | ").append(!heapJudged ? "not measured at 10k/50k" : heapMet ? "yes" : "**no**").append(" |\n");
    // 5. ECS calls
    List<String> ecs = new ArrayList<>();
    boolean ecsMet = true;
    for (int n : ns) {
      var runs = syncs(c, n);
      var calls = new java.util.TreeSet<Integer>();
      runs.forEach(r -> {
        calls.add(r.initial().ecsCalls());
        r.noop().forEach(p -> calls.add(p.ecsCalls()));
        calls.add(r.change().ecsCalls());
      });
      ecsMet &= calls.equals(new java.util.TreeSet<>(List.of(ecsFloor(n))));
      ecs.add("N=" + n + ": " + calls.stream().map(String::valueOf).collect(Collectors.joining("/")) + " (floor " + ecsFloor(n) + ")");
    }
    if (!c.many.isEmpty()) {
      var calls = c.many.stream().map(r -> r.phase().ecsCalls()).distinct().sorted().toList();
      ecsMet &= calls.equals(List.of(Bench.MANY_WATCHES));
      ecs.add("200×50: " + calls.stream().map(String::valueOf).collect(Collectors.joining("/")) + " (floor 200)");
    }
    md.append("| ECS calls = ceil(N/500) per poll | ").append(String.join(", ", ecs)).append(" | ")
        .append(ecsMet ? "yes" : "**no**").append(" |\n");
    // 6. scenario 7, per size
    if (!c.foreign.isEmpty()) {
      var bySize = foreignBySize(c.foreign);
      String foreign = String.format(Locale.ROOT, "%,d", c.foreign.get(0).foreign());
      List<String> byFloor = new ArrayList<>();
      List<String> byKubectl = new ArrayList<>();
      boolean floorMet = true;
      boolean kubectlMet = true;
      for (var e : bySize.entrySet()) {
        var f = e.getValue();
        floorMet &= median(f.stream().map(Bench.ForeignRun::ratio).toList()) <= 1.0;
        byFloor.add("N=" + e.getKey() + ": " + spread(f, Bench.ForeignRun::ratio, "%.2f×"));
        var k = f.stream().filter(x -> x.floor().kubectl() != null)
            .map(x -> x.initial().seconds() / x.floor().kubectl().createSeconds()).toList();
        if (!k.isEmpty()) {
          kubectlMet &= median(k) <= 1.0;
          byKubectl.add("N=" + e.getKey() + ": " + spread(k, x -> x, "%.2f×"));
        }
      }
      md.append("| initial sync with ").append(foreign).append(" foreign executions present ≤ 1.0× the floor | ")
          .append(String.join(", ", byFloor)).append(" | ").append(floorMet ? "yes" : "**no**").append(" |\n");
      if (!byKubectl.isEmpty()) {
        md.append("| initial sync with ").append(foreign).append(" foreign executions present ≤ 1.0× `kubectl create -f` | ")
            .append(String.join(", ", byKubectl)).append(" | ").append(kubectlMet ? "yes" : "**no**").append(" |\n");
      }
    }
    for (var r : restarts(c)) {
      md.append("| a restart with ").append(String.format(Locale.ROOT, "%,d", r.n()))
          .append(" children writes none, reads none one by one and lists ECS once | ").append(r.requests().childWrites()).append(" child writes, ")
          .append(r.requests().count("GET imagepipelineexecutions")).append(" child GETs, ").append(r.ecsCalls())
          .append(" ECS calls (floor ").append(ecsFloor(r.n())).append("); first poll done ")
          .append(fmt("%.1f s", r.seconds())).append(" after the launch | ").append(restartBounded(r) ? "yes" : "**no**").append(" |\n");
    }
    md.append("\n");
  }

  private void column(StringBuilder md, Bench.Column c, String suffix) {
    var ns = sizes(c);
    md.append("## 1. Initial sync of N executions in one watch").append(suffix).append("\n\n");
    md.append("From creating the watch to the bench seeing `status.lastHandledReconcileAt` through a Kubernetes watch. ")
        .append("Writes are counted at the API server; retained heap is the operator JVM's live heap after a full GC, minus the same when idle before the watch existed.\n\n");
    md.append("| N | runs | wall s | operator's own log, ms | ECS calls (floor) | ECS budget wait, at least s | K8s writes | of which children | operator CPU s | of which JIT compiler, garbage collector s | API server CPU s | retained heap | per execution | per execution after the no-op poll | load before |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (int n : ns) {
      var r = syncs(c, n);
      md.append("| ").append(n).append(" | ").append(r.size())
          .append(" | ").append(spread(r, x -> x.initial().seconds(), "%.2f"))
          .append(" | ").append(spread(r, x -> x.syncedLogMillis(), "%.0f"))
          .append(" | ").append(values(r, x -> x.initial().ecsCalls())).append(" (").append(ecsFloor(n)).append(")")
          .append(" | ").append(fmt("%.1f", budgetSeconds(r.get(0).initial().ecsCalls())))
          .append(" | ").append(values(r, x -> x.initial().writes()))
          .append(" | ").append(values(r, x -> x.initial().childWrites()))
          .append(" | ").append(spread(r, x -> x.initial().operatorCpu(), "%.1f"))
          .append(" | ").append(spread(r, x -> x.initial().jitCpu(), "%.1f")).append(", ").append(spread(r, x -> x.initial().gcCpu(), "%.1f"))
          .append(" | ").append(spread(r, x -> x.initial().serverCpu(), "%.1f"))
          .append(" | ").append(mb(median(r.stream().map(x -> (double) (x.heapAfterSync() - x.heapBaseline())).toList())))
          .append(" | ").append(kb(median(r.stream().map(Report::heapPerExecution).toList())))
          .append(" | ").append(kb(median(r.stream().map(Report::steadyHeapPerExecution).toList())))
          .append(" | ").append(r.stream().map(x -> x.initial().load().split(" ")[0]).collect(Collectors.joining(", ")))
          .append(" |\n");
    }
    md.append("\nWrites in detail (first run of each size): ");
    md.append(ns.stream().map(n -> "N=" + n + ": " + syncs(c, n).get(0).initial().requests().writesDetail()).collect(Collectors.joining("; ")));
    md.append(". Ready reason after the pass: ").append(values(c.syncs, x -> x.initial().ready())).append(".");
    if (ns.size() >= 2) {
      int a = ns.get(ns.size() - 2);
      int b = ns.get(ns.size() - 1);
      double ha = median(syncs(c, a).stream().map(x -> (double) (x.heapAfterSync() - x.heapBaseline())).toList());
      double hb = median(syncs(c, b).stream().map(x -> (double) (x.heapAfterSync() - x.heapBaseline())).toList());
      md.append(" Marginal retained heap between N=").append(a).append(" and N=").append(b).append(": ")
          .append(kb((hb - ha) / (b - a))).append(" per execution.");
    }
    md.append("\n\n");

    md.append("## 2. A poll with nothing changed").append(suffix).append("\n\n");
    md.append("Asked for with the annotation `ecs.imagebuilder.dev/reconcile-requested-at`, timed until `status.lastHandledReconcileAt` shows it; ")
        .append(Bench.NOOP_POLLS).append(Bench.NOOP_POLLS == 1 ? " poll" : " polls, one after another,").append(" per run. ")
        .append("The first no-op poll after the initial sync is the first time the operator's JVM compares thousands of executions with children that exist, and its JIT compiler compiles that comparison then; later polls run it compiled.\n\n");
    md.append("The operator's CPU per execution is its CPU time across the poll (user + system, every thread: listing ECS, comparing, the status patch, the JVM's own work) over N; ")
        .append("the JIT compiler's and the garbage collector's threads are also given apart (from `/proc/<pid>/task`). ")
        .append("Before the poll was reshaped as observe → plan → apply, a no-op poll of 10,000 executions cost the operator 4.35 s of CPU, ")
        .append(fmt("%.0f", NOOP_CPU_BEFORE_MICROS)).append(" µs per execution (docs/benchmarks.md of 2026-11-28).\n\n");
    md.append("| N | poll | polls | wall s | ECS calls (floor) | ECS budget wait, at least s | K8s writes | of which children | operator CPU s | of which JIT compiler s | of which garbage collector s | operator CPU per execution, µs |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int n : ns) {
     for (int i = 0; i < Bench.NOOP_POLLS; i++) {
      var p = noopPolls(c, n, i);
      md.append("| ").append(n).append(" | ").append(i == 0 ? "first after the sync" : ordinal(i + 1)).append(" | ").append(p.size())
          .append(" | ").append(spread(p, Bench.Phase::seconds, "%.3f"))
          .append(" | ").append(values(p, Bench.Phase::ecsCalls)).append(" (").append(ecsFloor(n)).append(")")
          .append(" | ").append(fmt("%.1f", budgetSeconds(p.get(0).ecsCalls())))
          .append(" | ").append(values(p, Bench.Phase::writes))
          .append(" | ").append(values(p, Bench.Phase::childWrites))
          .append(" | ").append(spread(p, Bench.Phase::operatorCpu, "%.2f"))
          .append(" | ").append(spread(p, Bench.Phase::jitCpu, "%.2f"))
          .append(" | ").append(spread(p, Bench.Phase::gcCpu, "%.2f"))
          .append(" | ").append(spread(p, x -> x.operatorCpu() * 1e6 / n, "%.0f")).append(" |\n");
     }
    }
    md.append("\nWrites in detail: ").append(ns.stream().map(n -> "N=" + n + ": " + syncs(c, n).get(0).noop().get(0).requests().writesDetail()).collect(Collectors.joining("; "))).append(".\n\n");

    md.append("## 3. 1% of executions change status, then one poll").append(suffix).append("\n\n");
    md.append("Every hundredth execution goes from BUILDING to SUCCESS with an image in the simulator; then one poll as in scenario 2.\n\n");
    md.append("| N | changed | wall s | ECS calls (floor) | ECS budget wait, at least s | K8s writes | of which children | operator CPU s |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int n : ns) {
      var r = syncs(c, n);
      md.append("| ").append(n).append(" | ").append(r.get(0).expectedChanges())
          .append(" | ").append(spread(r, x -> x.change().seconds(), "%.3f"))
          .append(" | ").append(values(r, x -> x.change().ecsCalls())).append(" (").append(ecsFloor(n)).append(")")
          .append(" | ").append(fmt("%.1f", budgetSeconds(r.get(0).change().ecsCalls())))
          .append(" | ").append(values(r, x -> x.change().writes()))
          .append(" | ").append(values(r, x -> x.change().childWrites()))
          .append(" | ").append(spread(r, x -> x.change().operatorCpu(), "%.2f")).append(" |\n");
    }
    md.append("\nWrites in detail: ").append(ns.stream().map(n -> "N=" + n + ": " + syncs(c, n).get(0).change().requests().writesDetail()).collect(Collectors.joining("; "))).append(".\n\n");

    if (!c.many.isEmpty()) {
      var m = c.many;
      md.append("## 4. ").append(Bench.MANY_WATCHES).append(" watches × ").append(Bench.PER_WATCH).append(" executions").append(suffix).append("\n\n");
      md.append("Each watch its own pipeline; the bench creates the watches one after another and times until every one has handled its first poll.\n\n");
      md.append("| runs | wall s | ECS calls (floor) | ECS budget wait, at least s | K8s writes | of which children | operator CPU s | API server CPU s | retained heap | per execution | all Ready | load before |\n");
      md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
      int execs = Bench.MANY_WATCHES * Bench.PER_WATCH;
      md.append("| ").append(m.size())
          .append(" | ").append(spread(m, x -> x.phase().seconds(), "%.2f"))
          .append(" | ").append(values(m, x -> x.phase().ecsCalls())).append(" (").append(Bench.MANY_WATCHES).append(")")
          .append(" | ").append(fmt("%.1f", budgetSeconds(m.get(0).phase().ecsCalls())))
          .append(" | ").append(values(m, x -> x.phase().writes()))
          .append(" | ").append(values(m, x -> x.phase().childWrites()))
          .append(" | ").append(spread(m, x -> x.phase().operatorCpu(), "%.1f"))
          .append(" | ").append(spread(m, x -> x.phase().serverCpu(), "%.1f"))
          .append(" | ").append(mb(median(m.stream().map(x -> (double) (x.heapAfter() - x.heapBaseline())).toList())))
          .append(" | ").append(kb(median(m.stream().map(x -> (x.heapAfter() - x.heapBaseline()) / (double) execs).toList())))
          .append(" | ").append(values(m, x -> x.phase().ready()))
          .append(" | ").append(m.stream().map(x -> x.phase().load().split(" ")[0]).collect(Collectors.joining(", ")))
          .append(" |\n\nWrites in detail (first run): ").append(m.get(0).phase().requests().writesDetail()).append(".\n\n");
    }

    md.append("## 5. The floor: the same objects created by a bare Fabric8 client, one after another").append(suffix).append("\n\n");
    md.append("The children the operator wrote in run 1 (server-set metadata removed, owner pointed at a watch of the same name), created by `FloorClient` in its own JVM")
        .append(" against a fresh server of the same kind, timed from the first create to the last answer. Run i of the floor follows run i of scenario 1, and the ratio is taken per pair.\n\n");
    md.append("| N | runs | floor wall s | per object ms | client CPU s | API server CPU s | operator initial sync s | operator ÷ floor | load before |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (int n : ns) {
      var f = floors(c, n);
      var s = syncs(c, n);
      var rs = ratios(c, n);
      md.append("| ").append(n).append(" | ").append(f.size())
          .append(" | ").append(spread(f, Bench.FloorRun::seconds, "%.2f"))
          .append(" | ").append(spread(f, x -> x.seconds() * 1000 / n, "%.3f"))
          .append(" | ").append(spread(f, Bench.FloorRun::clientCpu, "%.1f"))
          .append(" | ").append(spread(f, Bench.FloorRun::serverCpu, "%.1f"))
          .append(" | ").append(spread(s, x -> x.initial().seconds(), "%.2f"))
          .append(" | ").append(spread(rs, x -> x, "%.2f×"))
          .append(" | ").append(f.stream().map(x -> x.load().split(" ")[0]).collect(Collectors.joining(", ")))
          .append(" |\n");
    }
    md.append("\nFloor writes at the server: ").append(ns.stream().map(n -> "N=" + n + ": " + values(floors(c, n), Bench.FloorRun::writes)).collect(Collectors.joining("; "))).append(".\n\n");
    if (hasKubectl(c)) {
      kubectlFloor(md, c, ns);
    }
    if (!Double.isNaN(median(c.floors.stream().map(Bench.FloorRun::serverCpu).toList()))) {
      cpuBound(md, c, ns);
    }

    if (!c.foreign.isEmpty()) {
      foreign(md, c.foreign, suffix);
    }
    restarts(c).forEach(r -> restart(md, r, suffix));

    int largest = ns.get(ns.size() - 1);
    var first = syncs(c, largest).get(0);
    md.append("## Where the heap goes").append(suffix).append(": N=").append(largest).append(", run 1\n\n");
    md.append("Growth of the operator's live heap per class, from idle to just after the initial sync (`jcmd GC.class_histogram`), ")
        .append("total ").append(mb(first.heapAfterSync() - first.heapBaseline())).append(", ")
        .append(kb(heapPerExecution(first))).append(" per execution.\n\n");
    md.append("| class | instances | per execution | bytes | bytes per execution |\n| --- | ---: | ---: | ---: | ---: |\n");
    for (var row : first.growth()) {
      md.append("| `").append(row.className()).append("` | ").append(row.instances())
          .append(" | ").append(fmt("%.1f", row.instances() / (double) largest))
          .append(" | ").append(mb(row.bytes()))
          .append(" | ").append(fmt("%.0f", row.bytes() / (double) largest)).append(" |\n");
    }
    md.append("\n");
  }

  private void kubectlFloor(StringBuilder md, Bench.Column c, List<Integer> ns) {
    md.append("### kubectl, the client a user would compare with\n\n");
    md.append("After each Fabric8 floor run, the same objects (owned by a suspended watch of the same name in a namespace of their own) go into one List file, ")
        .append("created with one `kubectl create -f` against the same server (`KUBECTL`, default the kubectl `.ci/tools.sh` pins); wall time is kubectl's whole run, discovery included, ")
        .append("CPU its user + system time. Then `kubectl apply -f` of the same file twice: the first gives every object the annotation apply keeps (untimed), ")
        .append("the second changes nothing and is the no-op apply, set beside the operator's no-op polls of scenario 2 in the same run.\n\n");
    md.append("| N | runs | `kubectl create -f` s | kubectl CPU s | child writes | operator initial sync s | operator ÷ kubectl | no-op `kubectl apply` s | its child writes | kubectl CPU s | operator no-op poll s (first, ")
        .append(ordinal(Bench.NOOP_POLLS)).append(") | no-op apply ÷ no-op poll (first, ").append(ordinal(Bench.NOOP_POLLS)).append(") |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int n : ns) {
      var k = floors(c, n).stream().map(Bench.FloorRun::kubectl).filter(java.util.Objects::nonNull).toList();
      if (k.isEmpty()) {
        continue;
      }
      var applied = k.stream().filter(KubectlFloor.Result::applied).toList();
      var s = syncs(c, n);
      md.append("| ").append(n).append(" | ").append(k.size())
          .append(" | ").append(spread(k, KubectlFloor.Result::createSeconds, "%.2f"))
          .append(" | ").append(spread(k, KubectlFloor.Result::createCpu, "%.1f"))
          .append(" | ").append(values(k, KubectlFloor.Result::createWrites))
          .append(" | ").append(spread(s, x -> x.initial().seconds(), "%.2f"))
          .append(" | ").append(spread(kubectlRatios(c, n), x -> x, "%.2f×"))
          .append(" | ").append(applied.isEmpty() ? "not timed" : spread(applied, KubectlFloor.Result::applySeconds, "%.2f"))
          .append(" | ").append(applied.isEmpty() ? "" : values(applied, KubectlFloor.Result::applyWrites))
          .append(" | ").append(applied.isEmpty() ? "" : spread(applied, KubectlFloor.Result::applyCpu, "%.1f"))
          .append(" | ").append(spread(noopPolls(c, n, 0), Bench.Phase::seconds, "%.3f")).append(", ")
          .append(spread(noopPolls(c, n, Bench.NOOP_POLLS - 1), Bench.Phase::seconds, "%.3f"))
          .append(" | ").append(applied.isEmpty() ? "" : spread(noopSpeedups(c, n, 0), x -> x, "%.1f×") + ", "
              + spread(noopSpeedups(c, n, Bench.NOOP_POLLS - 1), x -> x, "%.1f×"))
          .append(" |\n");
    }
    md.append("\n");
  }

  private static List<Bench.RestartRun> restarts(Bench.Column c) {
    return c.syncs.stream().map(Bench.SyncRun::restart).filter(java.util.Objects::nonNull).toList();
  }

  /** The bound scenario 8 holds a restart to: no child written, none read one by one, ECS listed once. */
  static boolean restartBounded(Bench.RestartRun r) {
    return r.requests().childWrites() == 0 && r.requests().count("GET imagepipelineexecutions") == 0
        && r.ecsCalls() <= ecsFloor(r.n());
  }

  private void restart(StringBuilder md, Bench.RestartRun r, String suffix) {
    md.append("## 8. A restart with ").append(String.format(Locale.ROOT, "%,d", r.n())).append(" children").append(suffix).append("\n\n");
    md.append("After scenario 3 of the first run at this size, the operator stops (SIGTERM) and a new process starts against the same server and simulator, ")
        .append("with nothing changed in ECS. Nobody asks for a poll: the bench waits for the one the new process makes by itself when its informers ")
        .append("have synced, until `status.lastSyncTime` shows it done. Timed from launching the process. Requests are counted at the API server ")
        .append("from just before the launch to that poll's end; ")
        .append("the real API server cannot tell the bench's own reads (its watch of the watch) apart, so they are in the reads too. ")
        .append("Peak RSS is the process' `VmHWM`; the heap is `GC.heap_info` after the poll (committed, used).\n\n");
    md.append("| N | launch to the first handled poll, s | of which starting (informers synced), s | ECS calls (floor) | operator CPU s | writes | reads | peak RSS | heap committed, used | Ready reason |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |\n");
    md.append("| ").append(r.n()).append(" | ").append(fmt("%.2f", r.seconds())).append(" | ").append(fmt("%.2f", r.started()))
        .append(" | ").append(r.ecsCalls()).append(" (").append(ecsFloor(r.n())).append(")")
        .append(" | ").append(fmt("%.1f", r.operatorCpu()))
        .append(" | ").append(r.requests().writesDetail())
        .append(" | ").append(r.requests().readsDetail())
        .append(" | ").append(r.peakRssKiB() >> 10).append(" MiB")
        .append(" | ").append(r.heapKiB()[0] >> 10).append(" MiB, ").append(r.heapKiB()[1] >> 10).append(" MiB")
        .append(" | ").append(r.ready()).append(" |\n\n");
    md.append("The bound a restart is held to: no child written and none read one by one (0 `POST`/`PUT`/`PATCH` of imagepipelineexecutions, ")
        .append("0 `GET imagepipelineexecutions`), and ECS listed once (ceil(N/500) calls); the children come back through the informer's list, ")
        .append("a page of them per request. ")
        .append(restartBounded(r) ? "Held in this run." : "**Not held in this run.**").append("\n\n");
  }

  static Map<Integer, List<Bench.ForeignRun>> foreignBySize(List<Bench.ForeignRun> runs) {
    return runs.stream().collect(Collectors.groupingBy(Bench.ForeignRun::n, TreeMap::new, Collectors.toList()));
  }

  private void foreign(StringBuilder md, List<Bench.ForeignRun> all, String suffix) {
    var bySize = foreignBySize(all);
    String sizes = bySize.keySet().stream().map(n -> String.format(Locale.ROOT, "%,d", n)).collect(Collectors.joining(" and "));
    md.append("## 7. Initial sync with foreign executions present").append(suffix).append("\n\n");
    md.append("One operator process serving three namespaces (`WATCH_NAMESPACES`) first syncs ").append(Bench.FOREIGN_WATCHES)
        .append(" watches of ").append(String.format(Locale.ROOT, "%,d", Bench.FOREIGN_PER_WATCH))
        .append(" executions each, in two of them (\"setup\", not counted); then the initial sync of a watch of ")
        .append(sizes).append(" in the third is timed as in scenario 1, with the foreign children in the operator's caches and in the API server's store. ")
        .append("The operator then stops, and the floor client creates the same objects, one after another, in a fourth namespace of the same cluster, ")
        .append("which then holds the foreign executions and the measured watch's children besides. Every watch has `interval: 1h`, so the foreign watches do not poll during the measurement. ")
        .append("On the real API server this runs after the other scenarios, whose objects stay in the cluster too, one size after the other, each with foreign executions of its own.\n\n");
    md.append("| N | runs | setup: foreign executions synced, s | children in the foreign namespaces before | wall s | operator's own log, ms | ECS calls (floor) | K8s writes | of which children | operator CPU s | of which JIT compiler, garbage collector s | API server CPU s | floor wall s | floor client CPU s | operator ÷ floor | load before (sync, floor) |\n");
    md.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (var runs : bySize.values()) {
      foreignRow(md, runs);
    }
    md.append("\n");
    for (var runs : bySize.values()) {
      var r0 = runs.get(0);
      md.append("Writes in detail, N=").append(r0.n()).append(" (first run): setup ").append(r0.setup().requests().writesDetail()).append("; measured sync ")
          .append(r0.initial().requests().writesDetail()).append("; floor ").append(r0.floor().writes()).append(" writes. Ready reason after the pass: ")
          .append(values(runs, x -> x.initial().ready())).append(".\n\n");
    }
  }

  private void foreignRow(StringBuilder md, List<Bench.ForeignRun> runs) {
    var r0 = runs.get(0);
    md.append("| ").append(r0.n()).append(" | ").append(runs.size())
        .append(" | ").append(spread(runs, x -> x.setup().seconds(), "%.2f"))
        .append(" | ").append(values(runs, Bench.ForeignRun::present))
        .append(" | ").append(spread(runs, x -> x.initial().seconds(), "%.2f"))
        .append(" | ").append(spread(runs, x -> x.syncedLogMillis(), "%.0f"))
        .append(" | ").append(values(runs, x -> x.initial().ecsCalls())).append(" (").append(ecsFloor(r0.n())).append(")")
        .append(" | ").append(values(runs, x -> x.initial().writes()))
        .append(" | ").append(values(runs, x -> x.initial().childWrites()))
        .append(" | ").append(spread(runs, x -> x.initial().operatorCpu(), "%.1f"))
        .append(" | ").append(spread(runs, x -> x.initial().jitCpu(), "%.1f")).append(", ").append(spread(runs, x -> x.initial().gcCpu(), "%.1f"))
        .append(" | ").append(spread(runs, x -> x.initial().serverCpu(), "%.1f"))
        .append(" | ").append(spread(runs, x -> x.floor().seconds(), "%.2f"))
        .append(" | ").append(spread(runs, x -> x.floor().clientCpu(), "%.1f"))
        .append(" | ").append(spread(runs, Bench.ForeignRun::ratio, "%.2f×"))
        .append(" | ").append(runs.stream().map(x -> x.initial().load().split(" ")[0] + ", " + x.floor().load().split(" ")[0]).collect(Collectors.joining("; ")))
        .append(" |\n");
  }

  private void incremental(StringBuilder md, Bench.IncrementalRun r) {
    var sp = r.scheduled();
    var fp = r.full();
    int expected = r.expectedScheduledCalls();
    int pages = (r.scheduledListed() + Bench.PAGE_SIZE - 1) / Bench.PAGE_SIZE;
    md.append("## 6. Incremental polls (mock API server, one run)\n\n");
    md.append("One watch of ").append(String.format(Locale.ROOT, "%,d", r.finished())).append(" SUCCESS and ")
        .append(String.format(Locale.ROOT, "%,d", r.active())).append(" BUILDING executions, `interval: 10s`, `fullResyncInterval: 1h`. ")
        .append("After the initial (full) sync, ").append(r.changed()).append(" of the BUILDING ones become SUCCESS in the simulator and the bench waits for the next *scheduled* poll, ")
        .append("seen as `status.lastSyncTime` changing (no annotation); then one full listing of the same pipeline is asked for with the annotation, as in scenarios 2 and 3. ")
        .append("The initial sync took ").append(fmt("%.2f", r.initial().seconds())).append(" s with ").append(r.initial().ecsCalls())
        .append(" ECS calls and ").append(r.initial().childWrites()).append(" child writes (load ").append(r.initial().load().split(" ")[0]).append(").\n\n");
    md.append("| poll | ECS calls | expected | executions listed | K8s writes | of which children | operator's own log, ms | operator CPU s | load before |\n")
        .append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
    md.append("| scheduled, incremental | ").append(sp.ecsCalls()).append(" | ceil(").append(r.activeRemaining()).append("/500) + ").append(r.changed())
        .append(" = ").append(expected).append(sp.ecsCalls() == expected ? " (matched)" : " (**not matched**)")
        .append(" | ").append(r.scheduledListed()).append(" | ").append(sp.writes()).append(" | ").append(sp.childWrites())
        .append(sp.childWrites() == r.changed() ? " (expected " + r.changed() + ": matched)" : " (expected " + r.changed() + ": **not matched**)")
        .append(" | ").append(r.scheduledLogMillis()).append(" | ").append(fmt("%.2f", sp.operatorCpu()))
        .append(" | ").append(sp.load().split(" ")[0]).append(" |\n");
    md.append("| full listing (annotation) | ").append(fp.ecsCalls()).append(" | ceil(").append(r.finished() + r.active()).append("/500) = ")
        .append(r.expectedFullCalls()).append(fp.ecsCalls() == r.expectedFullCalls() ? " (matched)" : " (**not matched**)")
        .append(" | ").append(r.fullListed()).append(" | ").append(fp.writes()).append(" | ").append(fp.childWrites())
        .append(" | ").append(r.fullLogMillis()).append(" | ").append(fmt("%.2f", fp.operatorCpu()))
        .append(" | ").append(fp.load().split(" ")[0]).append(" |\n\n");
    md.append("The scheduled poll kept `status.lastFullSyncTime` ").append(r.fullSyncTimeKept() ? "unchanged (it was incremental)" : "**not** unchanged (it was a full listing)")
        .append("; its ECS calls are ").append(pages).append(" page(s) of the active statuses (").append(r.scheduledListed())
        .append(" executions listed, from the operator's log) plus, by difference, ").append(sp.ecsCalls() - pages)
        .append(" lookup(s) by ExecutionId, one per child that was running and is no longer listed. ")
        .append("It asked ECS ").append(sp.ecsCalls()).append(" times where a full listing asks ").append(fp.ecsCalls())
        .append(", and took ").append(r.scheduledLogMillis()).append(" ms by the operator's log against ").append(r.fullLogMillis())
        .append(" ms for the full listing (").append(fmt("%.2f", fp.seconds())).append(" s wall, from the annotation to the status showing it). ")
        .append("From the simulator change to the scheduled poll's status being seen: ").append(fmt("%.1f", sp.seconds()))
        .append(" s, mostly the wait for the 10 s interval. Writes in detail: scheduled ").append(sp.requests().writesDetail())
        .append("; full ").append(fp.requests().writesDetail()).append(".\n\n");
  }

  /** Per-class difference of retained heap between the real API server's children and the mock's. */
  private void compareHeaps(StringBuilder md) {
    var common = sizes(real).stream().filter(sizes(mock)::contains).toList();
    if (common.isEmpty()) {
      return;
    }
    int n = common.get(common.size() - 1);
    var r = syncs(real, n).get(0);
    var m = syncs(mock, n).get(0);
    md.append("## Heap: real API server against mock, N=").append(n).append("\n\n");
    md.append("The same children retain ").append(kb(heapPerExecution(r))).append(" per execution in the operator when a real API server wrote them and ")
        .append(kb(heapPerExecution(m))).append(" when the mock did. By class (run 1 of each), bytes per execution:\n\n");
    md.append("| class | real | mock | difference |\n| --- | ---: | ---: | ---: |\n");
    Map<String, Long> mockBytes = new java.util.HashMap<>();
    m.growth().forEach(x -> mockBytes.put(x.className(), x.bytes()));
    Map<String, Long> realBytes = new java.util.HashMap<>();
    r.growth().forEach(x -> realBytes.put(x.className(), x.bytes()));
    var classes = new java.util.LinkedHashSet<String>();
    r.growth().forEach(x -> classes.add(x.className()));
    m.growth().forEach(x -> classes.add(x.className()));
    classes.stream()
        .sorted(Comparator.comparingLong((String k) -> -Math.abs(realBytes.getOrDefault(k, 0L) - mockBytes.getOrDefault(k, 0L))))
        .limit(8)
        .forEach(k -> md.append("| `").append(k).append("` | ")
            .append(realBytes.containsKey(k) ? fmt("%.0f", realBytes.get(k) / (double) n) : "(not in top 15)").append(" | ")
            .append(mockBytes.containsKey(k) ? fmt("%.0f", mockBytes.get(k) / (double) n) : "(not in top 15)").append(" | ")
            .append(realBytes.containsKey(k) && mockBytes.containsKey(k) ? fmt("%+.0f", (realBytes.get(k) - mockBytes.get(k)) / (double) n) : "–")
            .append(" |\n"));
    boolean kept = r.growth().stream().anyMatch(x -> x.className().endsWith(".ManagedFieldsEntry") && x.instances() >= n / 2);
    md.append(kept
        ? "\nThe real server returns every child with `metadata.managedFields` (one `ManagedFieldsEntry` per child, whose `fieldsV1` Fabric8 keeps as nested `LinkedHashMap`s); the mock writes none, and the operator's child cache keeps them.\n\n"
        : "\nThe real server returns every child with `metadata.managedFields`, the mock none; no `ManagedFieldsEntry` is among the operator's largest classes, so its child cache does not keep them.\n\n");
  }

  private void profile(StringBuilder md, Bench.Profile p) {
    var s = p.summary();
    md.append("## Where the time goes: JFR profile of one more ").append(p.pass()).append(", N=").append(p.n())
        .append(p.server() == null ? "" : ", " + p.server()).append(" (not counted above)\n\n");
    md.append("`jcmd JFR.start settings=profile` in the operator JVM from just before the pass is asked for (the watch created, or the poll annotation set) until the bench sees it handled; ")
        .append(s.samples()).append(" CPU samples (recording: `").append(p.file().getFileName()).append("` in operator/target/bench/); the operator used ")
        .append(fmt("%.2f", p.operatorCpu())).append(" s of CPU meanwhile, ").append(fmt("%.0f", p.operatorCpu() * 1e6 / p.n()))
        .append(" µs per execution, recording included.\n\n");
    md.append("CPU samples by what they were doing (classified by the frames on the stack), and when that work was first and last seen, in seconds after the first sample:\n\n")
        .append("| activity | samples | share | first s | last s |\n| --- | ---: | ---: | ---: | ---: |\n");
    s.activities().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v.samples()).append(" | ")
        .append(fmt("%.0f%%", 100.0 * v.samples() / s.samples())).append(" | ").append(fmt("%.1f", v.firstSeconds()))
        .append(" | ").append(fmt("%.1f", v.lastSeconds())).append(" |\n"));
    md.append("\nThe same samples by layer: each goes to the library of the frame nearest the top of its stack that belongs to one, so a JDK collection or string method counts for the library that called it:\n\n")
        .append("| layer | samples | share |\n| --- | ---: | ---: |\n");
    s.byLayer().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" | ").append(fmt("%.0f%%", 100.0 * v / s.samples())).append(" |\n"));
    md.append("\nCPU samples per thread (pool numbers folded):\n\n| thread | samples | share |\n| --- | ---: | ---: |\n");
    top(s.byThread(), 10).forEach((k, v) -> md.append("| `").append(k).append("` | ").append(v).append(" | ").append(fmt("%.0f%%", 100.0 * v / s.samples())).append(" |\n"));
    md.append("\nMethods anywhere on the sampled stacks (operator, JOSDK, Fabric8, Alibaba SDK, Jackson, Vert.x and Netty, JDK HTTP client):\n\n| method | samples | share |\n| --- | ---: | ---: |\n");
    top(s.inclusive(), 25).forEach((k, v) -> md.append("| `").append(k).append("` | ").append(v).append(" | ").append(fmt("%.0f%%", 100.0 * v / s.samples())).append(" |\n"));
    md.append("\nHottest leaf methods:\n\n| method | samples | share |\n| --- | ---: | ---: |\n");
    top(s.byLeaf(), 12).forEach((k, v) -> md.append("| `").append(k).append("` | ").append(v).append(" | ").append(fmt("%.0f%%", 100.0 * v / s.samples())).append(" |\n"));
    md.append("\nAllocation (JFR's sampled estimate, ").append(mb(s.allocationTotal())).append(" in all) by the first frame outside the JDK:\n\n| frame | allocated | share |\n| --- | ---: | ---: |\n");
    top(s.allocationByFrame(), 12).forEach((k, v) -> md.append("| `").append(k).append("` | ").append(mb(v)).append(" | ").append(fmt("%.0f%%", 100.0 * v / Math.max(1, s.allocationTotal()))).append(" |\n"));
    md.append("\n");
  }

  private static <V> Map<String, V> top(Map<String, V> m, int n) {
    Map<String, V> out = new java.util.LinkedHashMap<>();
    m.entrySet().stream().limit(n).forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private void howMeasured(StringBuilder md) {
    md.append("## How measured\n\n");
    md.append("""
        - **Processes.** The bench's JVM runs the API server, the ECS simulator (`EcsSimulator`, answering the real Alibaba SDK over HTTP with signatures checked) and a driver client. The operator runs as its production jar (`java -jar operator/target/image-pipeline-operator.jar`) in its own JVM, configured through its environment as the Helm chart does it (`ECS_ENDPOINT`, `ECS_PROTOCOL=http`, `ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET`, `WATCH_NAMESPACES`, `KUBECONFIG`; `CHILD_WRITE_CONCURRENCY` left at its default 8). The floor client runs in a JVM of its own too. Every run starts fresh processes, a fresh server and a fresh simulator, so one run's objects never slow down the next.
        - **API server.** The Fabric8 mock server (kubernetes-server-mock 7.5.2) in CRUD mode, as `OperatorHarness` uses it, rather than `EmbeddedKubernetes`: both store objects in the same `KubernetesCrudDispatcher`, whose every create, update, patch and get by name scans all stored objects. Measured on this machine before the bench existed: 7 ms per create with 1,000 objects stored, 15 ms with 9,000, 2.3 s (embedded) to list 10,000; 50,000 sequential creates would take about 40 minutes, and the operator and the floor would both be measuring that scan. The bench therefore gives the mock's dispatcher an index by object name (`BenchApiServer`), still checking each candidate with the mock's own matcher, so the server costs about the same per request whatever N is, as etcd-backed servers do. `EmbeddedKubernetes` adds its own JSON re-parsing and a second global lock on top of the same scan and cannot be given the index without changing it. The mock has no admission, validation or managedFields, so its per-request cost is lower than a real server's: the optional second column (`E2E_KUBECONFIG`) is the real kube-apiserver of the e2e tier.
        - **Wall time** runs from the driver's request (creating the watch, or patching the poll annotation) to the moment the driver's Kubernetes watch delivers a status whose `lastHandledReconcileAt` equals that request; the operator's own log line (`Synced ... ms`) is shown beside it. Watches use `interval: 1h`, so no scheduled poll falls inside a measurement.
        - **ECS calls** are the simulator's `callCount("DescribeImagePipelineExecutions")`, reset before each pass. The operator paces its ECS requests itself (`ECS_REQUESTS_PER_SECOND`, default 2 a second with bursts of one second, shared by every watch of one account, region and API), so a listing of c pages takes at least (c − 2) / 2 seconds whatever the machine does: the "ECS budget wait, at least" columns give that part of the wall time. A poll asked for by annotation always lists every page (`fullResyncInterval` only thins scheduled polls).
        - **Kubernetes writes** are POST, PUT, PATCH and DELETE requests counted in the mock server's dispatcher as they arrive, by resource; the driver's own requests (User-Agent `image-pipeline-bench-driver`) are left out. On the real API server they come from its `apiserver_request_total` metric, minus the driver's writes, which the bench knows. "Children" are writes to `imagepipelineexecutions`.
        - **Retained heap**: `jcmd <operator pid> GC.class_histogram` (a full GC, then a count of reachable objects only), taken twice in a row with the second kept, once when the operator is idle (started, informers synced, no watch) and once after the pass; the difference is what the watch and its children keep alive. "After the no-op poll" is the same after scenario 2, in steady state. The per-class table is the difference of the two histograms.
        - **CPU** of the operator is user + system time from `/proc/<pid>/stat` across the pass; of the API server, the bench JVM's (which also runs the simulator and the driver), or on the real API server, etcd, kube-apiserver and kube-controller-manager together when `.ci/kube.sh` runs them on this machine (their process groups, from the pid files beside the kubeconfig); of the floor client, its own process CPU time across its timed loop.
        - **kubectl floor** (real API server only; the mock serves no discovery): the same objects as one List file, `kubectl create -f` of it in a namespace of its own, timed as a user would time the command (discovery included); then a no-op `kubectl apply -f` of the same file, after an untimed first apply that gives the objects apply's annotation. This is the floor the targets name; the Fabric8 floor below is the second column.
        - **Floor**: the objects the operator wrote in run 1, with server-set metadata removed, created with `resource(obj).create()` one after another by a Fabric8 client configured like the operator's, after one list request so that connecting is not timed. The operator's time includes more than the floor's: the ECS listing (N/500 SDK calls), building the desired children and its status patch.
        - **At rest first**: every timed pass, floor and kubectl run starts once the control plane (and the operator, if one runs) has used less than 0.15 of a core over one second, waiting at most a minute, so that what the previous step left (the garbage collector catching up with thousands of new owner references, the operator hearing its last writes come back) is neither counted nor in the way.
        - **Noise**: 2 cores shared with other builds; the load average before each run is in the tables. Median and range over the runs are given; compare the ratios, measured in adjacent runs, rather than absolute times across runs.
        """);
  }
}
