package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** What the operator last saw of the pipeline, rebuilt on every poll. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImagePipelineWatchStatus {

  /** Times the operator writes are RFC 3339, far shorter than this. */
  public static final int MAX_TIME_LENGTH = 64;
  /** The longest poll request echoed; the operator cuts a longer annotation value to this. */
  public static final int MAX_REQUEST_LENGTH = 256;
  /**
   * The bounds of a condition of either kind, those of Kubernetes' own metav1.Condition; the
   * operator cuts a longer reason or message before writing.
   */
  public static final int MAX_CONDITION_TYPE_LENGTH = 316;
  public static final int MAX_CONDITION_STATUS_LENGTH = 16;
  public static final int MAX_CONDITION_REASON_LENGTH = 1024;
  public static final int MAX_CONDITION_MESSAGE_LENGTH = 32768;

  @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready (the children mirror ECS), Reconciling (a sync is being retried) and Stalled "
          + "(an error that retrying cannot fix), following kstatus.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("When ECS was last listed completely and successfully (RFC 3339).")
  @Size(max = MAX_TIME_LENGTH)
  private String lastSyncTime;

  @JsonPropertyDescription(
      "When ECS last listed the whole pipeline (RFC 3339); syncs in between ask only for executions in progress.")
  @Size(max = MAX_TIME_LENGTH)
  private String lastFullSyncTime;

  @JsonPropertyDescription("Number of executions ECS listed at the last sync.")
  private Integer executionCount;

  @JsonPropertyDescription("Number of listed executions per ECS status.")
  private Map<String, Integer> executionsByStatus = new TreeMap<>();

  @JsonPropertyDescription("The most recently created execution.")
  private LatestExecution latestExecution;

  @JsonPropertyDescription(
      "Image ID of the newest execution that produced an image successfully "
          + "(SUCCESS or PARTITION_SUCCESS); the value GitOps tooling reads.")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String latestSuccessfulImageId;

  @JsonPropertyDescription(
      "The last value of the ecs.imagebuilder.dev/reconcile-requested-at annotation that was handled.")
  @Size(max = MAX_REQUEST_LENGTH)
  private String lastHandledReconcileAt;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }

  public String getLastFullSyncTime() {
    return lastFullSyncTime;
  }

  public void setLastFullSyncTime(String lastFullSyncTime) {
    this.lastFullSyncTime = lastFullSyncTime;
  }

  public Integer getExecutionCount() {
    return executionCount;
  }

  public void setExecutionCount(Integer executionCount) {
    this.executionCount = executionCount;
  }

  public Map<String, Integer> getExecutionsByStatus() {
    return executionsByStatus;
  }

  public void setExecutionsByStatus(Map<String, Integer> executionsByStatus) {
    this.executionsByStatus = executionsByStatus;
  }

  public LatestExecution getLatestExecution() {
    return latestExecution;
  }

  public void setLatestExecution(LatestExecution latestExecution) {
    this.latestExecution = latestExecution;
  }

  public String getLatestSuccessfulImageId() {
    return latestSuccessfulImageId;
  }

  public void setLatestSuccessfulImageId(String latestSuccessfulImageId) {
    this.latestSuccessfulImageId = latestSuccessfulImageId;
  }

  public String getLastHandledReconcileAt() {
    return lastHandledReconcileAt;
  }

  public void setLastHandledReconcileAt(String lastHandledReconcileAt) {
    this.lastHandledReconcileAt = lastHandledReconcileAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImagePipelineWatchStatus s
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(lastSyncTime, s.lastSyncTime)
        && Objects.equals(lastFullSyncTime, s.lastFullSyncTime)
        && Objects.equals(executionCount, s.executionCount)
        && Objects.equals(executionsByStatus, s.executionsByStatus)
        && Objects.equals(latestExecution, s.latestExecution)
        && Objects.equals(latestSuccessfulImageId, s.latestSuccessfulImageId)
        && Objects.equals(lastHandledReconcileAt, s.lastHandledReconcileAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, executionCount, latestSuccessfulImageId);
  }
}
