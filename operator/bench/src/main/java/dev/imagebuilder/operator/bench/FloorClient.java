package dev.imagebuilder.operator.bench;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of scenario 5, run in its own JVM like the operator: a bare Fabric8 client (configured
 * from KUBECONFIG, as the operator's is) creates the given ImagePipelineExecutions one after another.
 *
 * <p>Arguments: the file of objects (one JSON object a line) and the namespace. Prints {@code
 * FLOOR_NANOS <n> COUNT <c> CPU_NANOS <cpu>}: the time from the first create to the last
 * answer, and the CPU time the process used meanwhile.
 */
public final class FloorClient {

  private FloorClient() {}

  public static void main(String[] args) throws Exception {
    List<ImagePipelineExecution> objects = new ArrayList<>();
    try (var lines = Files.lines(Path.of(args[0]))) {
      lines.filter(l -> !l.isBlank()).forEach(l -> objects.add(Serialization.unmarshal(l, ImagePipelineExecution.class)));
    }
    String namespace = args[1];
    try (var client = new KubernetesClientBuilder().build()) {
      var children = client.resources(ImagePipelineExecution.class).inNamespace(namespace);
      // One request before the clock starts, so that connecting is not counted (the operator's
      // client is connected by its informers before a watch exists).
      children.list();
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpu = os.getProcessCpuTime();
      long start = System.nanoTime();
      for (ImagePipelineExecution object : objects) {
        children.resource(object).create();
      }
      long elapsed = System.nanoTime() - start;
      long cpuUsed = os.getProcessCpuTime() - cpu;
      System.out.println("FLOOR_NANOS " + elapsed + " COUNT " + objects.size() + " CPU_NANOS " + cpuUsed);
    }
    System.exit(0);
  }
}
