package dev.imagebuilder.operator.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a JFR recording of the operator says about CPU: execution samples per thread (pool numbers
 * folded), per leaf method, and per method anywhere on the stack ("inclusive"), for the operator's,
 * JOSDK's, Fabric8's, Alibaba's and Jackson's methods. Allocation samples are summed per leaf frame.
 */
record JfrSummary(
    int samples,
    Map<String, Activity> activities,
    Map<String, Integer> byThread,
    Map<String, Integer> byLeaf,
    Map<String, Integer> inclusive,
    Map<String, Long> allocationByFrame,
    long allocationTotal) {

  /** Samples of one kind of work, and when (seconds after the first sample) it was first and last seen. */
  record Activity(int samples, double firstSeconds, double lastSeconds) {}

  /**
   * What a sample was doing, by the frames on its stack: the order matters (a create's response
   * parsed on an HTTP client thread is still "writing children").
   */
  static String activity(List<String> stack) {
    String s = String.join(" ", stack);
    if (s.contains("ChildWriter.write") || s.contains("OperationSupport.handleResponse") || s.contains("OperationSupport.lambda$handleResponse")) {
      return "writing children (Fabric8 create: serialize, HTTP, parse the answer)";
    }
    if (s.contains("WebSocketImpl$ReceiveTask") || s.contains("AbstractWatchManager") || s.contains("informers.")) {
      return "receiving watch events (the informers hear every write come back)";
    }
    if (s.contains("SdkImagePipelines") || s.contains("com.aliyun.")) {
      return "listing ECS (Alibaba SDK)";
    }
    if (s.contains("ImagePipelineWatchReconciler")) {
      return "planning in the reconciler (desired children, comparison, status)";
    }
    if (s.contains("jdk.internal.net.http") || s.contains("CompletableFuture")) {
      return "HTTP client plumbing (JDK HttpClient, futures)";
    }
    return "other";
  }

  private static final List<String> INTERESTING =
      List.of("dev.imagebuilder.", "io.javaoperatorsdk.", "io.fabric8.", "com.aliyun.", "com.fasterxml.", "java.net.http.", "jdk.internal.net.http.");

  static JfrSummary of(Path file) throws IOException {
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> leaves = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Long> alloc = new HashMap<>();
    long allocTotal = 0;
    int samples = 0;
    Map<String, int[]> counts = new HashMap<>();
    Map<String, long[]> times = new HashMap<>();
    long firstSample = Long.MAX_VALUE;
    try (var recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        String type = e.getEventType().getName();
        if (type.equals("jdk.ExecutionSample")) {
          samples++;
          var thread = e.getThread("sampledThread");
          String name = thread == null ? "?" : thread.getJavaName();
          threads.merge(name == null ? "?" : name.replaceAll("\\d+", "N"), 1, Integer::sum);
          RecordedStackTrace stack = e.getStackTrace();
          if (stack == null || stack.getFrames().isEmpty()) {
            continue;
          }
          leaves.merge(frame(stack.getFrames().get(0)), 1, Integer::sum);
          String what = activity(stack.getFrames().stream().map(JfrSummary::frame).toList());
          long at = e.getStartTime().toEpochMilli();
          firstSample = Math.min(firstSample, at);
          counts.computeIfAbsent(what, k -> new int[1])[0]++;
          long[] span = times.computeIfAbsent(what, k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
          span[0] = Math.min(span[0], at);
          span[1] = Math.max(span[1], at);
          Set<String> seen = new HashSet<>();
          for (RecordedFrame f : stack.getFrames()) {
            String m = frame(f);
            if (INTERESTING.stream().anyMatch(m::startsWith) && seen.add(m)) {
              inclusive.merge(m, 1, Integer::sum);
            }
          }
        } else if (type.equals("jdk.ObjectAllocationSample")) {
          long weight = e.getLong("weight");
          allocTotal += weight;
          RecordedStackTrace stack = e.getStackTrace();
          String where = "?";
          if (stack != null) {
            // The first frame outside the JDK's collections, strings and reflection says who allocated.
            for (RecordedFrame f : stack.getFrames()) {
              String m = frame(f);
              if (!m.startsWith("java.") && !m.startsWith("jdk.internal.") && !m.startsWith("sun.")) {
                where = m;
                break;
              }
            }
          }
          alloc.merge(where, weight, Long::sum);
        }
      }
    }
    Map<String, Activity> activities = new LinkedHashMap<>();
    long origin = firstSample;
    counts.entrySet().stream()
        .sorted((a, b) -> b.getValue()[0] - a.getValue()[0])
        .forEach(en -> activities.put(en.getKey(), new Activity(en.getValue()[0],
            (times.get(en.getKey())[0] - origin) / 1000.0, (times.get(en.getKey())[1] - origin) / 1000.0)));
    return new JfrSummary(samples, activities, sorted(threads), sorted(leaves), sorted(inclusive), sortedLong(alloc), allocTotal);
  }

  private static String frame(RecordedFrame f) {
    var m = f.getMethod();
    return m == null ? "?" : m.getType().getName() + "." + m.getName();
  }

  private static Map<String, Integer> sorted(Map<String, Integer> m) {
    Map<String, Integer> out = new LinkedHashMap<>();
    m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static Map<String, Long> sortedLong(Map<String, Long> m) {
    Map<String, Long> out = new LinkedHashMap<>();
    m.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
