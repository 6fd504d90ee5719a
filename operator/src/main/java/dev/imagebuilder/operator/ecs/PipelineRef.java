package dev.imagebuilder.operator.ecs;

/** An ECS image pipeline: the region it lives in and its ID. */
public record PipelineRef(String regionId, String imagePipelineId) {}
