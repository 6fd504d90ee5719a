package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.ecs.EcsSettings;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * What one execution costs the heap while its watch syncs, measured rather than guessed, and the
 * default execution cap that follows for the chart's memory limit. Counted: the child as the
 * informer caches it (parsed from what a real API server sends, managedFields included, then
 * compacted by {@link CompactChildStore}), and the execution in the listing and in the planner's
 * map of what it compared. The live bytes come from the JVM's class histogram, taken after a full
 * collection, before and after {@link #EXECUTIONS} of them are built; docs/benchmarks.md holds
 * the result and the arithmetic.
 */
class ExecutionCapHeapTest {

  static final int EXECUTIONS = 10_000;

  /** The chart's default memory limit, and the share of it javaToolOptions gives the heap. */
  static final long CHART_MEMORY_LIMIT = 512L * 1024 * 1024;
  static final double HEAP_SHARE = 0.75;
  /**
   * The share of the heap one watch at the cap may take: the rest holds the operator itself (about
   * 60 MiB live: classes, clients, threads), the pages and write requests in flight, other watches,
   * and the free space a collector needs not to thrash.
   */
  static final double CAP_SHARE = 0.33;

  /** Realistic strings: the lengths and shapes ECS and a real API server send. */
  static String child(int i) {
    String id = String.format("exec-%020x", 0x0a1b2c3d4e5f6071L + i);
    return """
        {"apiVersion":"ecs.imagebuilder.dev/v1alpha1","kind":"ImagePipelineExecution",
         "metadata":{"name":"%1$s","namespace":"image-builds","uid":"%2$08x-6b1e-4c7d-9a3f-0c2d4e6f8a1b",
          "resourceVersion":"%3$d","generation":1,"creationTimestamp":"2026-06-01T10:%4$02d:%5$02dZ",
          "labels":{"ecs.imagebuilder.dev/watch":"nightly-base-images","ecs.imagebuilder.dev/pipeline":"ip-bp67acfmxazb4p0a1b2c",
            "ecs.imagebuilder.dev/status":"success"},
          "ownerReferences":[{"apiVersion":"ecs.imagebuilder.dev/v1alpha1","kind":"ImagePipelineWatch","name":"nightly-base-images",
            "uid":"7c1e9a2b-3d4f-4a5b-8c6d-1e2f3a4b5c6d","controller":true,"blockOwnerDeletion":true}],
          "managedFields":[{"manager":"image-pipeline-operator","operation":"Update","apiVersion":"ecs.imagebuilder.dev/v1alpha1",
            "time":"2026-06-01T10:%4$02d:%5$02dZ","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},
            "f:ecs.imagebuilder.dev/pipeline":{},"f:ecs.imagebuilder.dev/status":{},"f:ecs.imagebuilder.dev/watch":{}},
            "f:ownerReferences":{".":{},"k:{\\"uid\\":\\"7c1e9a2b-3d4f-4a5b-8c6d-1e2f3a4b5c6d\\"}":{}}},
            "f:spec":{".":{},"f:executionId":{},"f:imagePipelineId":{},"f:regionId":{}},
            "f:status":{".":{},"f:conditions":{},"f:creationTime":{},"f:imageId":{},"f:message":{},"f:modifiedTime":{},
            "f:phase":{},"f:resourceGroupId":{},"f:tags":{}}}}]},
         "spec":{"regionId":"cn-hangzhou","imagePipelineId":"ip-bp67acfmxazb4p0a1b2c","executionId":"%1$s"},
         "status":{"phase":"SUCCESS","imageId":"m-bp1%6$017x","message":"The image was built and distributed to 2 regions.",
          "creationTime":"2026-06-01T10:%4$02d:%5$02dZ","modifiedTime":"2026-06-01T11:%4$02d:%5$02dZ",
          "resourceGroupId":"rg-acfmzw2jz2z7xyz","tags":{"team":"platform","os":"alinux3"},
          "conditions":[{"type":"Succeeded","status":"True","reason":"Succeeded",
            "message":"The image was built and distributed to 2 regions.","lastTransitionTime":"2026-06-01T11:%4$02d:%5$02dZ"}]}}
        """.formatted(id, i, 100_000 + i, (i / 60) % 60, i % 60, i);
  }

  static EcsExecution execution(int i) {
    // Fresh strings for each, as the SDK's JSON parser makes them.
    return new EcsExecution(new String(String.format("exec-%020x", 0x0a1b2c3d4e5f6071L + i)), new String("ip-bp67acfmxazb4p0a1b2c"),
        new String("SUCCESS"), String.format("m-bp1%017x", i), new String("The image was built and distributed to 2 regions."),
        String.format("2026-06-01T10:%02d:%02dZ", (i / 60) % 60, i % 60), String.format("2026-06-01T11:%02d:%02dZ", (i / 60) % 60, i % 60),
        new String("rg-acfmzw2jz2z7xyz"), Map.of(new String("team"), new String("platform"), new String("os"), new String("alinux3")));
  }

  /** Live bytes on the heap after a full collection, from the JVM's class histogram. */
  static long liveBytes() throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    String[] lines = histogram.strip().split("\n");
    String[] total = lines[lines.length - 1].trim().split("\\s+");
    assertThat(total[0]).isEqualTo("Total");
    return Long.parseLong(total[2]);
  }

  /** Bytes of heap one execution holds while its watch syncs. */
  static long bytesPerExecution() throws Exception {
    // Warm: classes loaded and the store's shared strings in place before the first count.
    var warm = new CompactChildStore();
    warm.put("image-builds/warm", Serialization.unmarshal(child(-1 & 0xffff), ImagePipelineExecution.class));
    long before = liveBytes();
    var store = new CompactChildStore();
    List<EcsExecution> listing = new ArrayList<>(EXECUTIONS);
    Map<String, EcsExecution> compared = new HashMap<>();
    for (int i = 0; i < EXECUTIONS; i++) {
      var child = Serialization.unmarshal(child(i), ImagePipelineExecution.class);
      store.put("image-builds/" + child.getMetadata().getName(), child);
      var e = execution(i);
      listing.add(e);
      compared.put(e.executionId(), e);
    }
    long after = liveBytes();
    assertThat(store.size()).isEqualTo(EXECUTIONS);
    assertThat(listing).hasSize(compared.size());
    assertThat(warm.size()).isEqualTo(1);
    return (after - before) / EXECUTIONS;
  }

  /** The most executions one watch may list so that it takes at most {@link #CAP_SHARE} of the heap. */
  static int capFor(long memoryLimit, long bytesPerExecution) {
    return (int) (memoryLimit * HEAP_SHARE * CAP_SHARE / bytesPerExecution);
  }

  @Test
  void theDefaultCapFitsTheChartsMemoryLimitWithHeadroom() throws Exception {
    long perExecution = bytesPerExecution();
    System.out.printf("ExecutionCapHeapTest: %d bytes per execution; the chart's %d MiB allow %d executions per watch%n",
        perExecution, CHART_MEMORY_LIMIT >> 20, capFor(CHART_MEMORY_LIMIT, perExecution));
    // A measurement far outside this band means the measurement, not the operator, went wrong.
    assertThat(perExecution).isBetween(1_000L, 8_000L);
    assertThat(EcsSettings.DEFAULT_MAX_LISTED).isLessThanOrEqualTo(capFor(CHART_MEMORY_LIMIT, perExecution));
    // ... and not so far below that the default wastes what the chart pays for.
    assertThat(EcsSettings.DEFAULT_MAX_LISTED).isGreaterThanOrEqualTo(capFor(CHART_MEMORY_LIMIT, perExecution) * 3 / 4);
  }
}
