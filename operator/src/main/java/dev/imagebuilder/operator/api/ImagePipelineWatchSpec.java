package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Which pipeline to watch and how often. */
public class ImagePipelineWatchSpec {

  /**
   * Durations as Kubernetes writes them (30s, 5m, 1h30m), at least ten seconds. A pattern rather
   * than a CEL rule: API servers before 1.25 do not know x-kubernetes-validations, and kubectl and
   * Helm refuse a CRD that carries it there.
   */
  /** Any duration in hours, minutes and seconds, such as 720h or 1h30m. */
  public static final String DURATION_PATTERN = "^([0-9]+h)?([0-9]+m)?([0-9]+s)?$";

  /** Durations are short strings; the longest meaningful one (87600h, ten years) has 6 characters. */
  public static final int MAX_DURATION_LENGTH = 12;

  public static final String INTERVAL_PATTERN =
      "^([1-9][0-9]*h([0-9]+m)?([0-9]+s)?|[1-9][0-9]*m([0-9]+s)?|[1-9][0-9]+s)$";

  @Required
  @Pattern("^[a-z]+(-[a-z0-9]+)+$")
  @JsonPropertyDescription("Region of the pipeline, as ECS names it, for example cn-hangzhou.")
  private String regionId;

  @Required
  @Pattern("^ip-[a-z0-9]+$")
  @Size(max = 64)
  @JsonPropertyDescription("ID of the ECS image pipeline (image template), for example ip-2ze5tsl5bp6nf2b3abcd.")
  private String imagePipelineId;

  @Size(max = 12)
  @JsonPropertyDescription(
      "Mirror only executions in these ECS statuses (sent as the Status parameter). "
          + "Empty means every status.")
  private List<EcsStatus> statusFilter;

  @Min(1)
  @Max(500)
  @Default("500")
  @JsonPropertyDescription("Executions asked for per ECS call (MaxResults), 1 to 500.")
  private Integer pageSize = 500;

  @Pattern(INTERVAL_PATTERN)
  @Size(max = MAX_DURATION_LENGTH)
  @JsonPropertyDescription(
      "How often ECS is polled, as a duration such as 30s, 5m or 1h30m; at least 10s. "
          + "Unset means the operator's default interval (1m unless configured otherwise).")
  private String interval;

  @Pattern(DURATION_PATTERN)
  @Size(max = MAX_DURATION_LENGTH)
  @JsonPropertyDescription(
      "How often the whole pipeline is listed; the polls in between ask ECS only for executions in "
          + "progress. A duration such as 10m or 1h; unset means ten intervals. An execution that "
          + "starts and ends between two polls appears at the next full listing.")
  private String fullResyncInterval;

  @JsonPropertyDescription("Stop polling ECS; existing children are kept as they are.")
  private boolean suspend;

  @JsonPropertyDescription("How many finished executions are kept as children, and how much history the first sync imports.")
  private HistoryLimits history;

  @JsonPropertyDescription(
      "Credentials for this watch's account, from a Secret in its own namespace, instead of the "
          + "operator's. Honoured only when the operator allows per-watch credentials.")
  private CredentialsSecretRef credentialsSecretRef;

  /** Why the spec could not be read, naming the field; null when it was read. Never stored. */
  @JsonIgnore private String unreadable;

  public String getUnreadable() {
    return unreadable;
  }

  public void setUnreadable(String unreadable) {
    this.unreadable = unreadable;
  }

  public String getRegionId() {
    return regionId;
  }

  public void setRegionId(String regionId) {
    this.regionId = regionId;
  }

  public String getImagePipelineId() {
    return imagePipelineId;
  }

  public void setImagePipelineId(String imagePipelineId) {
    this.imagePipelineId = imagePipelineId;
  }

  public List<EcsStatus> getStatusFilter() {
    return statusFilter;
  }

  public void setStatusFilter(List<EcsStatus> statusFilter) {
    this.statusFilter = statusFilter;
  }

  public Integer getPageSize() {
    return pageSize;
  }

  public void setPageSize(Integer pageSize) {
    this.pageSize = pageSize;
  }

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }

  public String getFullResyncInterval() {
    return fullResyncInterval;
  }

  public void setFullResyncInterval(String fullResyncInterval) {
    this.fullResyncInterval = fullResyncInterval;
  }

  public HistoryLimits getHistory() {
    return history;
  }

  public void setHistory(HistoryLimits history) {
    this.history = history;
  }

  public CredentialsSecretRef getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(CredentialsSecretRef credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  public boolean isSuspend() {
    return suspend;
  }

  public void setSuspend(boolean suspend) {
    this.suspend = suspend;
  }
}
