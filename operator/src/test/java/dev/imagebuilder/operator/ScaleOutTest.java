package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static dev.imagebuilder.operator.OperatorHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.EcsSettings;
import dev.imagebuilder.operator.ecs.RequestBudget;
import dev.imagebuilder.operator.observability.OperatorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several operators on one API server: shards by label selector, replicas by leader election. */
class ScaleOutTest extends MockClusterTest {

  final List<ImagePipelineOperator> operators = new ArrayList<>();

  @AfterEach
  void tearDown() {
    operators.forEach(ImagePipelineOperator::close);
  }

  private ImagePipelineOperator operator(Map<String, String> env) {
    var settings = new EcsSettings(harness.ecs.endpoint(), "http", "public", Duration.ofSeconds(2), Duration.ofSeconds(2));
    var config = OperatorHarness.config(settings, env);
    var metrics = new OperatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    var credentials = new com.aliyun.credentials.Client(new com.aliyun.credentials.models.Config()
        .setType("access_key").setAccessKeyId(OperatorHarness.ACCESS_KEY_ID).setAccessKeySecret(OperatorHarness.ACCESS_KEY_SECRET));
    var accounts = new EcsAccounts(credentials, EcsAccounts.Connector.sdk(settings, new RequestBudget(100), ImagePipelineOperator.observer(metrics)));
    var operator = ImagePipelineOperator.start(client, config, accounts, metrics, Clock.systemUTC());
    operators.add(operator);
    return operator;
  }

  private static Map<String, String> replica(String name) {
    return Map.of("LEADER_ELECTION", "true", "POD_NAMESPACE", OperatorHarness.NAMESPACE, "POD_NAME", name);
  }

  private void labeledWatch(String name, String shard) {
    String pipeline = harness.pipeline("ip-" + name);
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
    harness.createWatch(name, pipeline, spec -> {});
    harness.editWatch(name, w -> w.getMetadata().setLabels(Map.of("shard", shard)));
  }

  private static String scrape(ImagePipelineOperator operator) {
    return ((PrometheusMeterRegistry) operator.metrics().registry()).scrape();
  }

  @Test
  void operatorsWithDisjointSelectorsEachServeOnlyTheirOwnWatches() {
    labeledWatch("alpha", "a");
    labeledWatch("beta", "b");
    var shardA = operator(Map.of("WATCH_SELECTOR", "shard=a"));
    var shardB = operator(Map.of("WATCH_SELECTOR", "shard=b"));

    harness.awaitFirstPoll("alpha");
    harness.awaitFirstPoll("beta");

    // The gauges are set just after the status that echoes the request is written.
    await("shard a's metrics name alpha", () -> scrape(shardA).contains("watch=\"alpha\""));
    await("shard b's metrics name beta", () -> scrape(shardB).contains("watch=\"beta\""));
    assertThat(scrape(shardA)).doesNotContain("watch=\"beta\"");
    assertThat(scrape(shardB)).doesNotContain("watch=\"alpha\"");
  }

  @Test
  void twoReplicasElectOneLeaderAndTheOtherTakesOver() {
    // The mock server does not evaluate RBAC; grant what JOSDK checks before it campaigns.
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, Map.of(
            "apiVersion", "authorization.k8s.io/v1", "kind", "SelfSubjectRulesReview",
            "status", Map.of("incomplete", false, "resourceRules", List.of(Map.of(
                "apiGroups", List.of("coordination.k8s.io"), "resources", List.of("leases"),
                "verbs", List.of("get", "create", "update"))))))
        .always();
    labeledWatch("replicated", "x");
    var first = operator(replica("replica-1"));
    harness.awaitFirstPoll("replicated");
    var second = operator(replica("replica-2"));
    harness.poll("replicated");

    var lease = client.leases().inNamespace(OperatorHarness.NAMESPACE).withName("image-pipeline-operator").get();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-1");
    assertThat(scrape(first)).contains("watch=\"replicated\"");
    assertThat(scrape(second)).as("the standby reconciles nothing").doesNotContain("watch=\"replicated\"");

    operators.remove(first);
    first.close();
    String added = harness.ecs.addExecution(REGION, "ip-replicated", "BUILDING");
    await("the standby to take the lease", () -> "replica-2".equals(
        client.leases().inNamespace(OperatorHarness.NAMESPACE).withName("image-pipeline-operator").get().getSpec().getHolderIdentity()));
    harness.poll("replicated");
    assertThat(harness.child(added)).isNotNull();
  }
}
