package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's) scrapes the operator jar as the chart's ServiceMonitor has the
 * Prometheus Operator configure it, with the chart's alerting rules loaded, and stores and alerts
 * on what a cluster's Prometheus would.
 *
 * <p>The operator serves each watch's series with the watch's {@code namespace}; the target's own
 * {@code namespace} label is the release namespace. Which one Prometheus stores depends on the
 * ServiceMonitor's honorLabels: with it (the chart's default) the watch's, without it the
 * release's, and the watch's as {@code exported_namespace}. Both ways the alert must name the
 * watch's namespace, in its labels and in the {@code kubectl -n ... describe} of its description.
 *
 * <p>The scrape configuration is the one the Prometheus Operator generates for the rendered
 * ServiceMonitor (its relabelling for Kubernetes endpoints discovery), with the target the
 * discovery would find written as a static one: 127.0.0.1 and the operator's port stand for the
 * pod's address, and the {@code __meta_kubernetes_*} labels are those the discovery attaches to
 * it. The rules are the rendered PrometheusRule's, with {@code prometheusRule.notReadyFor=1s} so
 * that a Stalled watch alerts within seconds.
 */
class PrometheusScrapeIT {

  static final String REGION = "cn-beijing";
  static final String KEY_ID = "LTAI5tScrapeKey";
  static final String KEY_SECRET = "scrape-e2e-secret";
  static final Path WORK = Path.of("target", "e2e", "prometheus");
  /** The release the chart is rendered for: its namespace is the target's, never a watch's. */
  static final String RELEASE = "ipo";
  static final String RELEASE_NAMESPACE = "image-pipeline-operator";
  static final String POD = "ipo-image-pipeline-operator-5d8f7c9b4-x2x7q";

  static RealCluster cluster;
  static Watches watches;
  static EcsSimulator ecs;
  static Process operator;
  static String watchNamespace;
  static int metricsPort;

  @BeforeAll
  static void startTheOperatorWithAReadyAndAStalledWatch() throws IOException {
    Prometheus.binary();
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    ecs.addPipeline(REGION, "ip-e2escraped");
    ecs.addExecutions(REGION, "ip-e2escraped", 2, "SUCCESS", "m-scraped", "Image created");

    watchNamespace = cluster.freshNamespace("scraped");
    metricsPort = Prometheus.freePort();
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET,
        // Plain-http metrics: this Prometheus runs outside the cluster, without a ServiceAccount token
        // (the secure form is EndpointsIT's).
        Map.of("WATCH_NAMESPACES", watchNamespace, "HTTP_PORT", "0", "METRICS_PORT", String.valueOf(metricsPort),
            "METRICS_SECURE", "false", "HTTP_BIND_ADDRESS", "127.0.0.1",
            "OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(watchNamespace)),
        "prometheus-scrape-operator.log");
    watches.create(watchNamespace, "fine", "ip-e2escraped", "interval: 10s");
    watches.create(watchNamespace, "stuck", "ip-e2enotthere", "interval: 10s");
    await("the watch fine Ready", () -> watches.ready(watchNamespace, "fine"));
    watches.awaitStalled(watchNamespace, "stuck", "PipelineNotFound");
  }

  @AfterAll
  static void stopEverything() throws InterruptedException {
    RealCluster.stopOperator(operator);
    if (ecs != null) {
      ecs.close();
    }
  }

  @Test
  void withTheChartsHonorLabelsTheWatchSeriesKeepTheWatchsNamespaceAndTheAlertNamesIt() throws Exception {
    var chart = render();
    assertThat(chart.honorLabels()).as("the ServiceMonitor's honorLabels by default").isTrue();
    try (var prometheus = scrape(chart, "honor-labels")) {
      JsonNode stored = storedWatchSeries(prometheus);
      assertThat(stored.path("namespace").asText()).as("namespace stored for %s", stored).isEqualTo(watchNamespace);
      assertThat(stored.has("exported_namespace")).as("exported_namespace in %s", stored).isFalse();

      assertTheAlertNamesTheWatchsNamespace(prometheus, chart);
    }
  }

  /**
   * Without honorLabels, as where the Prometheus Operator's overrideHonorLabels forces it: the
   * watch's namespace is only in exported_namespace, and the rules read it from there.
   */
  @Test
  void withoutHonorLabelsTheStoredNamespaceIsTheReleasesAndTheAlertStillNamesTheWatchs() throws Exception {
    var chart = render("--set", "serviceMonitor.honorLabels=false");
    assertThat(chart.honorLabels()).isFalse();
    try (var prometheus = scrape(chart, "no-honor-labels")) {
      JsonNode stored = storedWatchSeries(prometheus);
      assertThat(stored.path("namespace").asText()).as("namespace stored for %s", stored).isEqualTo(RELEASE_NAMESPACE);
      assertThat(stored.path("exported_namespace").asText()).as("exported_namespace in %s", stored).isEqualTo(watchNamespace);

      assertTheAlertNamesTheWatchsNamespace(prometheus, chart);
    }
  }

