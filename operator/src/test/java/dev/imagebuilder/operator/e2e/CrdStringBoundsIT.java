package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionSpec;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsExecution;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The maxLength of every string, on a real kube-apiserver: it installs the CRDs (their validation
 * rules still within the cost budget), refuses a child holding a megabyte, and admits one with
 * every field at the length the operator cuts ECS's values to, so the operator's own writes are
 * never refused for their length.
 */
class CrdStringBoundsIT {

  static RealCluster cluster;
  static String ns;

  @BeforeAll
  static void setUp() throws Exception {
    cluster = new RealCluster();
    cluster.applyCrds();
    ns = cluster.freshNamespace("crd-bounds");
  }

  @AfterAll
  static void tearDown() {
    if (cluster != null && ns != null) {
      cluster.client.namespaces().withName(ns).delete();
    }
  }

  static ImagePipelineExecution child(String name, String message, String field, Map<String, String> tags) {
    var child = new ImagePipelineExecution();
    child.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    child.setSpec(new ImagePipelineExecutionSpec("cn-hangzhou", "ip-bounds", field));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase(field);
    status.setImageId(field);
    status.setMessage(message);
    status.setCreationTime(field);
    status.setModifiedTime(field);
    status.setResourceGroupId(field);
    status.setTags(tags);
    status.setConditions(List.of(new ConditionBuilder().withType("Succeeded").withStatus("Unknown")
        .withReason("R".repeat(ImagePipelineWatchStatus.MAX_CONDITION_REASON_LENGTH))
        .withMessage("m".repeat(ImagePipelineWatchStatus.MAX_CONDITION_MESSAGE_LENGTH))
        .withLastTransitionTime("2026-06-01T10:00:00Z").build()));
    child.setStatus(status);
    return child;
  }

  @Test
  void aChildAtTheLengthsTheOperatorCutsToIsAdmittedAndAMegabyteIsRefused() {
    String field = EcsExecution.cut("f".repeat(10_000), EcsExecution.MAX_FIELD);
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < EcsExecution.MAX_TAGS; i++) {
      tags.put("k" + i, EcsExecution.cut("v".repeat(10_000), EcsExecution.MAX_TAG_VALUE));
    }
    var atBounds = child("at-bounds", EcsExecution.cut("x".repeat(1_000_000), EcsExecution.MAX_MESSAGE), field, tags);
    cluster.client.resource(atBounds).create();
    assertThat(cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).withName("at-bounds").get()
        .getStatus().getMessage()).hasSize(EcsExecution.MAX_MESSAGE);

    var huge = child("huge", "x".repeat(1_000_000), field, tags);
    var refused = catchThrowableOfType(KubernetesClientException.class, () -> cluster.client.resource(huge).create());
    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getMessage()).contains("status.message").contains("1024");
  }
}
