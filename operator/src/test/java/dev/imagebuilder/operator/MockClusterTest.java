package dev.imagebuilder.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test of the whole operator on the Fabric8 mock API server (CRUD mode) and the ECS simulator:
 * each test method gets a fresh {@link OperatorHarness}, closed after it. A subclass's own
 * {@code @BeforeEach} runs after the harness exists, its {@code @AfterEach} before it closes.
 */
@EnableKubernetesMockClient(crud = true)
abstract class MockClusterTest {

  KubernetesMockServer server;
  KubernetesClient client;
  OperatorHarness harness;

  @BeforeEach
  void createHarness() {
    harness = new OperatorHarness(server, client);
  }

  @AfterEach
  void closeHarness() {
    harness.close();
  }
}
