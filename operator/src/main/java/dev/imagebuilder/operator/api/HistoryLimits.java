package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How many finished executions are kept as children, so a busy pipeline does not fill etcd. Only
 * finished children are ever pruned; the watch's counts always describe ECS, not the children.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryLimits {

  /** The most executions a limit can name: a listing holds no more than this by default. */
  public static final long MAX_COUNT = 100_000;
  /** Ten years. */
  public static final long MAX_TTL_SECONDS = 315_360_000;
  /** Ten years. */
  public static final String MAX_AGE = "87600h";

  static final String MAX_AGE_RULE =
      "self == '' || (" + ImagePipelineWatchSpec.CEL_IS_DURATION + " && duration(self) <= duration('" + MAX_AGE + "'))";

  static final String MAX_AGE_MESSAGE =
      "self.matches('" + ImagePipelineWatchSpec.DURATION_PATTERN + "')"
          + " ? 'history.maxAge ' + self + ' is not between 0s and " + MAX_AGE + "'"
          + " : \"history.maxAge '\" + self + \"' is not a duration such as 30s, 5m or 1h30m\"";

  @Min(0)
  @Max(MAX_COUNT)
  @JsonPropertyDescription("Newest successful executions (SUCCESS, PARTITION_SUCCESS) kept as children. Unset keeps all.")
  private Long successfulLimit;

  @Min(0)
  @Max(MAX_COUNT)
  @JsonPropertyDescription("Newest failed or cancelled executions (FAILED, TEST_FAILED, CANCELLED) kept as children. Unset keeps all.")
  private Long failedLimit;

  @Min(0)
  @Max(MAX_TTL_SECONDS)
  @JsonPropertyDescription("Seconds after an execution finished (its last ECS modification) when its child is removed. Unset keeps them.")
  private Long ttlSecondsAfterFinished;

  @Size(max = ImagePipelineWatchSpec.MAX_DURATION_LENGTH)
  @ValidationRule(
      value = MAX_AGE_RULE,
      messageExpression = MAX_AGE_MESSAGE,
      message = "history.maxAge must be a duration of at most " + MAX_AGE + ", such as 24h or 720h")
  @JsonPropertyDescription(
      "Executions created this long before the watch (a duration such as 24h or 720h) are not imported. "
          + "Unset imports the pipeline's whole history.")
  private String maxAge;

  @Min(0)
  @Max(MAX_COUNT)
  @JsonPropertyDescription("At most this many of the executions created before the watch are imported, the newest. Unset imports all.")
  private Long maxCount;

  public Long getSuccessfulLimit() {
    return successfulLimit;
  }

  public void setSuccessfulLimit(Long successfulLimit) {
    this.successfulLimit = successfulLimit;
  }

  public Long getFailedLimit() {
    return failedLimit;
  }

  public void setFailedLimit(Long failedLimit) {
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

  public Long getMaxCount() {
    return maxCount;
  }

  public void setMaxCount(Long maxCount) {
    this.maxCount = maxCount;
  }
}
