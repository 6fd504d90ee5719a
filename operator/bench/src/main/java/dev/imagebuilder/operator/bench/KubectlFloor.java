package dev.imagebuilder.operator.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenario 5's headline floor: the client a user would pick. The same objects as the Fabric8 floor,
 * in one List file, created by {@code kubectl create -f} against the same server; then the same file
 * applied twice with {@code kubectl apply -f}: the first apply gives every object the annotation
 * apply keeps (untimed), the second changes nothing and is timed as the no-op apply. Wall time is
 * kubectl's whole run as a user sees it (discovery included); CPU is kubectl's user + system time,
 * from the shell's {@code times}.
 */
final class KubectlFloor {

  /** Child writes at the server; a no-op apply's must be 0, or it was not a no-op. */
  record Result(double createSeconds, double createCpu, long createWrites, double applySeconds, double applyCpu, long applyWrites) {
    boolean applied() {
      return !Double.isNaN(applySeconds);
    }
  }

  private static final Pattern TIMES = Pattern.compile("(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s");

  private KubectlFloor() {}

  /** The kubectl to time: KUBECTL, else the one .ci/tools.sh pins under the project's .tools. */
  static Path binary(Path projectDir) {
    String fromEnv = System.getenv("KUBECTL");
    return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : projectDir.resolve(".tools/bin/kubectl");
  }

  /** What {@code kubectl version --client} says, for the report. */
  static String version(Path kubectl) {
    try {
      Process p = new ProcessBuilder(kubectl.toString(), "version", "--client").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return out.lines().filter(l -> l.startsWith("Client Version")).findFirst().orElse(out.strip());
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /**
   * Creates the objects (one JSON object a line in {@code objects}) in {@code ns} with one {@code
   * kubectl create -f} of a List file, and when {@code apply} also times a no-op apply of that file.
   */
  static Result run(Path kubectl, Cluster cluster, Path objects, String ns, boolean apply, Duration timeout) throws Exception {
    Path list = objects.resolveSibling(objects.getFileName() + ".list.json");
    var json = new StringBuilder("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
    boolean first = true;
    for (String line : Files.readAllLines(objects)) {
      if (!line.isBlank()) {
        json.append(first ? "" : ",").append(line);
        first = false;
      }
    }
    Files.writeString(list, json.append("]}"));
    try {
      var before = cluster.counts();
      Timed create = time(kubectl, cluster, timeout, "create", "-n", ns, "-f", list.toString());
      long createWrites = cluster.counts().minus(before).childWrites();
      if (!apply) {
        return new Result(create.seconds, create.cpu, createWrites, Double.NaN, Double.NaN, -1);
      }
      time(kubectl, cluster, timeout, "apply", "-n", ns, "-f", list.toString());
      before = cluster.counts();
      Timed noop = time(kubectl, cluster, timeout, "apply", "-n", ns, "-f", list.toString());
      return new Result(create.seconds, create.cpu, createWrites, noop.seconds, noop.cpu, cluster.counts().minus(before).childWrites());
    } finally {
      Files.deleteIfExists(list);
    }
  }

  private record Timed(double seconds, double cpu) {}

  private static Timed time(Path kubectl, Cluster cluster, Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", "-c", "\"$0\" \"$@\" >/dev/null 2>\"$KUBECTL_ERR\"; rc=$?; times; exit $rc",
        kubectl.toString()));
    command.addAll(List.of(args));
    Path err = Files.createTempFile("kubectl", ".err");
    try {
      var builder = new ProcessBuilder(command);
      builder.environment().putAll(cluster.clientEnvironment());
      builder.environment().put("KUBECTL_ERR", err.toString());
      long start = System.nanoTime();
      Process p = builder.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl " + args[0] + " did not finish in " + timeout);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (p.exitValue() != 0) {
        throw new IllegalStateException("kubectl " + args[0] + " failed: " + Files.readString(err));
      }
      return new Timed(seconds, childCpu(out));
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /** The children's user + system seconds from the second line of bash's {@code times}. */
  static double childCpu(String times) {
    Matcher m = TIMES.matcher(times);
    if (!m.find() || !m.find()) {
      return Double.NaN;
    }
    return Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2)) + Integer.parseInt(m.group(3)) * 60
        + Double.parseDouble(m.group(4));
  }
}
