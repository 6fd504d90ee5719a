package dev.imagebuilder.operator.ecs;

import java.util.Map;

/** One image pipeline execution as ECS reports it; times are RFC 3339 strings as ECS sends them. */
public record EcsExecution(
    String executionId,
    String imagePipelineId,
    String status,
    String imageId,
    String message,
    String creationTime,
    String modifiedTime,
    String resourceGroupId,
    Map<String, String> tags) {}
