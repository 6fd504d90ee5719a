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
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** What each child should look like, and whether the one in the cache already does. */
final class ExecutionChildren {

  private ExecutionChildren() {}

  /**
   * The watch as its children see it, worked out once per poll: their namespace, controller
   * reference and labels (the status label varies, so its label maps are kept per status).
   */
  record Owner(String namespace, String regionId, String imagePipelineId, OwnerReference reference, Map<String, Map<String, String>> labelsByStatus, String watchLabel, String pipelineLabel) {

    static Owner of(ImagePipelineWatch watch, WatchSettings settings) {
      return new Owner(
          watch.getMetadata().getNamespace(),
          settings.pipeline().regionId(),
          settings.pipeline().imagePipelineId(),
          new OwnerReferenceBuilder()
              .withApiVersion(watch.getApiVersion())
              .withKind(watch.getKind())
              .withName(watch.getMetadata().getName())
              .withUid(watch.getMetadata().getUid())
              .withController(true)
              .build(),
          new ConcurrentHashMap<>(),
          LabelValues.of(watch.getMetadata().getName()),
          LabelValues.of(settings.pipeline().imagePipelineId()));
    }

    Map<String, String> labels(String status) {
      return labelsByStatus.computeIfAbsent(
          status == null ? "" : status,
          s -> Map.of(
              ImagePipelineExecution.WATCH_LABEL, watchLabel,
              ImagePipelineExecution.PIPELINE_LABEL, pipelineLabel,
              ImagePipelineExecution.STATUS_LABEL, LabelValues.ofStatus(status)));
    }

    String uid() {
      return reference.getUid();
    }
  }

  /** The child's name: the ExecutionId in lower case, or null (see {@link ChildNames#of}). */
  static String name(String executionId) {
    return ChildNames.of(executionId);
  }

  /** The child for an execution ECS reported, keeping condition times from {@code existing}. */
  static ImagePipelineExecution desired(Owner owner, EcsExecution execution, ImagePipelineExecution existing, Instant now) {
    var child = new ImagePipelineExecution();
    child.setMetadata(
        new ObjectMetaBuilder()
            .withName(name(execution.executionId()))
            .withNamespace(owner.namespace())
            .withLabels(owner.labels(execution.status()))
            .withOwnerReferences(owner.reference())
            .build());
    child.setSpec(new ImagePipelineExecutionSpec(owner.regionId(), owner.imagePipelineId(), execution.executionId()));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase(execution.status());
    status.setImageId(blankToNull(execution.imageId()));
    status.setMessage(blankToNull(execution.message()));
    status.setCreationTime(execution.creationTime());
    status.setModifiedTime(execution.modifiedTime());
    status.setResourceGroupId(blankToNull(execution.resourceGroupId()));
    status.setTags(execution.tags().isEmpty() ? null : execution.tags());
    status.setConditions(
        Conditions.merge(previousConditions(existing), ExecutionConditions.forStatus(execution.status(), execution.message()), null, now));
    child.setStatus(status);
    return child;
  }

  /**
   * Whether the cached child already shows what ECS reported, without building the desired child:
   * most polls change nothing, and this is asked once per execution per poll.
   */
  static boolean matches(ImagePipelineExecution cached, Owner owner, EcsExecution execution) {
    if (cached == null || cached.getSpec() == null || cached.getStatus() == null) {
      return false;
    }
    var spec = cached.getSpec();
    var status = cached.getStatus();
    return Objects.equals(spec.getExecutionId(), execution.executionId())
        && Objects.equals(spec.getRegionId(), owner.regionId())
        && Objects.equals(spec.getImagePipelineId(), owner.imagePipelineId())
        && Objects.equals(status.getPhase(), execution.status())
        && Objects.equals(status.getImageId(), blankToNull(execution.imageId()))
        && Objects.equals(status.getMessage(), blankToNull(execution.message()))
        && Objects.equals(status.getCreationTime(), execution.creationTime())
        && Objects.equals(status.getModifiedTime(), execution.modifiedTime())
        && Objects.equals(status.getResourceGroupId(), blankToNull(execution.resourceGroupId()))
        && Objects.equals(status.getTags(), execution.tags().isEmpty() ? null : execution.tags())
        && conditionsShow(status.getConditions(), ExecutionConditions.forStatus(execution.status(), execution.message()))
        && labelsShow(cached, owner.labels(execution.status()))
        && ownedBy(cached, owner);
  }

  private static boolean conditionsShow(List<Condition> conditions, List<Conditions.Desired> desired) {
    if (conditions == null || conditions.size() != desired.size()) {
      return false;
    }
    for (int i = 0; i < desired.size(); i++) {
      Condition c = conditions.get(i);
      Conditions.Desired d = desired.get(i);
      if (!d.type().equals(c.getType())
          || !d.status().equals(c.getStatus())
          || !Objects.equals(d.reason(), c.getReason())
          || !Objects.equals(d.message(), c.getMessage())
          || c.getObservedGeneration() != null
          || c.getLastTransitionTime() == null) {
        return false;
      }
    }
    return true;
  }

  private static boolean labelsShow(ImagePipelineExecution child, Map<String, String> wanted) {
    Map<String, String> labels = child.getMetadata().getLabels();
    if (labels == null) {
      return false;
    }
    for (var label : wanted.entrySet()) {
      if (!label.getValue().equals(labels.get(label.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** Whether this watch is the child's controller. */
  static boolean ownedBy(ImagePipelineExecution child, Owner owner) {
    var owners = child.getMetadata().getOwnerReferences();
    if (owners == null) {
      return false;
    }
    for (OwnerReference o : owners) {
      if (Boolean.TRUE.equals(o.getController()) && owner.uid().equals(o.getUid())) {
        return true;
      }
    }
    return false;
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
            ExecutionConditions.RETAINED, Conditions.TRUE, "NoLongerListed", "ECS no longer lists this execution; kept as history"));
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
    Map<String, String> labels = existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
    return Objects.equals(existing.getSpec(), desired.getSpec())
        && Objects.equals(existing.getStatus(), desired.getStatus())
        && desired.getMetadata().getLabels().entrySet().stream().allMatch(l -> l.getValue().equals(labels.get(l.getKey())))
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
    List<OwnerReference> owners = new ArrayList<>(metadata.getOwnerReferences() == null ? List.of() : metadata.getOwnerReferences());
    desired.getMetadata().getOwnerReferences().stream().filter(o -> !owners.contains(o)).forEach(owners::add);
    metadata.setOwnerReferences(owners);
    metadata.setManagedFields(null);
    var updated = new ImagePipelineExecution();
    updated.setMetadata(metadata);
    updated.setSpec(desired.getSpec());
    updated.setStatus(desired.getStatus());
    return updated;
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

  /** ECS sends empty strings for absent values; children and status leave them out. */
  static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
