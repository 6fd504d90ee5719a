package dev.imagebuilder.operator.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the bench starts: the operator (its production jar, configured through its environment as
 * in a cluster) or the floor client. Kept in its own process so that its heap holds only its own
 * objects, never the API server's or the simulator's, and its CPU time can be read apart.
 */
final class ChildJvm implements AutoCloseable {

  private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)\\s*$");
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final String name;
  private final Process process;
  private final List<String> output = new CopyOnWriteArrayList<>();

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  output.add(line);
                  if (Bench.VERBOSE) {
                    System.out.println("  [" + name + "] " + line);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code java <jvmArgs> <args>} with the given environment added (ALIBABA_CLOUD_* and ECS_* removed first). */
  static ChildJvm start(String name, List<String> args, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(args);
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("ALIBABA_CLOUD_") || k.startsWith("ECS_") || k.startsWith("KUBE"));
    builder.environment().putAll(env);
    return new ChildJvm(name, builder.start());
  }

  long pid() {
    return process.pid();
  }

  List<String> output() {
    return output;
  }

  /** Waits for a line of output that matches, failing if the process ends or the time runs out. */
  Matcher awaitLine(Pattern pattern, int from, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (int i = from; i < output.size(); i++) {
        Matcher m = pattern.matcher(output.get(i));
        if (m.find()) {
          return m;
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
      }
      sleep(20);
    }
    throw new IllegalStateException(name + " printed no line matching " + pattern + " in " + timeout + ":\n" + tail());
  }

  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(name + " did not finish in " + timeout + ":\n" + tail());
    }
    return process.exitValue();
  }

  String tail() {
    int n = output.size();
    return String.join("\n", output.subList(Math.max(0, n - 30), n));
  }

  /** User + system CPU seconds the process has used so far (from /proc). */
  double cpuSeconds() {
    return cpuSecondsOf(process.pid());
  }

  /**
   * CPU seconds so far per kind of thread, from /proc/PID/task: "JIT compiler" (C1 and C2
   * threads), "garbage collector" (G1's threads) and "application" (every other thread).
   */
  Map<String, Double> cpuByThreadKind() {
    Map<String, Double> out = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS_PER_SECOND;
          out.merge(threadKind(name), cpu, Double::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
  }

  static String threadKind(String threadName) {
    if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
      return "JIT compiler";
    }
    if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
      return "garbage collector";
    }
    return "application";
  }

  static double cpuSecondsOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields after the command: state(0) ... utime(11) stime(12)
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Live heap by class: {@code jcmd PID GC.class_histogram} runs a full GC first and then counts only
   * reachable objects, so its total is the retained heap. Run twice; the second is kept (the first
   * GC may leave objects whose finalization or reference processing frees them only on the next).
   */
  Histogram histogram() throws IOException, InterruptedException {
    histogramOnce();
    return histogramOnce();
  }

  private Histogram histogramOnce() throws IOException, InterruptedException {
    var jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    var p = new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.class_histogram").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd GC.class_histogram failed: " + out);
    }
    List<Histogram.Row> rows = new ArrayList<>();
    long total = -1;
    for (String line : out.split("\n")) {
      Matcher m = HISTOGRAM_LINE.matcher(line);
      if (m.matches()) {
        rows.add(new Histogram.Row(m.group(3), Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
        continue;
      }
      Matcher t = HISTOGRAM_TOTAL.matcher(line.trim());
      if (t.matches()) {
        total = Long.parseLong(t.group(2));
      }
    }
    if (total < 0) {
      throw new IllegalStateException("no total in the class histogram: " + out.lines().limit(5).toList());
    }
    return new Histogram(total, rows);
  }

  /** Runs a jcmd command (JFR.start, JFR.stop ...) against the process. */
  String jcmd(String... command) throws IOException, InterruptedException {
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    c.add(Long.toString(process.pid()));
    c.addAll(List.of(command));
    var p = new ProcessBuilder(c).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(120, TimeUnit.SECONDS);
    return out;
  }

  /** A heap histogram: live bytes in total and per class. */
  record Histogram(long totalBytes, List<Row> rows) {
    record Row(String className, long instances, long bytes) {}

    /** Per-class growth from {@code before}, largest first. */
    List<Row> growthSince(Histogram before) {
      Map<String, Row> old = new java.util.HashMap<>();
      before.rows.forEach(r -> old.put(r.className, r));
      List<Row> out = new ArrayList<>();
      for (Row r : rows) {
        Row o = old.get(r.className);
        out.add(new Row(r.className, r.instances - (o == null ? 0 : o.instances), r.bytes - (o == null ? 0 : o.bytes)));
      }
      out.sort((a, b) -> Long.compare(b.bytes, a.bytes));
      return out;
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Ends the process the bench started: SIGTERM (the operator's shutdown hook runs), then SIGKILL. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
