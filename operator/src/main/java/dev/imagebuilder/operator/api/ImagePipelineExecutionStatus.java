package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The execution as ECS last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImagePipelineExecutionStatus {

  /**
   * The longest ID, status or time ECS sends that a child holds; the operator cuts longer ones
   * (with an ellipsis) before writing, so the API server never refuses a child for its length.
   */
  public static final int MAX_FIELD_LENGTH = 256;
  /** The longest ECS message a child holds; longer ones are cut the same way. */
  public static final int MAX_MESSAGE_LENGTH = 1024;
  /** ECS allows 20 tags per resource, with values of up to 256 characters. */
  public static final int MAX_TAGS = 20;
  public static final int MAX_TAG_VALUE_LENGTH = 256;

  @JsonPropertyDescription(
      "ECS status of the execution, exactly as ECS reports it: PREPARING, REPAIRING, BUILDING, "
          + "TESTING, DISTRIBUTING, RELEASING, SUCCESS, PARTITION_SUCCESS, FAILED, TEST_FAILED, "
          + "CANCELLING or CANCELLED.")
  @Size(max = MAX_FIELD_LENGTH)
  private String phase;

  @JsonPropertyDescription("ID of the image the execution produced, once it has one.")
  @Size(max = MAX_FIELD_LENGTH)
  private String imageId;

  @JsonPropertyDescription("Last message ECS reported for the execution.")
  @Size(max = MAX_MESSAGE_LENGTH)
  private String message;

  @JsonPropertyDescription("When ECS created the execution (RFC 3339).")
  @Size(max = MAX_FIELD_LENGTH)
  private String creationTime;

  @JsonPropertyDescription("When ECS last changed the execution (RFC 3339).")
  @Size(max = MAX_FIELD_LENGTH)
  private String modifiedTime;

  @JsonPropertyDescription("Resource group of the execution in ECS.")
  @Size(max = MAX_FIELD_LENGTH)
  private String resourceGroupId;

  @JsonPropertyDescription("ECS tags of the execution.")
  private Map<String, String> tags;

  @JsonPropertyDescription(
      "Succeeded (Unknown while running, True or False once ended), Reconciling (while running), "
          + "Stalled (failed) and Retained (ECS no longer lists the execution; kept as history).")
  private List<Condition> conditions = new ArrayList<>();

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public String getImageId() {
    return imageId;
  }

  public void setImageId(String imageId) {
    this.imageId = imageId;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getCreationTime() {
    return creationTime;
  }

  public void setCreationTime(String creationTime) {
    this.creationTime = creationTime;
  }

  public String getModifiedTime() {
    return modifiedTime;
  }

  public void setModifiedTime(String modifiedTime) {
    this.modifiedTime = modifiedTime;
  }

  public String getResourceGroupId() {
    return resourceGroupId;
  }

  public void setResourceGroupId(String resourceGroupId) {
    this.resourceGroupId = resourceGroupId;
  }

  public Map<String, String> getTags() {
    return tags;
  }

  public void setTags(Map<String, String> tags) {
    this.tags = tags;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImagePipelineExecutionStatus s
        && Objects.equals(phase, s.phase)
        && Objects.equals(imageId, s.imageId)
        && Objects.equals(message, s.message)
        && Objects.equals(creationTime, s.creationTime)
        && Objects.equals(modifiedTime, s.modifiedTime)
        && Objects.equals(resourceGroupId, s.resourceGroupId)
        && Objects.equals(tags, s.tags)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, imageId, modifiedTime);
  }
}
