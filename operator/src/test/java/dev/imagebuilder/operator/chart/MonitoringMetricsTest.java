package dev.imagebuilder.operator.chart;

import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagebuilder.operator.OperatorHarness;
import dev.imagebuilder.operator.simulator.Fault;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every metric the chart's alerts (PrometheusRule) and Grafana dashboard query is one the operator
 * really serves: the operator runs a sync with a throttled ECS call and its /metrics is scraped;
 * each name in the rendered rules' and dashboard's PromQL must be a sample name there. A metric
 * renamed in the code, or misspelt in a query, fails here instead of leaving an alert that never
 * fires or an empty panel. {@code up} is left out: Prometheus writes it for every scrape.
 */
@EnableKubernetesMockClient(crud = true)
class MonitoringMetricsTest {

  /** Names of the operator's own metrics and of the libraries' it serves beside them. */
  static final Pattern METRIC = Pattern.compile("\\b((?:imagebuilder|operator_sdk|jvm|process|http)_[a-zA-Z0-9_:]+)");

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeAll
  static void findHelm() {
    HelmChartTest.findHelm();
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardQueryIsServed() throws Exception {
    var queried = new TreeSet<String>();
    queried.addAll(names(ruleExpressions()));
    queried.addAll(names(dashboardExpressions()));
    assertThat(queried).as("metrics the rules and dashboard query").contains(
        "imagebuilder_watch_ready", "imagebuilder_watch_last_successful_sync_seconds", "imagebuilder_watch_interval_seconds",
        "imagebuilder_ecs_requests_total", "imagebuilder_ecs_throttled_requests_total",
        "imagebuilder_kubernetes_writes_total", "imagebuilder_executions",
        "imagebuilder_sync_duration_seconds_bucket");

    Set<String> served;
    try (var harness = new OperatorHarness(server, client)) {
      String pipeline = harness.pipeline("ip-monitoring");
      harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
      harness.ecs.addExecution(REGION, pipeline, "BUILDING");
      harness.start();
      harness.createWatch("monitored", pipeline, spec -> {});
      harness.awaitFirstPoll("monitored");
      harness.ecs.failNext(1, Fault.throttling("Throttling.User"));
      harness.poll("monitored");
      served = sampleNames(scrape(harness.metricsPort()));
    }
    assertThat(served).as("sample names in /metrics").containsAll(queried);
  }

  /** The PromQL of every rule the chart renders with its PrometheusRule on. */
  static List<String> ruleExpressions() {
    var objects = HelmChartTest.render("--set", "prometheusRule.enabled=true",
        "--api-versions", "monitoring.coreos.com/v1/PrometheusRule");
    var rule = objects.stream().filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    var expressions = new ArrayList<String>();
    List<Map<String, Object>> groups = ((io.fabric8.kubernetes.api.model.GenericKubernetesResource) rule).get("spec", "groups");
    for (var group : groups) {
      @SuppressWarnings("unchecked")
      var rules = (List<Map<String, Object>>) group.get("rules");
      rules.forEach(r -> expressions.add(String.valueOf(r.get("expr"))));
    }
    assertThat(expressions).hasSizeGreaterThanOrEqualTo(4);
    return expressions;
  }

  /** The PromQL of every panel of the dashboard the chart's ConfigMap carries. */
  static List<String> dashboardExpressions() throws Exception {
    var configMap = HelmChartTest.one(HelmChartTest.render("--set", "grafanaDashboard.enabled=true"), ConfigMap.class);
    JsonNode dashboard = new ObjectMapper().readTree(configMap.getData().get("image-pipeline-operator.json"));
    var expressions = new ArrayList<String>();
    dashboard.findValues("expr").forEach(e -> expressions.add(e.asText()));
    dashboard.path("templating").path("list").forEach(v -> expressions.add(v.path("definition").asText()));
    assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(8);
    assertThat(expressions).hasSizeGreaterThanOrEqualTo(dashboard.path("panels").size());
    return expressions;
  }

  static Set<String> names(List<String> expressions) {
    var names = new TreeSet<String>();
    for (String expr : expressions) {
      var m = METRIC.matcher(expr);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** Sample names of a Prometheus text exposition (counters with _total, histograms with _bucket...). */
  static Set<String> sampleNames(String exposition) {
    var names = new TreeSet<String>();
    exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
        .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
    return names;
  }

  static String scrape(int port) throws Exception {
    var response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}
