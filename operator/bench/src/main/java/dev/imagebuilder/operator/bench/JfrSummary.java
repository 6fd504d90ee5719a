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
    Map<String, Integer> byLayer,
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
    if (s.contains("jdk.internal.net.http") || s.contains("okhttp3.") || s.contains("io.vertx.") || s.contains("io.netty.")
        || s.contains("CompletableFuture")) {
      return "HTTP client plumbing (Vert.x and Netty, JDK HttpClient or OkHttp, futures)";
    }
    return "other";
  }

  /**
   * The layers a CPU sample is charged to, each by the prefixes of its frames. A sample goes to the
   * layer of the frame nearest the top of its stack that has one, so a JDK collection or string
   * method is charged to the library that called it (a HashMap lookup inside Jackson is JSON work).
   */
  private static final Map<String, List<String>> LAYERS = layers();

  private static Map<String, List<String>> layers() {
    Map<String, List<String>> layers = new LinkedHashMap<>();
    layers.put("TLS (encryption, handshakes)",
        List.of("sun.security.", "com.sun.crypto.", "javax.crypto.", "javax.net.ssl.", "io.netty.handler.ssl."));
    layers.put("socket I/O", List.of("sun.nio.ch.", "java.net.Socket", "java.net.SocketInputStream", "java.net.SocketOutputStream",
        "io.netty.channel.nio.", "io.netty.channel.socket.", "io.netty.channel.epoll."));
    layers.put("JSON: Jackson (Fabric8's serialization)", List.of("com.fasterxml.jackson."));
    layers.put("JSON: Gson (the Alibaba SDK's parser)", List.of("com.google.gson."));
    layers.put("logging", List.of("org.slf4j.", "ch.qos.logback.", "org.apache.logging.", "java.util.logging."));
    layers.put("HTTP client (Vert.x and Netty, JDK HttpClient or OkHttp; Fabric8's HTTP layer)",
        List.of("io.vertx.", "io.netty.", "jdk.internal.net.http.", "java.net.http.", "okhttp3.", "okio.",
            "io.fabric8.kubernetes.client.http.", "io.fabric8.kubernetes.client.vertx.", "io.fabric8.kubernetes.client.jdkhttp.",
            "io.fabric8.kubernetes.client.okhttp."));
    layers.put("child cache (informer store)", List.of("dev.imagebuilder.operator.reconciler.CompactChildStore", "io.fabric8.kubernetes.client.informers.cache."));
    layers.put("the operator's own code", List.of("dev.imagebuilder."));
    layers.put("JOSDK", List.of("io.javaoperatorsdk."));
    layers.put("Fabric8 (DSL, watches, informers)", List.of("io.fabric8."));
    layers.put("the Alibaba SDK (signing, HTTP)", List.of("com.aliyun."));
    return layers;
  }

  /** The layer of a stack (frames from the top, the running method first). */
  static String layer(List<String> stack) {
    for (String frame : stack) {
      for (var layer : LAYERS.entrySet()) {
        if (layer.getValue().stream().anyMatch(frame::startsWith)) {
          return layer.getKey();
        }
      }
    }
    return "JDK and other (no library frame)";
  }

  private static final List<String> INTERESTING =
      List.of("dev.imagebuilder.", "io.javaoperatorsdk.", "io.fabric8.", "com.aliyun.", "com.fasterxml.", "io.vertx.", "io.netty.",
          "java.net.http.", "jdk.internal.net.http.", "okhttp3.");

  static JfrSummary of(Path file) throws IOException {
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> layers = new HashMap<>();
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
          List<String> frames = stack.getFrames().stream().map(JfrSummary::frame).toList();
          layers.merge(layer(frames), 1, Integer::sum);
          String what = activity(frames);
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
    return new JfrSummary(samples, activities, sorted(threads), sorted(layers), sorted(leaves), sorted(inclusive), sortedLong(alloc), allocTotal);
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
