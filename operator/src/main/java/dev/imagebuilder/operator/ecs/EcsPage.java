package dev.imagebuilder.operator.ecs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One page of a DescribeImagePipelineExecutions answer, read straight from the JSON the SDK parsed
 * (its maps, lists and scalars) rather than bound to the SDK's response classes by reflection,
 * which cost more CPU than parsing the JSON. Nothing in the answer is trusted to have the shape
 * the API reference gives: a field of another type is read as absent, and a scalar where text is
 * expected is read as its text.
 *
 * @param totalCount what ECS says the listing holds; null when it says nothing usable
 * @param nextToken where the next page starts; null or empty on the last page
 */
record EcsPage(Long totalCount, String nextToken, List<EcsExecution> executions) {

  static final EcsPage EMPTY = new EcsPage(null, null, List.of());

  /** The page in an SDK answer: {@code body} of the map {@code callApi} returns. */
  static EcsPage read(Object body) {
    if (!(body instanceof Map<?, ?> page)) {
      return EMPTY;
    }
    List<EcsExecution> executions = new ArrayList<>();
    if (object(page.get("ImagePipelineExecution")).get("ImagePipelineExecutionSet") instanceof List<?> set) {
      for (Object item : set) {
        if (item instanceof Map<?, ?> e) {
          executions.add(execution(e));
        }
      }
    }
    return new EcsPage(count(page.get("TotalCount")), text(page.get("NextToken")), executions);
  }

  private static EcsExecution execution(Map<?, ?> e) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (object(e.get("Tags")).get("Tag") instanceof List<?> list) {
      for (Object item : list) {
        var tag = object(item);
        String key = text(tag.get("TagKey"));
        if (key != null) {
          tags.put(key, text(tag.get("TagValue")));
        }
      }
    }
    return new EcsExecution(
        text(e.get("ExecutionId")),
        text(e.get("ImagePipelineId")),
        text(e.get("Status")),
        text(e.get("ImageId")),
        text(e.get("Message")),
        text(e.get("CreationTime")),
        text(e.get("ModifiedTime")),
        text(e.get("ResourceGroupId")),
        tags);
  }

  private static Map<?, ?> object(Object value) {
    return value instanceof Map<?, ?> map ? map : Map.of();
  }

  /** Text, or the text of a number or boolean; anything else is absent. */
  static String text(Object value) {
    return value instanceof String || value instanceof Number || value instanceof Boolean ? value.toString() : null;
  }

  /** A whole number, given as a number or as its digits; anything else is absent. */
  static Long count(Object value) {
    if (value instanceof Long || value instanceof Integer) {
      return ((Number) value).longValue();
    }
    if (value instanceof String s && s.matches("[0-9]{1,18}")) {
      return Long.parseLong(s);
    }
    return null;
  }
}
