package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** Identity of the execution in ECS; never changes after creation. */
public class ImagePipelineExecutionSpec {

  @JsonPropertyDescription("Region of the pipeline.")
  @Size(max = ImagePipelineWatchSpec.MAX_ID_LENGTH)
  private String regionId;

  @JsonPropertyDescription("ID of the ECS image pipeline the execution belongs to.")
  @Size(max = ImagePipelineWatchSpec.MAX_ID_LENGTH)
  private String imagePipelineId;

  @JsonPropertyDescription("ECS execution ID.")
  @Size(max = ImagePipelineExecutionStatus.MAX_FIELD_LENGTH)
  private String executionId;

  public ImagePipelineExecutionSpec() {}

  public ImagePipelineExecutionSpec(String regionId, String imagePipelineId, String executionId) {
    this.regionId = regionId;
    this.imagePipelineId = imagePipelineId;
    this.executionId = executionId;
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

  public String getExecutionId() {
    return executionId;
  }

  public void setExecutionId(String executionId) {
    this.executionId = executionId;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImagePipelineExecutionSpec s
        && Objects.equals(regionId, s.regionId)
        && Objects.equals(imagePipelineId, s.imagePipelineId)
        && Objects.equals(executionId, s.executionId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(regionId, imagePipelineId, executionId);
  }
}
