package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.CredentialsSecretRef;
import dev.imagebuilder.operator.api.HistoryLimits;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.ecs.PipelineRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A watch's spec, checked and with every default applied: built once per poll, and the only place
 * that reads the spec. The CRD's schema and validation rules refuse bad values on a real API
 * server, but a schema can be older than the operator and some API servers do not evaluate the
 * rules, so every value is checked again here, and what cannot work names its field. The one
 * rule not repeated: a status named twice in statusFilter, which the filter, read as a set,
 * takes in its stride (a watch stored before the CRD refused it keeps working).
 *
 * @param statusFilter the ECS statuses to mirror; empty for all
 * @param fullResyncInterval how often the whole pipeline is listed
 * @param history the history limits, or null when the watch sets none
 * @param credentials the Secret with the watch's own credentials, or null for the operator's
 */
record WatchSettings(
    PipelineRef pipeline,
    Set<String> statusFilter,
    int pageSize,
    Duration interval,
    Duration fullResyncInterval,
    History.Limits history,
    CredentialsSecretRef credentials,
    boolean suspend) {

  // The CRD's validation rules name the same bounds; WatchSettingsTest checks that the API server
  // and the operator refuse the same values with the same words.
  static final Duration MIN_INTERVAL = bound(ImagePipelineWatchSpec.MIN_INTERVAL);
  static final Duration MAX_INTERVAL = bound(ImagePipelineWatchSpec.MAX_INTERVAL);
  static final Duration MAX_FULL_RESYNC = bound(ImagePipelineWatchSpec.MAX_FULL_RESYNC_INTERVAL);
  static final Duration MAX_AGE = bound(HistoryLimits.MAX_AGE);
  static final int MAX_PAGE_SIZE = ImagePipelineWatchSpec.MAX_PAGE_SIZE;
  /** Full listings at most this many intervals apart when the watch does not say. */
  static final int DEFAULT_FULL_RESYNC_INTERVALS = 10;

  private static final Pattern REGION = Pattern.compile(ImagePipelineWatchSpec.REGION_PATTERN);
  private static final Pattern PIPELINE = Pattern.compile(ImagePipelineWatchSpec.PIPELINE_PATTERN);

  /** The problems of a spec that cannot be polled, one sentence each, naming the field. */
  static final class Invalid extends Exception {
    Invalid(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  /**
   * The pipeline a spec names, as written, or null without a spec: what tells watches of the same
   * pipeline apart, read cheaply for every watch in the cache. Only {@link #of} checks it.
   */
  static PipelineRef pipelineOf(ImagePipelineWatchSpec spec) {
    return spec == null ? null : new PipelineRef(spec.getRegionId(), spec.getImagePipelineId());
  }

  static WatchSettings of(ImagePipelineWatchSpec spec, Duration defaultInterval) throws Invalid {
    if (spec == null) {
      throw new Invalid(List.of("spec is missing"));
    }
    if (spec.getUnreadable() != null) {
      throw new Invalid(List.of(spec.getUnreadable()));
    }
    List<String> problems = new ArrayList<>();
    if (spec.getRegionId() == null || spec.getRegionId().length() > ImagePipelineWatchSpec.MAX_ID_LENGTH || !REGION.matcher(spec.getRegionId()).matches()) {
      problems.add("regionId '" + shown(spec.getRegionId()) + "' is not a region ID such as cn-hangzhou");
    }
    if (spec.getImagePipelineId() == null
        || spec.getImagePipelineId().length() > ImagePipelineWatchSpec.MAX_ID_LENGTH
        || !PIPELINE.matcher(spec.getImagePipelineId()).matches()) {
      problems.add(
          "imagePipelineId '" + shown(spec.getImagePipelineId()) + "' is not a pipeline ID such as ip-2ze5tsl5bp6nf2b3abcd");
    }
    int pageSize = spec.getPageSize() == null ? MAX_PAGE_SIZE : spec.getPageSize();
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      problems.add("pageSize " + pageSize + " is not between 1 and " + MAX_PAGE_SIZE);
    }
    Duration interval = duration("interval", spec.getInterval(), MIN_INTERVAL, MAX_INTERVAL, problems);
    if (interval == null) {
      interval = defaultInterval;
    }
    Duration resync = duration("fullResyncInterval", spec.getFullResyncInterval(), Duration.ZERO, MAX_FULL_RESYNC, problems);
    History.Limits history = spec.getHistory() == null ? null : history(spec.getHistory(), problems);
    Set<String> filter = new TreeSet<>();
    if (spec.getStatusFilter() != null) {
      spec.getStatusFilter().forEach(s -> filter.add(s.name()));
    }
    CredentialsSecretRef credentials = spec.getCredentialsSecretRef();
    if (credentials != null && (credentials.getName() == null || credentials.getName().isEmpty())) {
      problems.add("credentialsSecretRef.name is missing");
    }
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
    return new WatchSettings(
        pipelineOf(spec),
        Set.copyOf(filter),
        pageSize,
        interval,
        resync != null ? resync : interval.multipliedBy(DEFAULT_FULL_RESYNC_INTERVALS),
        history,
        credentials,
        spec.isSuspend());
  }

  private static History.Limits history(HistoryLimits limits, List<String> problems) {
    return new History.Limits(
        count("history.successfulLimit", limits.getSuccessfulLimit(), problems),
        count("history.failedLimit", limits.getFailedLimit(), problems),
        count("history.maxCount", limits.getMaxCount(), problems),
        seconds("history.ttlSecondsAfterFinished", limits.getTtlSecondsAfterFinished(), problems),
        duration("history.maxAge", limits.getMaxAge(), Duration.ZERO, MAX_AGE, problems));
  }

  private static Long count(String field, Long value, List<String> problems) {
    if (value != null && (value < 0 || value > HistoryLimits.MAX_COUNT)) {
      problems.add(field + " " + value + " is not between 0 and " + HistoryLimits.MAX_COUNT);
      return null;
    }
    return value;
  }

  private static Duration seconds(String field, Long value, List<String> problems) {
    if (value != null && (value < 0 || value > HistoryLimits.MAX_TTL_SECONDS)) {
      problems.add(field + " " + value + " is not between 0 and " + HistoryLimits.MAX_TTL_SECONDS);
      return null;
    }
    return value == null ? null : Duration.ofSeconds(value);
  }

  /** A duration within bounds; null when unset or empty (which the schema allows for unset). */
  private static Duration duration(String field, String value, Duration min, Duration max, List<String> problems) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      Duration d = Durations.parse(field, value);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        problems.add(field + " " + shown(value) + " is not between " + Durations.format(min) + " and " + Durations.format(max));
        return null;
      }
      return d;
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return null;
    }
  }

  private static Duration bound(String text) {
    return Durations.parse("bound", text);
  }

  /** A value from the spec as a message may show it: never longer than a line. */
  private static String shown(String value) {
    return value == null || value.length() <= 80 ? value : value.substring(0, 77) + "...";
  }
}
