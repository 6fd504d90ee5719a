package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What is wrong with a spec, checked again by the operator: the CRD schema rejects these on a real
 * API server, but a schema can be older than the operator, and nothing is sent to ECS that would
 * only come back as an error.
 */
final class SpecProblems {

  static final Duration MIN_INTERVAL = Duration.ofSeconds(10);
  private static final Pattern REGION = Pattern.compile("^[a-z]+(-[a-z0-9]+)+$");
  private static final Pattern PIPELINE = Pattern.compile("^ip-[a-z0-9]+$");

  private SpecProblems() {}

  /** One sentence per problem; empty when the spec can be polled. */
  static List<String> of(ImagePipelineWatchSpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      return List.of("spec is missing");
    }
    if (spec.getRegionId() == null || !REGION.matcher(spec.getRegionId()).matches()) {
      problems.add("regionId '" + spec.getRegionId() + "' is not a region ID such as cn-hangzhou");
    }
    if (spec.getImagePipelineId() == null || !PIPELINE.matcher(spec.getImagePipelineId()).matches()) {
      problems.add("imagePipelineId '" + spec.getImagePipelineId() + "' is not a pipeline ID such as ip-2ze5tsl5bp6nf2b3abcd");
    }
    if (spec.getPageSize() != null && (spec.getPageSize() < 1 || spec.getPageSize() > 500)) {
      problems.add("pageSize " + spec.getPageSize() + " is not between 1 and 500");
    }
    try {
      if (spec.getInterval() != null && Durations.parse("interval", spec.getInterval()).compareTo(MIN_INTERVAL) < 0) {
        problems.add("interval " + spec.getInterval() + " is shorter than 10s");
      }
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    // Empty means unset for these two, as the schema allows it.
    checkDuration("fullResyncInterval", spec.getFullResyncInterval(), problems);
    checkDuration("history.maxAge", spec.getHistory() == null ? null : spec.getHistory().getMaxAge(), problems);
    return problems;
  }

  private static void checkDuration(String field, String value, List<String> problems) {
    try {
      if (value != null && !value.isEmpty()) {
        Durations.parse(field, value);
      }
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
  }
}
