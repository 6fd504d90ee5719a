package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionSpec;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@EnableKubernetesMockClient(crud = true)
class ChildCreateTest {

  KubernetesMockServer server;
  KubernetesClient client;

  static ImagePipelineExecution child(String name) {
    var child = new ImagePipelineExecution();
    child.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("builds").withLabels(Map.of("a", "b")).build());
    child.setSpec(new ImagePipelineExecutionSpec("cn-hangzhou", "ip-1", name));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase("SUCCESS");
    child.setStatus(status);
    return child;
  }

  @Test
  void createsTheChildAndKnowsWhatTheServerSet() {
    var created = ChildCreate.create(client, ChildCreate.url(client, "builds"), child("exec-1"));

    var stored = client.resources(ImagePipelineExecution.class).inNamespace("builds").withName("exec-1").get();
    assertThat(stored.getSpec()).isEqualTo(created.getSpec());
    assertThat(stored.getStatus()).isEqualTo(created.getStatus());
    assertThat(created.getMetadata().getResourceVersion()).isNotNull().isEqualTo(stored.getMetadata().getResourceVersion());
    assertThat(created.getMetadata().getUid()).isNotNull().isEqualTo(stored.getMetadata().getUid());
    assertThat(created.getMetadata().getCreationTimestamp()).isEqualTo(stored.getMetadata().getCreationTimestamp());
    assertThat(created.getMetadata().getLabels()).containsEntry("a", "b");
  }

  @Test
  void aNameTakenIsAConflictAsFabric8ThrowsIt() {
    var url = ChildCreate.url(client, "builds");
    ChildCreate.create(client, url, child("exec-1"));

    assertThatThrownBy(() -> ChildCreate.create(client, url, child("exec-1")))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void aRefusalCarriesTheServersStatus() {
    server.expect().post().withPath("/apis/ecs.imagebuilder.dev/v1alpha1/namespaces/refusing/imagepipelineexecutions")
        .andReturn(422, new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid").withMessage("spec.executionId: Invalid value").build())
        .once();

    assertThatThrownBy(() -> ChildCreate.create(client, ChildCreate.url(client, "refusing"), child("exec-1")))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
          assertThat(e.getStatus().getMessage()).contains("spec.executionId");
        });
  }

  @Test
  void anAnswerWithoutAResourceVersionIsReadWhole() {
    var answer = child("exec-1");
    answer.getMetadata().setUid("u-1");
    server.expect().post().withPath("/apis/ecs.imagebuilder.dev/v1alpha1/namespaces/odd/imagepipelineexecutions").andReturn(201, answer).once();

    var created = ChildCreate.create(client, ChildCreate.url(client, "odd"), child("exec-1"));

    assertThat(created.getMetadata().getUid()).isEqualTo("u-1");
    assertThat(created.getMetadata().getResourceVersion()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      as the API server answers          | {"apiVersion":"v","kind":"K","metadata":{"name":"n","uid":"u","resourceVersion":"7","generation":2,"creationTimestamp":"2026-12-06T05:00:00Z","managedFields":[{"fieldsV1":{"f:spec":{}}}]},"spec":{"a":[1,{"b":2}]}} | 7    | u    | 2    | 2026-12-06T05:00:00Z
      the rest unread once all are read  | {"metadata":{"uid":"u","resourceVersion":"9","generation":1,"creationTimestamp":"2026-12-07T01:00:00Z","managedFields":[{"f:                       | 9    | u    | 1    | 2026-12-07T01:00:00Z
      metadata last, after nested fields | {"spec":{"metadata":{"resourceVersion":"1"}},"metadata":{"resourceVersion":"8"}}                                                                            | 8    |      |      |
      values of the wrong type           | {"metadata":{"resourceVersion":7,"uid":{"x":1},"generation":"2","creationTimestamp":[1]}}                                                                | NULL |      |      |
      no metadata                        | {"spec":{}}                                                                                                                                                       | NONE |      |      |
      metadata that is not an object     | {"metadata":"x"}                                                                                                                                                  | NONE |      |      |
      not an object                      | [1,2]                                                                                                                                                             | NONE |      |      |
      not JSON                           | <html>                                                                                                                                                            | NONE |      |      |
      """)
  void readsOnlyWhatTheServerSet(String what, String body, String resourceVersion, String uid, Long generation, String created) {
    var meta = ChildCreate.serverMetadata(body.getBytes(StandardCharsets.UTF_8));

    if ("NONE".equals(resourceVersion)) {
      assertThat(meta).isNull();
      return;
    }
    assertThat(meta.getResourceVersion()).isEqualTo("NULL".equals(resourceVersion) ? null : resourceVersion);
    assertThat(meta.getUid()).isEqualTo(uid);
    assertThat(meta.getGeneration()).isEqualTo(generation);
    assertThat(meta.getCreationTimestamp()).isEqualTo(created);
    assertThat(meta.getManagedFields()).isEmpty();
  }
}
