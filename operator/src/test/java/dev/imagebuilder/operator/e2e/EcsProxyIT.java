package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built operator jar behind a real HTTP proxy (Debian's tinyproxy on loopback, which logs every
 * request it is sent), against the real kube-apiserver and the ECS simulator: ECS_PROXY takes the
 * ECS calls and nothing else, so the API server is reached directly; HTTPS_PROXY in the pod's
 * environment, as the chart README once advised, takes the API server calls and not ECS's.
 *
 * <p>The simulator and the API server both listen on 127.0.0.1, on ports of their own: the proxy's
 * log names each by host:port. Each test serves one fresh namespace only (WATCH_NAMESPACES), so the
 * watches other classes left behind are not its business.
 */
class EcsProxyIT {

  static final String REGION = "cn-shanghai";
  static final String KEY_ID = "LTAI5tProxyKey";
  static final String KEY_SECRET = "proxy-e2e-secret";
  static final String PROXY_USER = "operator";
  static final String PROXY_PASSWORD = "proxy-password-5c1e";
  static final Path WORK = Path.of("target", "e2e", "proxy");

  static RealCluster cluster;
  static Watches watches;
  static EcsSimulator ecs;
  /** host:port of the kube-apiserver, as the operator's kubeconfig names it. */
  static String apiServer;

  Process operator;
  Tinyproxy proxy;

