package dev.imagebuilder.operator.bench;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where the operator and the floor client write: the bench's mock API server or a real kube-apiserver. */
interface Cluster extends AutoCloseable {

  /** The bench's own client (creating watches, asking for polls, reading results). */
  KubernetesClient driver();

  /** Environment that points a child JVM's Fabric8 client (KUBECONFIG) at this cluster. */
  Map<String, String> clientEnvironment();

  /** Requests the API server has received, the bench's own marked "driver ". */
  BenchApiServer.Counts counts();

  /** CPU seconds the API server has used so far, or NaN when it runs elsewhere. */
  double serverCpuSeconds();

  /** Notes a write the driver is about to make, where the server cannot tell the driver apart. */
  void driverWrite(String key);

  String describe();

  /** Whether kubectl can be pointed at it: a real kube-apiserver (the mock serves no discovery). */
  default boolean servesKubectl() {
    return false;
  }

  @Override
  void close();

  default void createNamespace(String name) {
    driverWrite("POST namespaces");
    driver().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  /** A fresh Fabric8 mock server (CRUD mode, CRDs loaded) in the bench's own JVM. */
  final class Mock implements Cluster {
    private final BenchApiServer server;
    private final Path kubeconfig;

    Mock(Path crds, Path workDir) {
      server = BenchApiServer.start(crds);
      try {
        kubeconfig = server.writeKubeconfig(workDir.resolve("kubeconfig-" + System.nanoTime()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public KubernetesClient driver() {
      return server.driver();
    }

    @Override
    public Map<String, String> clientEnvironment() {
      // As the operator's tests configure their client for the mock server.
      return Map.of("KUBECONFIG", kubeconfig.toString(), "KUBERNETES_HTTP2_DISABLE", "true");
    }

    @Override
    public BenchApiServer.Counts counts() {
      return server.counts();
    }

    @Override
    public double serverCpuSeconds() {
      return ChildJvm.cpuSecondsOf(ProcessHandle.current().pid());
    }

    @Override
    public void driverWrite(String key) {
      // counted by User-Agent at the server
    }

    @Override
    public String describe() {
      return "Fabric8 mock server 7.5.2, CRUD mode, name index";
    }

    @Override
    public void close() {
      server.close();
      try {
        Files.deleteIfExists(kubeconfig);
      } catch (IOException e) {
        // left in target/
      }
    }
  }

  /**
   * A real kube-apiserver (the e2e tier's, from {@code E2E_KUBECONFIG}). Requests are counted at
   * the server from its own {@code apiserver_request_total} metric; the driver's writes, which that
   * metric cannot tell apart, are known to the bench and subtracted.
   */
  final class Real implements Cluster {
    private static final Pattern REQUEST_TOTAL =
        Pattern.compile("^apiserver_request_total\\{(.*)\\} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private final KubernetesClient client;
    private final String kubeconfig;
    private final Map<String, Long> driverWrites = new TreeMap<>();

    Real(String kubeconfig, Path crds) {
      this.kubeconfig = kubeconfig;
      // Lists of 10,000 children on a loaded machine outlast the client's default 10 s.
      var config = Config.fromKubeconfig(readFile(kubeconfig));
      config.setRequestTimeout(120_000);
      this.client = new KubernetesClientBuilder().withConfig(config).build();
      try (var files = Files.list(crds)) {
        for (Path file : files.sorted().toList()) {
          try (var in = Files.newInputStream(file)) {
            var crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.resource(crd).forceConflicts().serverSideApply();
            client.resources(CustomResourceDefinition.class).withName(crd.getMetadata().getName())
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
                    .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")), 60, TimeUnit.SECONDS);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      client.resources(ImagePipelineWatch.class).inAnyNamespace().list(); // the CRD is served
    }

    private static String readFile(String path) {
      try {
        return Files.readString(Path.of(path));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public KubernetesClient driver() {
      return client;
    }

    @Override
    public Map<String, String> clientEnvironment() {
      return Map.of("KUBECONFIG", kubeconfig);
    }

    @Override
    public synchronized BenchApiServer.Counts counts() {
      Map<String, Long> out = new TreeMap<>();
      String metrics = client.raw("/metrics");
      for (String line : metrics.split("\n")) {
        Matcher m = REQUEST_TOTAL.matcher(line);
        if (!m.matches()) {
          continue;
        }
        Map<String, String> labels = new TreeMap<>();
        Matcher l = LABEL.matcher(m.group(1));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
        String verb = labels.getOrDefault("verb", "");
        if (!List.of("POST", "PUT", "PATCH", "DELETE", "GET", "LIST").contains(verb)) {
          continue;
        }
        String sub = labels.getOrDefault("subresource", "");
        String key = verb + " " + labels.getOrDefault("resource", "") + (sub.isEmpty() ? "" : "/" + sub);
        out.merge(key, (long) Double.parseDouble(m.group(2)), Long::sum);
      }
      driverWrites.forEach((k, v) -> {
        out.merge(k, -v, Long::sum);
        out.put("driver " + k, v);
      });
      return new BenchApiServer.Counts(out);
    }

    /**
     * CPU of etcd, kube-apiserver and kube-controller-manager together, when they run on this
     * machine as {@code .ci/kube.sh} starts them: each in a process group whose id is in
     * {@code run/*.pid} beside the kubeconfig. NaN for a cluster elsewhere.
     */
    @Override
    public double serverCpuSeconds() {
      Path run = Path.of(kubeconfig).toAbsolutePath().getParent().resolve("run");
      if (!Files.isDirectory(run)) {
        return Double.NaN;
      }
      java.util.Set<String> groups = new java.util.HashSet<>();
      try (var pids = Files.list(run)) {
        for (Path pid : pids.filter(p -> p.toString().endsWith(".pid")).toList()) {
          groups.add(Files.readString(pid).trim().split("\\s+")[0]);
        }
      } catch (IOException e) {
        return Double.NaN;
      }
      double cpu = 0;
      try (var procs = Files.list(Path.of("/proc"))) {
        for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
          try {
            String stat = Files.readString(proc.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
            if (groups.contains(f[2])) {
              cpu += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
            }
          } catch (IOException | RuntimeException e) {
            // the process ended meanwhile
          }
        }
      } catch (IOException e) {
        return Double.NaN;
      }
      return groups.isEmpty() ? Double.NaN : cpu;
    }

    @Override
    public synchronized void driverWrite(String key) {
      driverWrites.merge(key, 1L, Long::sum);
    }

    @Override
    public String describe() {
      return "real kube-apiserver (" + client.getKubernetesVersion().getGitVersion() + ", etcd)";
    }

    @Override
    public boolean servesKubectl() {
      return true;
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
