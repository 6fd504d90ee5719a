package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/**
 * How many finished executions are kept as children, so a busy pipeline does not fill etcd. Only
 * finished children are ever pruned; the watch's counts always describe ECS, not the children.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryLimits {

  @Min(0)
  @JsonPropertyDescription("Newest successful executions (SUCCESS, PARTITION_SUCCESS) kept as children. Unset keeps all.")
  private Integer successfulLimit;

  @Min(0)
  @JsonPropertyDescription("Newest failed or cancelled executions (FAILED, TEST_FAILED, CANCELLED) kept as children. Unset keeps all.")
  private Integer failedLimit;

  @Min(0)
  @JsonPropertyDescription("Seconds after an execution finished (its last ECS modification) when its child is removed. Unset keeps them.")
  private Long ttlSecondsAfterFinished;

  @Pattern(ImagePipelineWatchSpec.DURATION_PATTERN)
  @JsonPropertyDescription(
      "Executions created this long before the watch (a duration such as 24h or 720h) are not imported. "
          + "Unset imports the pipeline's whole history.")
  private String maxAge;

  @Min(0)
  @JsonPropertyDescription("At most this many of the executions created before the watch are imported, the newest. Unset imports all.")
  private Integer maxCount;

  public Integer getSuccessfulLimit() {
    return successfulLimit;
  }

  public void setSuccessfulLimit(Integer successfulLimit) {
    this.successfulLimit = successfulLimit;
  }

  public Integer getFailedLimit() {
    return failedLimit;
  }

  public void setFailedLimit(Integer failedLimit) {
    this.failedLimit = failedLimit;
  }

  public Long getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Long ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  public String getMaxAge() {
    return maxAge;
  }

  public void setMaxAge(String maxAge) {
    this.maxAge = maxAge;
  }

  public Integer getMaxCount() {
    return maxCount;
  }

  public void setMaxCount(Integer maxCount) {
    this.maxCount = maxCount;
  }
}
