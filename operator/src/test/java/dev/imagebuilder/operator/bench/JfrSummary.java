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
    Map<String, Integer> byThread,
    Map<String, Integer> byLeaf,
    Map<String, Integer> inclusive,
    Map<String, Long> allocationByFrame,
    long allocationTotal) {

  private static final List<String> INTERESTING =
      List.of("dev.imagebuilder.", "io.javaoperatorsdk.", "io.fabric8.", "com.aliyun.", "com.fasterxml.", "java.net.http.", "jdk.internal.net.http.");

  static JfrSummary of(Path file) throws IOException {
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> leaves = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Long> alloc = new HashMap<>();
    long allocTotal = 0;
    int samples = 0;
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
    return new JfrSummary(samples, sorted(threads), sorted(leaves), sorted(inclusive), sortedLong(alloc), allocTotal);
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
