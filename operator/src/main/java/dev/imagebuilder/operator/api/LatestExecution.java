package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A summary of the newest execution of a pipeline. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LatestExecution {

  @JsonPropertyDescription("ECS execution ID, also the name of its ImagePipelineExecution.")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String executionId;

  @JsonPropertyDescription("ECS status of the execution, exactly as ECS reports it.")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String status;

  @JsonPropertyDescription("Image the execution produced, once it has one.")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String imageId;

  @JsonPropertyDescription("When ECS created the execution (RFC 3339).")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String creationTime;

  @JsonPropertyDescription("When ECS last changed the execution (RFC 3339).")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String modifiedTime;

  public LatestExecution() {}

  public LatestExecution(
      String executionId, String status, String imageId, String creationTime, String modifiedTime) {
    this.executionId = executionId;
    this.status = status;
    this.imageId = imageId;
    this.creationTime = creationTime;
    this.modifiedTime = modifiedTime;
  }

  public String getExecutionId() {
    return executionId;
  }

  public void setExecutionId(String executionId) {
    this.executionId = executionId;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getImageId() {
    return imageId;
  }

  public void setImageId(String imageId) {
    this.imageId = imageId;
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

  @Override
  public boolean equals(Object o) {
    return o instanceof LatestExecution l
        && Objects.equals(executionId, l.executionId)
        && Objects.equals(status, l.status)
        && Objects.equals(imageId, l.imageId)
        && Objects.equals(creationTime, l.creationTime)
        && Objects.equals(modifiedTime, l.modifiedTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(executionId, status, imageId, creationTime, modifiedTime);
  }
}
