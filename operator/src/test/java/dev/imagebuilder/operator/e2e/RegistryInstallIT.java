package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The release installed as a platform team installs it, from the release alone: in a directory
 * holding only a copy of dist/, the README's "Install from the release" block runs as written,
 * with this test's values for the variables it declares (the registry, the namespace, the values
 * file) and nothing else. The registry is Debian's docker-registry (the CNCF distribution
 * registry) on the host's end of the node's link, at the address the node's containerd is told to
 * pull from over plain http ({@code KUBE_NODE_REGISTRY}, see .ci/kube-node.sh); skopeo is told the
 * same by the registries.conf of a home directory of the test's own, as a user's would.
 *
 * <p>{@code make e2e} imports the same image into the node by hand for the other tests; its names
 * are removed (and containerd's garbage collector with them removes the content) before the
 * install, so the pod can only start from what it pulls from the registry, which the registry's
 * access log shows, and put back afterwards.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryInstallIT {

  static final String REGION = "cn-hangzhou";
  static final String KEY_ID = "LTAI5tRegistryE2e";
  static final String KEY_SECRET = "registry-e2e-secret-value";
  static final String RELEASE = "image-pipeline-operator";
  static final String REPOSITORY = "image-pipeline-operator";
  static final String PIPELINE = "ip-registry";
  static final int EXECUTIONS = 30;

  static Map<String, String> node;
  static RealCluster cluster;
  static EcsSimulator ecs;
  static TcpRelay relay;
  static Process registry;
  static Path work;
  static Path release;
  static Path registryLog;
  static Path chart;
  static String version;
  static String digest;
  static String registryHost;
  static String ns;
  static String team;
  static boolean imagesRemoved;

  @BeforeAll
  static void setUp() throws Exception {
    node = PodInstallIT.nodeEnv();
    registryHost = node.get("KUBE_NODE_REGISTRY");
    assertThat(registryHost).as("KUBE_NODE_REGISTRY in the cluster's env (.ci/kube.sh start with a node)").isNotBlank();
    String fromEnv = System.getenv("E2E_CHART");
    Assumptions.assumeTrue(fromEnv != null && !fromEnv.isBlank(), "make e2e writes the release (E2E_CHART)");
    chart = Path.of(fromEnv).toAbsolutePath();
    String name = chart.getFileName().toString();
    version = name.substring("image-pipeline-operator-".length(), name.length() - ".tgz".length());
    Path dist = chart.getParent();
    assertThat(dist.resolve("image-pipeline-operator-" + version + ".oci.tar")).as("the release's image (make e2e with a node)").exists();
    digest = Files.readString(dist.resolve("image-pipeline-operator-" + version + ".oci.tar.digest")).strip();

    Files.createDirectories(Path.of("target", "e2e"));
    work = Files.createTempDirectory(Path.of("target", "e2e").toAbsolutePath(), "registry-install-");
    release = Files.createDirectory(work.resolve("release"));
    try (var files = Files.list(dist)) {
      for (Path f : files.toList()) {
        Files.copy(f, release.resolve(f.getFileName()));
      }
    }
    registry = startRegistry(work.resolve("registry"));

    cluster = new RealCluster();
    cluster.applyCrds();
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    relay = new TcpRelay(InetAddress.getByName(node.get("KUBE_NODE_HOST_IP")),
        new InetSocketAddress(InetAddress.getLoopbackAddress(), ecs.port()));
    ns = cluster.freshNamespace("registry", RealCluster.RESTRICTED);
    team = cluster.freshNamespace("registry-team");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null && ns != null) {
      cluster.helm("uninstall", RELEASE, "-n", ns, "--wait", "--timeout", "2m");
      cluster.applyCrds();
    }
    if (imagesRemoved) {
      restoreImportedImage();
    }
    if (registry != null) {
      registry.destroy();
      registry.waitFor(10, TimeUnit.SECONDS);
    }
    if (relay != null) {
      relay.close();
    }
    if (ecs != null) {
      ecs.close();
    }
  }

  @Test
  @Order(1)
  void theReadmeStepsPushTheImageAndInstallTheChartWhoseOnlyPodPullsItFromTheRegistry() throws Exception {
    // The platform team's own part: the Secret their values name, and their values file.
    cluster.client.resource(new SecretBuilder().withNewMetadata().withName("ecs-credentials").endMetadata()
        .addToStringData("access-key-id", KEY_ID).addToStringData("access-key-secret", KEY_SECRET).build())
        .inNamespace(ns).create();
    Path values = work.resolve("values.yaml");
    Files.writeString(values, """
        credentials:
          secret:
            name: ecs-credentials
        ecs:
          endpoint: "%s"
          protocol: http
        """.formatted(relay.endpoint()));
    adoptCrds();
    forgetImportedImage();

    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("VERSION", version);
    variables.put("REGISTRY", registryHost);
    variables.put("NAMESPACE", ns);
    variables.put("TEAM", team);
    variables.put("VALUES", values.toString());
    String script = ReleaseInstallSteps.of(Files.readString(RealCluster.REPO.resolve("README.md"))).script(variables);
    Files.writeString(work.resolve("install.sh"), script);
    var run = runScript(script);
    assertThat(run.exitCode()).as("the README's install steps, run in a copy of dist/:\n%s\n%s%s", script, run.output(), describePods()).isZero();

    Pod pod = onlyPod();
    var status = pod.getStatus().getContainerStatuses().get(0);
    String pinned = registryHost + "/" + REPOSITORY + "@" + digest;
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(pinned);
    assertThat(status.getImageID()).as("the image the node runs, by the registry's name and digest").isEqualTo(pinned);
    assertThat(status.getReady()).isTrue();
    assertThat(status.getRestartCount()).isZero();

    // The registry served the node (containerd, from the node's address) the manifest by digest
    // and every blob it names: the pod's image came from there and from nothing imported.
    JsonNode manifest = ReleaseIT.JSON.readTree(ReleaseIT.untar(release.resolve("image-pipeline-operator-" + version + ".oci.tar"), ReleaseIT.blob(digest), false));
    List<String> blobs = new ArrayList<>();
    blobs.add(manifest.path("config").path("digest").asText());
    manifest.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
    List<String> served = servedTo(node.get("KUBE_NODE_IP"));
    assertThat(served).as("GETs the registry answered 200 to the node").contains("/v2/" + REPOSITORY + "/manifests/" + digest);
    for (String blob : blobs) {
      assertThat(served).as("GETs the registry answered 200 to the node").contains("/v2/" + REPOSITORY + "/blobs/" + blob);
    }
    assertThat(ctr("images", "ls", "-q").output().lines()).as("containerd's images").contains(pinned);
  }

  @Test
  @Order(2)
  void theInstalledOperatorMirrorsAWatch() {
    ecs.addPipeline(REGION, PIPELINE);
    ecs.addExecutions(REGION, PIPELINE, EXECUTIONS, "BUILDING");
    new Watches(cluster.client, REGION).create(team, "registry", PIPELINE, "interval: 1h");
    await("all " + EXECUTIONS + " children", () ->
        cluster.client.resources(ImagePipelineExecution.class).inNamespace(team).list().getItems().size() == EXECUTIONS);
    await("the watch Ready", () -> {
      var w = cluster.client.resources(ImagePipelineWatch.class).inNamespace(team).withName("registry").get();
      return w != null && w.getStatus() != null && w.getStatus().getConditions() != null
          && w.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    });
  }

  // ------------------------------------------------------------------ helpers

  /** Debian's docker-registry with a config of its own: storage in {@code dir}, the access log in its output. */
  static Process startRegistry(Path dir) throws Exception {
    Path binary = Path.of(System.getenv().getOrDefault("DOCKER_REGISTRY", "/usr/bin/docker-registry"));
    boolean skopeo = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "skopeo")));
    String why = binary + " or skopeo not found (apt-get install docker-registry skopeo; .ci/run installs them)";
    if ("true".equals(System.getenv("CI"))) {
      assertThat(Files.isExecutable(binary) && skopeo).as(why).isTrue();
    }
    Assumptions.assumeTrue(Files.isExecutable(binary) && skopeo, why);
    Files.createDirectories(dir.resolve("data"));
    Path config = dir.resolve("config.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: info
          accesslog:
            disabled: false
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: %s
        """.formatted(dir.resolve("data"), registryHost));
    registryLog = dir.resolve("registry.log");
    Process process = new ProcessBuilder(binary.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(registryLog.toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    int colon = registryHost.lastIndexOf(':');
    var address = new InetSocketAddress(registryHost.substring(0, colon), Integer.parseInt(registryHost.substring(colon + 1)));
    await("the registry listening on " + registryHost, Duration.ofSeconds(30), () -> {
      assertThat(process.isAlive()).as("docker-registry runs; its log: %s", read(registryLog)).isTrue();
      try (var socket = new Socket()) {
        socket.connect(address, 200);
        return true;
      } catch (IOException e) {
        return false;
      }
    });
    // skopeo, told as a user's own registries.conf would tell it: this registry speaks plain http.
    Path containers = Files.createDirectories(work.resolve("home/.config/containers"));
    Files.writeString(containers.resolve("registries.conf"), """
        [[registry]]
        location = "%s"
        insecure = true
        """.formatted(registryHost));
    return process;
  }

  /** The install steps in the release's directory, with the tools of this run on the PATH. */
  static RealCluster.Result runScript(String script) throws Exception {
    Path log = work.resolve("install.log");
    var builder = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
        .directory(release.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    var env = builder.environment();
    env.put("PATH", Path.of(RealCluster.helmBinary()).toAbsolutePath().getParent() + ":"
        + Path.of(RealCluster.kubectlBinary()).toAbsolutePath().getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("KUBECONFIG", cluster.kubeconfig.toAbsolutePath().toString());
    // A home of its own: skopeo 1.9 reads ~/.config/containers/registries.conf (and no variable).
    env.put("HOME", work.resolve("home").toString());
    Process p = builder.start();
    boolean done = p.waitFor(10, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as("the install steps finished within 10 minutes: %s", read(log)).isTrue();
    return new RealCluster.Result(p.exitValue(), read(log));
  }

  /** The URIs of the GETs the registry answered with 200 to {@code client}, from its access log. */
  static List<String> servedTo(String client) {
    var line = Pattern.compile("^" + Pattern.quote(client) + " - - \\[[^]]*] \"GET (\\S+) HTTP/[0-9.]+\" 200 ");
    return read(registryLog).lines().map(line::matcher).filter(Matcher::find).map(m -> m.group(1)).toList();
  }

  /** Lets this release take over the CRDs that make e2e applied from crds/ (a fresh cluster has none). */
  static void adoptCrds() throws Exception {
    for (String crd : List.of("imagepipelinewatches.ecs.imagebuilder.dev", "imagepipelineexecutions.ecs.imagebuilder.dev")) {
      assertThat(cluster.kubectl("label", "crd", crd, "--overwrite", "app.kubernetes.io/managed-by=Helm").exitCode()).isZero();
      assertThat(cluster.kubectl("annotate", "crd", crd, "--overwrite",
          "meta.helm.sh/release-name=" + RELEASE, "meta.helm.sh/release-namespace=" + ns).exitCode()).isZero();
    }
  }

  /**
   * Removes every name under which the node holds the release's image (make e2e imported it by
   * hand) and waits for containerd's garbage collector, so that the manifest and its config are no
   * longer on the node.
   */
  static void forgetImportedImage() throws Exception {
    List<String> names = ctr("images", "ls").output().lines().skip(1)
        .map(l -> l.split("\\s+")).filter(f -> f.length > 2 && f[2].equals(digest)).map(f -> f[0]).toList();
    // A container of the image (a pod of another test, until the kubelet collects it) keeps its
    // layers unpacked, and containerd then fetches only what is missing: wait for none.
    await("no container on the node of the image " + names, Duration.ofMinutes(3), () -> {
      try {
        return ctr("containers", "ls").output().lines().skip(1).map(l -> l.split("\\s+"))
            .noneMatch(f -> f.length > 1 && names.contains(f[1]));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    if (!names.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("images", "rm", "--sync"));
      rm.addAll(names);
      imagesRemoved = true;
      var removed = ctr(rm.toArray(String[]::new));
      assertThat(removed.exitCode()).as("ctr images rm: %s", removed.output()).isZero();
    }
    assertThat(ctr("content", "ls", "-q").output().lines()).as("the node's content before the install").doesNotContain(digest);
  }

  /** Imports the release's image into the node again, under the names make e2e gave it. */
  static void restoreImportedImage() throws Exception {
    var imported = ctr("images", "import", release.resolve("image-pipeline-operator-" + version + ".oci.tar").toString());
    assertThat(imported.exitCode()).as("ctr images import: %s", imported.output()).isZero();
    var m = Pattern.compile("^unpacking (\\S+) \\(sha256:", Pattern.MULTILINE).matcher(imported.output());
    while (m.find()) {
      String name = m.group(1);
      if (!name.contains("/")) {
        ctr("images", "tag", "--force", name, "docker.io/library/" + name);
      }
    }
  }

  static RealCluster.Result ctr(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ctr", "--address", node.get("KUBE_NODE_CONTAINERD"), "--namespace", "k8s.io"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("ctr %s finished", args[0]).isTrue();
    return new RealCluster.Result(p.exitValue(), out);
  }

  static Pod onlyPod() {
    await("one ready pod", () -> {
      var live = pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
      return live.size() == 1 && PodInstallIT.ready(live.get(0));
    });
    return pods().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).findFirst().orElseThrow();
  }

  static List<Pod> pods() {
    return cluster.client.pods().inNamespace(ns).withLabel("app.kubernetes.io/instance", RELEASE).list().getItems();
  }

  static String describePods() throws Exception {
    return "\n" + cluster.kubectl("describe", "pods", "-n", ns).output() + "\nregistry log:\n" + read(registryLog);
  }

  static String read(Path file) {
    try {
      return file != null && Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