  @BeforeAll
  static void startEverything() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    URL master = cluster.client.getMasterUrl();
    apiServer = master.getHost() + ":" + (master.getPort() < 0 ? master.getDefaultPort() : master.getPort());
  }

  @AfterEach
  void stopOperatorAndProxy() throws InterruptedException {
    RealCluster.stopOperator(operator);
    if (proxy != null) {
      proxy.close();
    }
  }

  @AfterAll
  static void stopSimulator() {
    if (ecs != null) {
      ecs.close();
    }
  }

  @Test
  void ecsProxyTakesTheEcsCallsAndTheApiServerIsReachedDirectly() throws Exception {
    proxy = Tinyproxy.start(WORK, "ecs-proxy", PROXY_USER, PROXY_PASSWORD);
    String ns = cluster.freshNamespace("ecs-proxy");
    List<String> ids = pipelineWithExecutions("ip-e2eproxied", 3);
    Path log = startOperator(ns, Map.of("ECS_PROXY", proxy.url(PROXY_USER + ":" + PROXY_PASSWORD)), "ecs-proxy");

    watches.create(ns, "proxied", "ip-e2eproxied", "interval: 10s");
    await("the executions mirrored through the proxy", () -> watches.childNamesOf(ns, "proxied").equals(ids));
    await("the watch Ready", () -> watches.ready(ns, "proxied"));

    assertThat(proxy.requestsTo(ecs.endpoint())).as("ECS calls in the proxy's log (%s)", proxy.log).isNotEmpty();
    assertThat(proxy.lines()).as("requests the proxy forwarded after checking the password")
        .anyMatch(l -> l.contains("Established connection to host \"127.0.0.1\""));
    assertThat(proxy.linesNaming(apiServer)).as("API server calls in the proxy's log (%s)", proxy.log).isEmpty();
    assertThat(Files.readString(log)).as("the operator's log").doesNotContain(PROXY_PASSWORD);
  }

  /**
   * The chart README's old advice, HTTPS_PROXY in extraEnv: the Kubernetes client reads it and the
   * ECS SDK does not. This also shows that the proxy's log would name the API server had the
   * operator sent it the API server calls.
   */
  @Test
  void httpsProxyInThePodEnvironmentTakesTheApiServerCallsAndNotTheEcsCalls() throws Exception {
    proxy = Tinyproxy.start(WORK, "https-proxy", null, null);
    String ns = cluster.freshNamespace("https-proxy");
    List<String> ids = pipelineWithExecutions("ip-e2ehttpsproxy", 2);
    startOperator(ns, Map.of("HTTPS_PROXY", proxy.url(null)), "https-proxy");

    watches.create(ns, "env-proxy", "ip-e2ehttpsproxy", "interval: 10s");
    await("the executions mirrored", () -> watches.childNamesOf(ns, "env-proxy").equals(ids));

    assertThat(proxy.linesNaming(apiServer)).as("API server calls in the proxy's log (%s)", proxy.log)
        .anyMatch(l -> l.contains("CONNECT " + apiServer));
    assertThat(proxy.linesNaming(ecs.endpoint())).as("ECS calls in the proxy's log (%s)", proxy.log).isEmpty();
  }

  /**
   * What the chart README says to do when HTTPS_PROXY must stay in the pod's environment: NO_PROXY
   * names the API server's address (in a cluster, the kubernetes Service's IP or its CIDR) and the
   * ECS calls have ECS_PROXY.
   */
  @Test
  void noProxyNamingTheApiServerKeepsItDirectBesideHttpsProxy() throws Exception {
    proxy = Tinyproxy.start(WORK, "no-proxy", null, null);
    String ns = cluster.freshNamespace("no-proxy");
    List<String> ids = pipelineWithExecutions("ip-e2enoproxy", 2);
    String apiHost = apiServer.substring(0, apiServer.lastIndexOf(':'));
    startOperator(
        ns,
        Map.of("HTTPS_PROXY", proxy.url(null), "NO_PROXY", apiHost + ",.svc,.cluster.local", "ECS_PROXY", proxy.url(null)),
        "no-proxy");

    watches.create(ns, "both", "ip-e2enoproxy", "interval: 10s");
    await("the executions mirrored", () -> watches.childNamesOf(ns, "both").equals(ids));

    assertThat(proxy.requestsTo(ecs.endpoint())).as("ECS calls in the proxy's log (%s)", proxy.log).isNotEmpty();
    assertThat(proxy.linesNaming(apiServer)).as("API server calls in the proxy's log (%s)", proxy.log).isEmpty();
  }

  /**
   * A proxy that refuses the operator's password (407 to every attempt): a transient fault on the
   * watch, retried, that names neither password.
   */
  @Test
  void aProxyThatRefusesThePasswordShowsAsRetryingAfterErrorWithoutIt() throws Exception {
    proxy = Tinyproxy.start(WORK, "wrong-password", PROXY_USER, PROXY_PASSWORD);
    String ns = cluster.freshNamespace("proxy-407");
    pipelineWithExecutions("ip-e2eproxy407", 1);
    String wrong = "not-the-" + PROXY_PASSWORD;
    Path log = startOperator(ns, Map.of("ECS_PROXY", proxy.url(PROXY_USER + ":" + wrong)), "wrong-password");

    watches.create(ns, "refused", "ip-e2eproxy407", "interval: 10s");
    await(
        "Ready=False/RetryingAfterError",
        () -> watches.hasCondition(ns, "refused", "Ready", "False", "RetryingAfterError"));

    assertThat(watches.childNamesOf(ns, "refused")).isEmpty();
    assertThat(proxy.requestsTo(ecs.endpoint())).as("attempts in the proxy's log (%s)", proxy.log).isNotEmpty();
    assertThat(proxy.lines()).as("nothing forwarded").noneMatch(l -> l.contains("Established connection"));
    String message = watches.condition(ns, "refused", "Ready").map(Condition::getMessage).orElse("");
    assertThat(message).doesNotContain(PROXY_PASSWORD);
    assertThat(Files.readString(log)).as("the operator's log").doesNotContain(PROXY_PASSWORD);
  }

  private static List<String> pipelineWithExecutions(String pipeline, int count) {
    ecs.addPipeline(REGION, pipeline);
    return ecs.addExecutions(REGION, pipeline, count, "SUCCESS", "m-proxy", "Image created").stream().sorted().toList();
  }

  /** The operator jar serving {@code ns} only, with {@code more} in its environment; its log file. */
  private Path startOperator(String ns, Map<String, String> more, String name) throws IOException {
    Map<String, String> env = new HashMap<>(more);
    env.put("WATCH_NAMESPACES", ns);
    env.put("OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(ns));
    env.put("HTTP_PORT", "0");
    String logName = "proxy-" + name + "-operator.log";
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET, env, logName);
    return Path.of("target", "e2e", logName);
  }
}
