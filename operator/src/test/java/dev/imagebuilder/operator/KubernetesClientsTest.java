package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.vertx.VertxHttpClient;
import org.junit.jupiter.api.Test;

class KubernetesClientsTest {

  static final String CHILD =
      """
      {"apiVersion":"ecs.imagebuilder.dev/v1alpha1","kind":"ImagePipelineExecution",
       "metadata":{"name":"exec-1","namespace":"builds","resourceVersion":"42","labels":{"a":"b"},
         "managedFields":[{"manager":"image-pipeline-operator","operation":"Create","apiVersion":"ecs.imagebuilder.dev/v1alpha1",
           "time":"2026-12-06T05:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:a":{}}}}}]},
       "spec":{"executionId":"exec-1"}}
      """;

  @Test
  void managedFieldsAreSkippedWhenReadAndRestKept() {
    var child = KubernetesClients.serialization().unmarshal(CHILD, ImagePipelineExecution.class);

    assertThat(child.getMetadata().getManagedFields()).isEmpty();
    assertThat(child.getMetadata().getAdditionalProperties()).doesNotContainKey("managedFields");
    assertThat(child.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(child.getMetadata().getLabels()).containsEntry("a", "b");
    assertThat(child.getSpec().getExecutionId()).isEqualTo("exec-1");
  }

  @Test
  void theClientIsFabric8sVertxClientAndRetriesOnce() {
    var config = new ConfigBuilder(KubernetesClients.config()).withMasterUrl("https://127.0.0.1:1").build();
    try (var client = KubernetesClients.build(config)) {
      assertThat(client.getHttpClient()).isInstanceOf(VertxHttpClient.class);
    }
    assertThat(KubernetesClients.config().getRequestRetryBackoffLimit()).isEqualTo(1);
  }

  @Test
  void managedFieldsAreNeverWritten() {
    var meta = new ObjectMetaBuilder().withName("exec-1")
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("someone").withOperation("Update").build())
        .build();

    assertThat(KubernetesClients.serialization().asJson(meta)).contains("\"name\":\"exec-1\"").doesNotContain("managedFields");
  }
}