  /** Stored labels of the stalled watch's readiness series, with the target's labels beside its own. */
  private static JsonNode storedWatchSeries(Prometheus prometheus) {
    await("the operator scraped and up", () -> !prometheus.query(
        "up{job=\"" + RELEASE + "-image-pipeline-operator-metrics\", namespace=\"" + RELEASE_NAMESPACE + "\"} == 1").isEmpty());
    await("the stalled watch's series stored", () -> prometheus.query("imagebuilder_watch_ready{watch=\"stuck\"}").size() == 1);
    JsonNode labels = prometheus.query("imagebuilder_watch_ready{watch=\"stuck\"}").get(0).path("metric");
    // What the ServiceMonitor's relabelling gives every sample: the rules select the job.
    assertThat(labels.path("job").asText()).isEqualTo(RELEASE + "-image-pipeline-operator-metrics");
    assertThat(labels.path("service").asText()).isEqualTo(RELEASE + "-image-pipeline-operator-metrics");
    assertThat(labels.path("endpoint").asText()).isEqualTo("http-metrics");
    assertThat(labels.path("pod").asText()).isEqualTo(POD);
    assertThat(labels.path("container").asText()).isEqualTo("operator");
    return labels;
  }

  private void assertTheAlertNamesTheWatchsNamespace(Prometheus prometheus, Chart chart) throws IOException {
    await("ImagePipelineWatchNotReady firing", () -> !notReadyAlerts(prometheus, "firing").isEmpty());
    var alerts = notReadyAlerts(prometheus, null);
    assertThat(alerts).as("ImagePipelineWatchNotReady alerts (the watch fine is Ready)").hasSize(1);
    JsonNode alert = alerts.get(0);
    JsonNode labels = alert.path("labels");
    JsonNode annotations = alert.path("annotations");
    assertThat(labels.path("watch").asText()).isEqualTo("stuck");
    assertThat(labels.path("namespace").asText()).as("the alert's namespace label").isEqualTo(watchNamespace);
    assertThat(annotations.path("summary").asText()).isEqualTo("ImagePipelineWatch " + watchNamespace + "/stuck is not Ready.");
    assertThat(annotations.path("description").asText())
        .contains("kubectl -n " + watchNamespace + " describe imagepipelinewatch stuck");
    assertThat(annotations.path("runbook_url").asText()).endsWith("/docs/troubleshooting.md#imagepipelinewatchnotready");

    // Every alert Prometheus loaded links to its section of docs/troubleshooting.md.
    String guide = Files.readString(RealCluster.REPO.resolve("docs/troubleshooting.md"));
    var rules = prometheus.alertingRules();
    assertThat(rules).extracting(r -> r.path("name").asText()).containsExactlyInAnyOrderElementsOf(chart.alertNames());
    for (JsonNode rule : rules) {
      String name = rule.path("name").asText();
      assertThat(rule.path("annotations").path("runbook_url").asText()).as("runbook_url of %s", name)
          .endsWith("/docs/troubleshooting.md#" + name.toLowerCase(Locale.ROOT));
      assertThat(guide).as("docs/troubleshooting.md has a section %s", name).contains("\n### " + name + "\n");
    }
  }

  /** The ImagePipelineWatchNotReady alerts in {@code state} (null: any). */
  private static List<JsonNode> notReadyAlerts(Prometheus prometheus, String state) {
    return prometheus.alerts().stream()
        .filter(a -> a.path("labels").path("alertname").asText().equals("ImagePipelineWatchNotReady"))
        .filter(a -> state == null || a.path("state").asText().equals(state))
        .toList();
  }

  // ---------------------------------------------------------------------------------------------
  // The chart's monitoring objects, and Prometheus configured as the Prometheus Operator would.

  /** The rendered ServiceMonitor, metrics Service and PrometheusRule. */
  record Chart(JsonNode serviceMonitor, JsonNode service, JsonNode prometheusRule) {

    JsonNode endpoint() {
      return serviceMonitor.path("spec").path("endpoints").get(0);
    }

    /** As the Prometheus Operator reads it: absent means false. */
    boolean honorLabels() {
      return endpoint().path("honorLabels").asBoolean(false);
    }

