package dev.imagebuilder.operator.demo;

import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.demo.kube.Kubectl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo as {@code make run} starts it, driven with the real kubectl a newcomer would use. */
class DemoTest {

  @TempDir static Path dir;
  static Demo demo;
  static Kubectl kubectl;

  @BeforeAll
  static void startDemo() throws IOException {
    Path binary = Kubectl.require();
    demo = Demo.start(0, dir.resolve("kubeconfig"), Duration.ofMillis(500), Map.of());
    kubectl = new Kubectl(binary, demo.kubeconfig(), dir.resolve("kubectl-cache"));
    await("both sample watches Ready", () -> demo.summary().lines().filter(l -> l.contains("Ready=True")).count() == 2);
  }

  @AfterAll
  static void stopDemo() {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  void getShowsWatchesAndExecutionsWithTheirPrinterColumns() {
    var result = kubectl.run("get", "ipw,ipe", "-n", "demo");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .containsPattern("NAME\\s+PIPELINE\\s+REGION\\s+READY\\s+REASON\\s+LATEST\\s+IMAGE\\s+LAST SYNC\\s+AGE\\n")
        .containsPattern("imagepipelinewatch.ecs.imagebuilder.dev/nightly\\s+ip-2ze5tsl5bp6nf2b3abcd\\s+cn-hangzhou\\s+True\\s+Synced")
        .containsPattern("NAME\\s+PIPELINE\\s+STATUS\\s+IMAGE\\s+SUCCEEDED\\s+CREATED\\s+MODIFIED\\s+AGE")
        .containsPattern("imagepipelineexecution.ecs.imagebuilder.dev/exec-[0-9a-f]+\\s+ip-2ze5tsl5bp6nf2b3abcd\\s+SUCCESS\\s+m-\\S+\\s+True");
  }

  @Test
  void wideOutputAddsIntervalSuspendedAndExecutions() {
    var result = kubectl.run("get", "ipw", "nightly", "-n", "demo", "-o", "wide");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .containsPattern("NAME\\s+PIPELINE\\s+REGION\\s+READY\\s+REASON\\s+LATEST\\s+IMAGE\\s+LAST SYNC\\s+AGE\\s+INTERVAL\\s+SUSPENDED\\s+EXECUTIONS")
        .containsPattern("nightly\\s+ip-2ze5tsl5bp6nf2b3abcd\\s+cn-hangzhou\\s+True\\s+Synced\\s+.*\\s10s\\s+false\\s+\\d+\\n");
  }

  @Test
  void yamlJsonpathAndLabelFiltersShowOperatorData() {
    var yaml = kubectl.run("get", "ipw", "nightly", "-n", "demo", "-o", "yaml");
    assertThat(yaml.out()).contains("latestSuccessfulImageId: m-").contains("type: Ready");

    var images =
        kubectl.run("get", "ipe", "-n", "demo", "-l", "ecs.imagebuilder.dev/status=test_failed", "-o", "jsonpath={.items[*].status.phase}");
    assertThat(images.out().split(" ")).isNotEmpty().allMatch(p -> p.equals("TEST_FAILED"));

    var owned = kubectl.run("get", "ipe", "-n", "demo", "-l", "ecs.imagebuilder.dev/watch in (release-builds)", "-o", "name");
    assertThat(owned.out().lines()).isNotEmpty();
    assertThat(owned.out().lines().count())
        .isEqualTo(demo.client().resources(ImagePipelineExecution.class).inNamespace("demo")
            .withLabel(ImagePipelineExecution.WATCH_LABEL, "release-builds").list().getItems().size());
  }

  @Test
  void crdsApiResourcesAndExplainDescribeTheApi() {
    assertThat(kubectl.run("get", "crd").out())
        .contains("imagepipelinewatches.ecs.imagebuilder.dev")
        .contains("imagepipelineexecutions.ecs.imagebuilder.dev");
    assertThat(kubectl.run("api-resources", "--api-group=ecs.imagebuilder.dev").out())
        .containsPattern("imagepipelineexecutions\\s+ipe\\s+ecs.imagebuilder.dev/v1alpha1\\s+true\\s+ImagePipelineExecution")
        .containsPattern("imagepipelinewatches\\s+ipw\\s+ecs.imagebuilder.dev/v1alpha1\\s+true\\s+ImagePipelineWatch");
    var explain = kubectl.run("explain", "ipe.status");
    assertThat(explain.exitCode()).as(explain.toString()).isZero();
    assertThat(explain.out()).contains("phase").contains("exactly as ECS reports it");
  }

  @Test
  void appliedWatchIsPickedUpAndDeletingItTakesItsChildren() {
    demo.ecs().addPipeline(Demo.REGION, "ip-applied");
    demo.ecs().addExecutions(Demo.REGION, "ip-applied", 3, "SUCCESS", "m-applied", "done");
    var applied =
        kubectl.apply(
            """
            apiVersion: ecs.imagebuilder.dev/v1alpha1
            kind: ImagePipelineWatch
            metadata:
              name: applied
              namespace: demo
            spec:
              regionId: cn-hangzhou
              imagePipelineId: ip-applied
            """);
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    await("children of the applied watch", () -> children("applied") == 3);

    var deleted = kubectl.run("delete", "ipw", "applied", "-n", "demo");

    assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
    await("children garbage-collected", () -> children("applied") == 0);
  }

  @Test
  void annotatingAWatchPollsItAtOnce() {
    var annotated =
        kubectl.run("annotate", "ipw", "nightly", "-n", "demo", "--overwrite", ImagePipelineWatch.RECONCILE_REQUESTED_AT + "=from-kubectl");

    assertThat(annotated.exitCode()).as(annotated.toString()).isZero();
    await("the request echoed in status", () -> "from-kubectl".equals(
        demo.client().resources(ImagePipelineWatch.class).inNamespace("demo").withName("nightly").get()
            .getStatus().getLastHandledReconcileAt()));
  }

  @Test
  void operatorApiServerAndSimulatorListenOnLoopbackOnly() throws IOException {
    InetSocketAddress operator = demo.operatorHttpAddress();
    assertThat(operator.getAddress().isLoopbackAddress()).as("operator bound to %s", operator).isTrue();
    int kubePort = URI.create(demo.client().getMasterUrl().toString()).getPort();
    var kubeconfig = Files.readString(demo.kubeconfig());
    assertThat(kubeconfig).contains("server: https://127.0.0.1:" + kubePort);
    assertThat(demo.ecs().endpoint()).isEqualTo("127.0.0.1:" + demo.ecs().port());

    for (int port : List.of(operator.getPort(), kubePort, demo.ecs().port())) {
      assertThat(accepts(InetAddress.getLoopbackAddress(), port)).as("127.0.0.1:%d", port).isTrue();
      // A server bound to all interfaces also accepts on these; one bound to 127.0.0.1 does not.
      for (InetAddress other : otherAddressesOfThisMachine()) {
        assertThat(accepts(other, port)).as("%s:%d", other.getHostAddress(), port).isFalse();
      }
    }
  }

  @Test
  void readmeShowsTheSampleWatchesTheDemoCreates() throws IOException {
    String readme = Files.readString(Path.of("..", "..", "README.md"));
    for (String sample : Demo.SAMPLES) {
      assertThat(readme).contains(Files.readString(Path.of("src/main/resources", sample)));
    }
  }

  /**
   * 127.0.0.2, which Linux routes to the loopback interface without it being 127.0.0.1, and the machine's addresses
   * on its other interfaces.
   */
  private static List<InetAddress> otherAddressesOfThisMachine() throws IOException {
    List<InetAddress> addresses = new ArrayList<>();
    addresses.add(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}));
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isUp() && !nic.isLoopback()) {
        Collections.list(nic.getInetAddresses()).stream()
            .filter(a -> !a.isLinkLocalAddress() && !a.isLoopbackAddress())
            .forEach(addresses::add);
      }
    }
    return addresses;
  }

  private static boolean accepts(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int children(String watch) {
    return demo.client().resources(ImagePipelineExecution.class).inNamespace("demo")
        .withLabel(ImagePipelineExecution.WATCH_LABEL, watch).list().getItems().size();
  }
}
