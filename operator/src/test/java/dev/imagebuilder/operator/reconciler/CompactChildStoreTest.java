package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompactChildStoreTest {

  static final String CHILD =
      """
      apiVersion: ecs.imagebuilder.dev/v1alpha1
      kind: ImagePipelineExecution
      metadata:
        name: exec-0a1b2c3d4e5f60718293
        namespace: builds
        labels: {ecs.imagebuilder.dev/watch: nightly, ecs.imagebuilder.dev/status: success}
        ownerReferences:
        - {apiVersion: ecs.imagebuilder.dev/v1alpha1, kind: ImagePipelineWatch, name: nightly, uid: 7c1e, controller: true}
        managedFields:
        - {manager: image-pipeline-operator, operation: Update, fieldsType: FieldsV1, fieldsV1: {f:spec: {f:regionId: {}}}}
      spec: {regionId: cn-hangzhou, imagePipelineId: ip-abc, executionId: exec-0a1b2c3d4e5f60718293}
      status:
        phase: SUCCESS
        imageId: m-1
        conditions:
        - {type: Succeeded, status: "True", reason: Succeeded, message: done, lastTransitionTime: "2026-01-01T00:00:00Z"}
      """;

  @Test
  void dropsManagedFieldsAndKeepsEverythingTheOperatorReads() {
    var original = Serialization.unmarshal(CHILD, ImagePipelineExecution.class);
    var compacted = new CompactChildStore().compact(Serialization.unmarshal(CHILD, ImagePipelineExecution.class));

    assertThat(compacted.getMetadata().getManagedFields()).isNull();
    original.getMetadata().setManagedFields(null);
    assertThat(tree(compacted)).isEqualTo(tree(original));
    assertThat(ExecutionChildren.upToDate(compacted, original)).isTrue();
  }

  /** The object as JSON maps, so that the order of map keys, which Map.of varies by JVM, does not count. */
  private static Map<?, ?> tree(ImagePipelineExecution child) {
    return Serialization.unmarshal(Serialization.asJson(child), Map.class);
  }

  @Test
  void childrenShareTheStringsTheyRepeat() {
    var store = new CompactChildStore();
    var first = store.compact(Serialization.unmarshal(CHILD, ImagePipelineExecution.class));
    var second = store.compact(Serialization.unmarshal(CHILD, ImagePipelineExecution.class));

    assertThat(second.getSpec().getImagePipelineId()).isSameAs(first.getSpec().getImagePipelineId());
    assertThat(second.getMetadata().getOwnerReferences().get(0).getUid()).isSameAs(first.getMetadata().getOwnerReferences().get(0).getUid());
    assertThat(second.getStatus().getConditions().get(0).getReason()).isSameAs(first.getStatus().getConditions().get(0).getReason());
  }

  @Test
  void whatOthersWriteIntoChildrenNeverGrowsTheSharedStrings() {
    var store = new CompactChildStore();
    // Distinct reasons of 200 characters, a few hundred bytes each: more than the budget holds.
    long each = CompactChildStore.bytes("R".repeat(200));
    for (int i = 0; i < CompactChildStore.MAX_SHARED_BYTES / each + 1_000; i++) {
      var child = Serialization.unmarshal(CHILD, ImagePipelineExecution.class);
      child.getMetadata().setLabels(Map.of("team.example/owner-" + i, "value-" + i, ImagePipelineExecution.WATCH_LABEL, "nightly"));
      child.getMetadata().setAnnotations(Map.of("note", "n-" + i));
      String reason = String.format("Reason%0194d", i);
      child.getStatus().getConditions().get(0).setReason(reason);
      var compacted = store.compact(child);
      assertThat(compacted.getMetadata().getLabels()).containsEntry("team.example/owner-" + i, "value-" + i);
      assertThat(compacted.getStatus().getConditions().get(0).getReason()).isEqualTo(reason);
    }
    assertThat(store.sharedBytes()).isLessThanOrEqualTo(CompactChildStore.MAX_SHARED_BYTES);
    assertThat(store.sharedBytes()).isGreaterThan(CompactChildStore.MAX_SHARED_BYTES - each);
  }

  @Test
  void aChildUpdatedWithHugeStringsKeepsNoneOfThemOnceReplaced() {
    var store = new CompactChildStore();
    String key = "builds/exec-0a1b2c3d4e5f60718293";
    for (int i = 0; i < 300; i++) {
      // 1 MB strings, different in each update, in every field whose strings the store shares.
      String huge = String.valueOf((char) ('a' + i % 26)).repeat(1_000_000 - 4) + String.format("%04d", i);
      var child = Serialization.unmarshal(CHILD, ImagePipelineExecution.class);
      child.getSpec().setRegionId(huge);
      child.getSpec().setImagePipelineId(huge);
      child.getStatus().setPhase(huge);
      child.getStatus().setResourceGroupId(huge);
      child.getStatus().getConditions().get(0).setReason(huge);
      child.getMetadata().getOwnerReferences().get(0).setName(huge);
      child.getMetadata().setLabels(Map.of(ImagePipelineExecution.WATCH_LABEL, huge));
      store.put(key, child);
      assertThat(store.get(key).getStatus().getPhase()).isEqualTo(huge);
    }
    assertThat(store.size()).isEqualTo(1);
    // What the store shares holds only the short strings of the fixture: no update's 1 MB string.
    assertThat(store.sharedBytes()).isLessThan(4 * 1024);
  }
}
