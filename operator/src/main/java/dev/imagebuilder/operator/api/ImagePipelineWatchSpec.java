package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Which pipeline to watch and how often. */
public class ImagePipelineWatchSpec {

  /** Any duration in hours, minutes and seconds, such as 720h or 1h30m. */
  public static final String DURATION_PATTERN = "^([0-9]+h)?([0-9]+m)?([0-9]+s)?$";

  /** Durations are short strings; the longest meaningful one (87600h, ten years) has 6 characters. */
  public static final int MAX_DURATION_LENGTH = 12;

  /** A region ID, such as cn-hangzhou. */
  public static final String REGION_PATTERN = "^[a-z]+(-[a-z0-9]+)+$";
  /** An image pipeline ID, such as ip-2ze5tsl5bp6nf2b3abcd. */
  public static final String PIPELINE_PATTERN = "^ip-[a-z0-9]+$";
  public static final int MAX_ID_LENGTH = 64;
  /** The longest value of statusFilter: the longest ECS status, PARTITION_SUCCESS, is 17. */
  public static final int MAX_STATUS_LENGTH = 32;
  /** The most executions ECS returns per call (MaxResults), and the default. */
  public static final int MAX_PAGE_SIZE = 500;

  public static final String MIN_INTERVAL = "10s";
  public static final String MAX_INTERVAL = "24h";
  public static final String MAX_FULL_RESYNC_INTERVAL = "720h";

  /**
   * CEL: {@code self} is a duration that the API server's {@code duration()} can read. That
   * function fails past 2562047 hours, so numbers of more than six digits of hours, eight of
   * minutes or nine of seconds, all longer than any bound here, are refused before it is called.
   */
  static final String CEL_IS_DURATION =
      "self.matches('" + DURATION_PATTERN + "') && !self.matches('[1-9][0-9]{6,}h|[1-9][0-9]{8,}m|[1-9][0-9]{9,}s')";

  // The duration rules below are CEL (x-kubernetes-validations) rather than patterns, so that
  // the API server's message names the bounds, in the words the operator uses for a spec that
  // reaches it anyway (from an API server that does not evaluate them). An empty string means
  // unset, as it does to the operator.

  static final String INTERVAL_RULE =
      "self == '' || (" + CEL_IS_DURATION + " && duration(self) >= duration('" + MIN_INTERVAL + "')"
          + " && duration(self) <= duration('" + MAX_INTERVAL + "'))";

  static final String INTERVAL_MESSAGE =
      "self.matches('" + DURATION_PATTERN + "')"
          + " ? 'interval ' + self + ' is not between " + MIN_INTERVAL + " and " + MAX_INTERVAL + "'"
          + " : \"interval '\" + self + \"' is not a duration such as 30s, 5m or 1h30m\"";

  static final String FULL_RESYNC_INTERVAL_RULE =
      "self == '' || (" + CEL_IS_DURATION + " && duration(self) <= duration('" + MAX_FULL_RESYNC_INTERVAL + "'))";

  static final String FULL_RESYNC_INTERVAL_MESSAGE =
      "self.matches('" + DURATION_PATTERN + "')"
          + " ? 'fullResyncInterval ' + self + ' is not between 0s and " + MAX_FULL_RESYNC_INTERVAL + "'"
          + " : \"fullResyncInterval '\" + self + \"' is not a duration such as 30s, 5m or 1h30m\"";

  /**
   * The operator reads the filter as a set, so a watch stored with a duplicate (before this rule)
   * still works; the rule only keeps new ones from looking as if the order or count mattered.
   * A CEL rule rather than {@code x-kubernetes-list-type: set}: validation ratcheting lets such a
   * stored watch be updated as long as its filter is unchanged, and the message names the status.
   */
  static final String STATUS_FILTER_RULE = "self.all(s, self.exists_one(t, t == s))";

  static final String STATUS_FILTER_MESSAGE =
      "'statusFilter names ' + self.filter(s, !self.exists_one(t, t == s))[0] + ' more than once'";

  @Required
  @Pattern(REGION_PATTERN)
  @Size(max = MAX_ID_LENGTH)
  @JsonPropertyDescription("Region of the pipeline, as ECS names it, for example cn-hangzhou.")
  private String regionId;

  @Required
  @Pattern(PIPELINE_PATTERN)
  @Size(max = MAX_ID_LENGTH)
  @JsonPropertyDescription("ID of the ECS image pipeline (image template), for example ip-2ze5tsl5bp6nf2b3abcd.")
  private String imagePipelineId;

  @Size(max = 12)
  @ValidationRule(
      value = STATUS_FILTER_RULE,
      messageExpression = STATUS_FILTER_MESSAGE,
      message = "statusFilter must name each status at most once")
  @JsonPropertyDescription(
      "Mirror only executions in these ECS statuses (sent as the Status parameter). "
          + "Empty means every status.")
  private List<EcsStatus> statusFilter;

  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @Default("" + MAX_PAGE_SIZE)
  @JsonPropertyDescription("Executions asked for per ECS call (MaxResults), 1 to " + MAX_PAGE_SIZE + ".")
  private Integer pageSize = MAX_PAGE_SIZE;

  @Size(max = MAX_DURATION_LENGTH)
  @ValidationRule(
      value = INTERVAL_RULE,
      messageExpression = INTERVAL_MESSAGE,
      message = "interval must be a duration between " + MIN_INTERVAL + " and " + MAX_INTERVAL + ", such as 30s, 5m or 1h30m")
  @JsonPropertyDescription(
      "How often ECS is polled, as a duration such as 30s, 5m or 1h30m; at least " + MIN_INTERVAL + ". "
          + "Unset means the operator's default interval (1m unless configured otherwise).")
  private String interval;

  @Size(max = MAX_DURATION_LENGTH)
  @ValidationRule(
      value = FULL_RESYNC_INTERVAL_RULE,
      messageExpression = FULL_RESYNC_INTERVAL_MESSAGE,
      message = "fullResyncInterval must be a duration of at most " + MAX_FULL_RESYNC_INTERVAL + ", such as 10m or 1h")
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
