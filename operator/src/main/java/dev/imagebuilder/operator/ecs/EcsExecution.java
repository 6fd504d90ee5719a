package dev.imagebuilder.operator.ecs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One image pipeline execution as ECS reports it; times are RFC 3339 strings as ECS sends them.
 * Every field is cut to a size that fits in a child, whatever ECS sent: nothing from ECS is
 * trusted to be small.
 */
public record EcsExecution(
    String executionId,
    String imagePipelineId,
    String status,
    String imageId,
    String message,
    String creationTime,
    String modifiedTime,
    String resourceGroupId,
    Map<String, String> tags) {

  /** ECS messages are short; a longer one is cut so one child never grows without bound. */
  public static final int MAX_MESSAGE = 1024;
  /** IDs, statuses and times are far shorter than this in ECS. */
  public static final int MAX_FIELD = 256;
  /** ECS allows 20 tags per resource, keys of 128 and values of 256 characters. */
  public static final int MAX_TAGS = 20;
  public static final int MAX_TAG_KEY = 128;
  public static final int MAX_TAG_VALUE = 256;

  public EcsExecution {
    executionId = cut(executionId, MAX_FIELD);
    imagePipelineId = cut(imagePipelineId, MAX_FIELD);
    status = cut(status, MAX_FIELD);
    imageId = cut(imageId, MAX_FIELD);
    message = cut(message, MAX_MESSAGE);
    creationTime = cut(creationTime, MAX_FIELD);
    modifiedTime = cut(modifiedTime, MAX_FIELD);
    resourceGroupId = cut(resourceGroupId, MAX_FIELD);
    tags = boundedTags(tags);
  }

  /** The text, cut to {@code max} characters with an ellipsis when it was longer. */
  public static String cut(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static Map<String, String> boundedTags(Map<String, String> tags) {
    if (tags == null || tags.isEmpty()) {
      return Map.of();
    }
    Map<String, String> bounded = new LinkedHashMap<>();
    for (var tag : tags.entrySet()) {
      if (bounded.size() == MAX_TAGS) {
        break;
      }
      if (tag.getKey() != null && !tag.getKey().isEmpty() && tag.getKey().length() <= MAX_TAG_KEY) {
        bounded.put(tag.getKey(), tag.getValue() == null ? "" : cut(tag.getValue(), MAX_TAG_VALUE));
      }
    }
    return bounded;
  }
}
