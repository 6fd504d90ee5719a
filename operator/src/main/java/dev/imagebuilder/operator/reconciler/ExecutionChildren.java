package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionSpec;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsExecution;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** What each child should look like, and whether the one in the cache already does. */
final class ExecutionChildren {

  /** ECS messages are short; a longer one is cut so one child never grows without bound. */
  static final int MAX_MESSAGE = 1024;

  private ExecutionChildren() {}

  /** The child for an execution ECS reported, keeping condition times from {@code existing}. */
  static ImagePipelineExecution desired(
      ImagePipelineWatch watch, EcsExecution execution, ImagePipelineExecution existing, Instant now) {
    var child = new ImagePipelineExecution();
    child.setMetadata(
        new ObjectMetaBuilder()
            .withName(name(execution.executionId()))
            .withNamespace(watch.getMetadata().getNamespace())
            .withLabels(labels(watch, execution.status()))
            .withOwnerReferences(owner(watch))
            .build());
    child.setSpec(
        new ImagePipelineExecutionSpec(
            watch.getSpec().getRegionId(),
            watch.getSpec().getImagePipelineId(),
            execution.executionId()));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase(execution.status());
    status.setImageId(blankToNull(execution.imageId()));
    status.setMessage(bounded(blankToNull(execution.message())));
    status.setCreationTime(execution.creationTime());
    status.setModifiedTime(execution.modifiedTime());
    status.setResourceGroupId(blankToNull(execution.resourceGroupId()));
    status.setTags(execution.tags() == null || execution.tags().isEmpty() ? null : execution.tags());
    status.setConditions(
        Conditions.merge(
            previousConditions(existing),
            ExecutionConditions.forStatus(execution.status(), execution.message()),
            null,
            now));
    child.setStatus(status);
    return child;
  }

  /**
   * The existing child marked Retained: a complete listing no longer returns its execution, and a
   * child is never deleted or blanked for that, since it is the only record left.
   */
  static ImagePipelineExecution retained(ImagePipelineExecution existing, Instant now) {
    var status = existing.getStatus() == null ? new ImagePipelineExecutionStatus() : existing.getStatus();
    List<Conditions.Desired> desired = new ArrayList<>();
    for (Condition c : previousConditions(existing)) {
      if (!c.getType().equals(ExecutionConditions.RETAINED)) {
        desired.add(new Conditions.Desired(c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
      }
    }
    desired.add(
        new Conditions.Desired(
            ExecutionConditions.RETAINED,
            Conditions.TRUE,
            "NoLongerListed",
            "ECS no longer lists this execution; kept as history"));
    var copy = new ImagePipelineExecution();
    copy.setMetadata(new ObjectMetaBuilder(existing.getMetadata()).build());
    copy.setSpec(existing.getSpec());
    var newStatus = copyOf(status);
    newStatus.setConditions(Conditions.merge(previousConditions(existing), desired, null, now));
    copy.setStatus(newStatus);
    return copy;
  }

  static boolean isRetained(ImagePipelineExecution child) {
    return Conditions.isTrue(previousConditions(child), ExecutionConditions.RETAINED);
  }

  /**
   * Whether {@code existing} already shows what {@code desired} says: same spec, status, operator
   * labels and controller reference. Labels and annotations others added are not compared.
   */
  static boolean upToDate(ImagePipelineExecution existing, ImagePipelineExecution desired) {
    if (existing == null) {
      return false;
    }
    Map<String, String> labels =
        existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
    return Objects.equals(existing.getSpec(), desired.getSpec())
        && Objects.equals(existing.getStatus(), desired.getStatus())
        && desired.getMetadata().getLabels().entrySet().stream()
            .allMatch(l -> l.getValue().equals(labels.get(l.getKey())))
        && existing.getMetadata().getOwnerReferences() != null
        && existing.getMetadata().getOwnerReferences().containsAll(desired.getMetadata().getOwnerReferences());
  }

  /**
   * {@code existing} changed to show {@code desired}, keeping its resourceVersion (so a concurrent
   * edit makes the update fail rather than be lost) and whatever others added to its metadata.
   */
  static ImagePipelineExecution update(ImagePipelineExecution existing, ImagePipelineExecution desired) {
    var metadata = new ObjectMetaBuilder(existing.getMetadata()).build();
    Map<String, String> labels = new HashMap<>(metadata.getLabels() == null ? Map.of() : metadata.getLabels());
    labels.putAll(desired.getMetadata().getLabels());
    metadata.setLabels(labels);
    List<OwnerReference> owners =
        new ArrayList<>(metadata.getOwnerReferences() == null ? List.of() : metadata.getOwnerReferences());
    desired.getMetadata().getOwnerReferences().stream().filter(o -> !owners.contains(o)).forEach(owners::add);
    metadata.setOwnerReferences(owners);
    metadata.setManagedFields(null);
    var updated = new ImagePipelineExecution();
    updated.setMetadata(metadata);
    updated.setSpec(desired.getSpec());
    updated.setStatus(desired.getStatus());
    return updated;
  }

  /** Whether the child belongs to another controller, such as a second watch of the same pipeline. */
  static boolean controlledByOther(ImagePipelineExecution child, ImagePipelineWatch watch) {
    var owners = child.getMetadata().getOwnerReferences();
    return owners != null
        && owners.stream()
            .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && !o.getUid().equals(watch.getMetadata().getUid()));
  }

  /** Execution IDs are lower-case already; lower-casing makes any other a valid object name. */
  static String name(String executionId) {
    return executionId.toLowerCase(Locale.ROOT);
  }

  static Map<String, String> labels(ImagePipelineWatch watch, String status) {
    return Map.of(
        ImagePipelineExecution.WATCH_LABEL, watch.getMetadata().getName(),
        ImagePipelineExecution.PIPELINE_LABEL, watch.getSpec().getImagePipelineId(),
        ImagePipelineExecution.STATUS_LABEL, labelValue(status));
  }

  private static String labelValue(String status) {
    String value = status == null ? "unknown" : status.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]", "-");
    return value.length() > 63 ? value.substring(0, 63) : value;
  }

  private static OwnerReference owner(ImagePipelineWatch watch) {
    return new OwnerReferenceBuilder()
        .withApiVersion(watch.getApiVersion())
        .withKind(watch.getKind())
        .withName(watch.getMetadata().getName())
        .withUid(watch.getMetadata().getUid())
        .withController(true)
        .build();
  }

  private static List<Condition> previousConditions(ImagePipelineExecution existing) {
    return existing == null || existing.getStatus() == null || existing.getStatus().getConditions() == null
        ? List.of()
        : existing.getStatus().getConditions();
  }

  private static ImagePipelineExecutionStatus copyOf(ImagePipelineExecutionStatus s) {
    var copy = new ImagePipelineExecutionStatus();
    copy.setPhase(s.getPhase());
    copy.setImageId(s.getImageId());
    copy.setMessage(s.getMessage());
    copy.setCreationTime(s.getCreationTime());
    copy.setModifiedTime(s.getModifiedTime());
    copy.setResourceGroupId(s.getResourceGroupId());
    copy.setTags(s.getTags());
    copy.setConditions(s.getConditions());
    return copy;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String bounded(String s) {
    return s == null || s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "…";
  }
}
