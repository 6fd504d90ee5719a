package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two tenants on the real API server and one operator account: namespace A is granted pipeline P,
 * namespace B is not. B's watch naming A's pipeline mirrors nothing, stalls saying which grant to
 * ask for, and costs no ECS call, while A's watch mirrors P. After a restart with a grant of
 * another pipeline to B, B gets that pipeline and is still refused P.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CredentialGrantsIT {

  static final String REGION = "cn-beijing";
  static final String KEY_ID = "LTAI5tGrantsOperator";
  static final String KEY_SECRET = "grants-operator-secret-value";
  static final String PIPELINE_A = "ip-grantedtoa";
  static final String PIPELINE_B = "ip-grantedtob";

  static RealCluster cluster;
  static Watches watches;
  static EcsSimulator ecs;
  static Process operator;
  static String tenantA;
  static String tenantB;
  static int starts;

  @BeforeAll
  static void startEverything() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    ecs.addPipeline(REGION, PIPELINE_A);
    ecs.addExecutions(REGION, PIPELINE_A, 3, "SUCCESS", "m-granteda", "Image created");
    ecs.addPipeline(REGION, PIPELINE_B);
    ecs.addExecutions(REGION, PIPELINE_B, 2, "SUCCESS", "m-grantedb", "Image created");
    tenantA = cluster.freshNamespace("grant-a");
    tenantB = cluster.freshNamespace("grant-b");
  }

  @AfterAll
  static void stopEverything() throws InterruptedException {
    RealCluster.stopOperator(operator);
    if (ecs != null) {
      ecs.close();
    }
  }

  /** The operator serving both tenants with these grants, as the chart passes ownCredentials.grants. */
  static void startOperator(String grants) throws IOException {
    operator = cluster.startOperator(ecs, KEY_ID, KEY_SECRET,
        Map.of("WATCH_NAMESPACES", tenantA + "," + tenantB, "HTTP_PORT", "0", "OWN_CREDENTIALS_GRANTS", grants),
        "credential-grants-operator-" + (++starts) + ".log");
  }

  static String grantOf(String namespace, String pipeline) {
    return "{\"namespace\":\"" + namespace + "\",\"pipelines\":[\"" + pipeline + "\"]}";
  }

  static List<Event> warnings(String ns, String reason) {
    return cluster.client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason()))
        .toList();
  }

  @Test
  @Order(1)
  void aNamespaceNamingAnotherTenantsPipelineMirrorsNothingAndAsksForTheGrant() throws IOException {
    startOperator("[" + grantOf(tenantA, PIPELINE_A) + "]");
    // Labels and annotations a tenant sets are no grant.
    var borrowed = Serialization.unmarshal(watches.yaml("borrowed", PIPELINE_A, "interval: 10s"), ImagePipelineWatch.class);
    borrowed.getMetadata().setLabels(Map.of("ecs.imagebuilder.dev/credentials", "true", "team", tenantA));
    borrowed.getMetadata().setAnnotations(Map.of("ecs.imagebuilder.dev/granted", grantOf(tenantB, PIPELINE_A)));
    cluster.client.resource(borrowed).inNamespace(tenantB).create();

    String message = watches.awaitStalled(tenantB, "borrowed", "CredentialsNotGranted");

    assertThat(message).contains("ownCredentials.grants", grantOf(tenantB, PIPELINE_A));
    assertThat(ecs.totalCalls()).as("ECS calls while only the ungranted watch exists").isZero();
    await("a Warning event CredentialsNotGranted in " + tenantB,
        () -> warnings(tenantB, "CredentialsNotGranted").stream().anyMatch(e -> "borrowed".equals(e.getInvolvedObject().getName())));
    assertThat(watches.children(tenantB)).isEmpty();
  }

  @Test
  @Order(2)
  void theGrantedNamespaceMirrorsThePipelineWhileTheOtherStillGetsNothing() {
    watches.create(tenantA, "own", PIPELINE_A, "interval: 10s");

    await("A's watch mirrors its three executions", () -> watches.childrenOf(tenantA, "own").size() == 3);
    await("A's watch Ready", () -> watches.ready(tenantA, "own"));

    watches.pollAndWait(tenantB, "borrowed", "after-a");
    assertThat(watches.hasCondition(tenantB, "borrowed", "Stalled", "True", "CredentialsNotGranted")).isTrue();
    assertThat(watches.children(tenantB)).as("children in B").isEmpty();
  }

  @Test
  @Order(3)
  void aGrantOfAnotherPipelineTakesEffectOnRestartAndStillRefusesTheFirst() throws Exception {
    RealCluster.stopOperator(operator);
    startOperator("[" + grantOf(tenantA, PIPELINE_A) + "," + grantOf(tenantB, PIPELINE_B) + "]");
    watches.create(tenantB, "its-own", PIPELINE_B, "interval: 10s");

    await("B's watch of its granted pipeline mirrors both executions", () -> watches.childrenOf(tenantB, "its-own").size() == 2);
    await("B's watch of its granted pipeline Ready", () -> watches.ready(tenantB, "its-own"));
    watches.pollAndWait(tenantB, "borrowed", "after-restart");

    assertThat(watches.hasCondition(tenantB, "borrowed", "Stalled", "True", "CredentialsNotGranted")).isTrue();
    assertThat(watches.childrenOf(tenantB, "borrowed")).as("children of B's watch of A's pipeline").isEmpty();
    assertThat(watches.childrenOf(tenantA, "own")).hasSize(3);
  }
}