    List<String> alertNames() {
      var names = new ArrayList<String>();
      prometheusRule.path("spec").path("groups")
          .forEach(g -> g.path("rules").forEach(r -> names.add(r.path("alert").asText())));
      return names;
    }
  }

  private static Chart render(String... values) throws Exception {
    var args = new ArrayList<>(List.of(
        "template", RELEASE, cluster.chart().toString(), "--namespace", RELEASE_NAMESPACE, "--kube-version", "1.35.0",
        "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor",
        "--api-versions", "monitoring.coreos.com/v1/PrometheusRule",
        "--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true",
        "--set", "prometheusRule.notReadyFor=1s", "--set", "metrics.secure=false",
        "--show-only", "templates/servicemonitor.yaml", "--show-only", "templates/service.yaml",
        "--show-only", "templates/prometheusrule.yaml"));
    args.addAll(List.of(values));
    var out = cluster.helm(args.toArray(String[]::new));
    assertThat(out.exitCode()).as("helm template: %s", out.stderr()).isZero();
    Map<String, JsonNode> byKind = new HashMap<>();
    try (var docs = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(out.stdout())) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && doc.has("kind")) {
          byKind.put(doc.path("kind").asText(), doc);
        }
      }
    }
    assertThat(byKind).containsKeys("ServiceMonitor", "Service", "PrometheusRule");
    return new Chart(byKind.get("ServiceMonitor"), byKind.get("Service"), byKind.get("PrometheusRule"));
  }

  /**
   * Prometheus scraping the operator every second with the chart's rules, evaluated every second.
   * The relabel_configs are those the Prometheus Operator generates for a ServiceMonitor endpoint
   * (as in its promcfg.go and golden files, less the sharding and the Service label selection,
   * which the static target makes moot); the ServiceMonitor's port, path and honorLabels are read
   * from the rendered object, the job is the Service's name.
   */
  private static Prometheus scrape(Chart chart, String name) throws Exception {
    String service = chart.service().path("metadata").path("name").asText();
    String port = chart.endpoint().path("port").asText();
    assertThat(chart.endpoint().has("relabelings") || chart.endpoint().has("metricRelabelings"))
        .as("relabelings this test would have to add").isFalse();
    String config = """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
          - rules.yaml
        scrape_configs:
          - job_name: serviceMonitor/%1$s/%2$s/0
            honor_labels: %3$s
            metrics_path: %4$s
            static_configs:
              - targets: ["127.0.0.1:%5$d"]
                labels:
                  __meta_kubernetes_namespace: %1$s
                  __meta_kubernetes_service_name: %6$s
                  __meta_kubernetes_endpoint_port_name: %7$s
                  __meta_kubernetes_endpoint_address_target_kind: Pod
                  __meta_kubernetes_endpoint_address_target_name: %8$s
                  __meta_kubernetes_pod_name: %8$s
                  __meta_kubernetes_pod_container_name: operator
                  __meta_kubernetes_pod_phase: Running
            relabel_configs:
              - source_labels: [job]
                target_label: __tmp_prometheus_job_name
              - action: keep
                source_labels: [__meta_kubernetes_endpoint_port_name]
                regex: %7$s
              - source_labels: [__meta_kubernetes_endpoint_address_target_kind, __meta_kubernetes_endpoint_address_target_name]
                separator: ;
                regex: Node;(.*)
                replacement: ${1}
                target_label: node
              - source_labels: [__meta_kubernetes_endpoint_address_target_kind, __meta_kubernetes_endpoint_address_target_name]
                separator: ;
                regex: Pod;(.*)
                replacement: ${1}
                target_label: pod
              - source_labels: [__meta_kubernetes_namespace]
                target_label: namespace
              - source_labels: [__meta_kubernetes_service_name]
                target_label: service
              - source_labels: [__meta_kubernetes_pod_name]
                target_label: pod
              - source_labels: [__meta_kubernetes_pod_container_name]
                target_label: container
              - action: drop
                source_labels: [__meta_kubernetes_pod_phase]
                regex: (Failed|Succeeded)
              - source_labels: [__meta_kubernetes_service_name]
                target_label: job
                replacement: ${1}
              - target_label: endpoint
                replacement: %7$s
        """.formatted(
            RELEASE_NAMESPACE, chart.serviceMonitor().path("metadata").path("name").asText(), chart.honorLabels(),
            chart.endpoint().path("path").asText("/metrics"), metricsPort, service, port, POD);
    // The PrometheusRule's spec is a Prometheus rule file.
    var rules = (ObjectNode) chart.prometheusRule().path("spec").deepCopy();
    return Prometheus.start(WORK, name, config, Map.of("rules.yaml", new YAMLMapper().writeValueAsString(rules)));
  }
}
