package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagebuilder.operator.api.CrdValidationRulesTest;
import dev.imagebuilder.operator.api.HistoryLimits;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class WatchSettingsTest {

  static final Duration DEFAULT = Duration.ofMinutes(1);
  static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
  @CsvSource({
    "cn-hangzhou, ip-abc123, 500, 1m, ''",
    "cn-hangzhou, ip-abc123, 1, 10s, ''",
    "cn-hangzhou, ip-abc123, 500, 24h, ''",
    "Hangzhou, ip-abc123, 500, 1m, regionId 'Hangzhou'",
    "cn-hangzhou, pipeline-1, 500, 1m, imagePipelineId 'pipeline-1'",
    "cn-hangzhou, ip-abc123, 0, 1m, pageSize 0",
    "cn-hangzhou, ip-abc123, 501, 1m, pageSize 501",
    "cn-hangzhou, ip-abc123, 500, 5s, interval 5s is not between 10s and 24h",
    "cn-hangzhou, ip-abc123, 500, 25h, interval 25h is not between 10s and 24h",
    "cn-hangzhou, ip-abc123, 500, 999999999999999h, interval 999999999999999h is not between 10s and 24h",
    "cn-hangzhou, ip-abc123, 500, 9999999999999999h, interval 9999999999999999h is longer than any duration",
    "cn-hangzhou, ip-abc123, 500, soon, interval 'soon'",
  })
  void namesEachProblem(String region, String pipeline, int pageSize, String interval, String problem) {
    var spec = spec(region, pipeline);
    spec.setPageSize(pageSize);
    spec.setInterval(interval);
    if (problem.isEmpty()) {
      assertThat(settings(spec).interval()).isEqualTo(Durations.parse("interval", interval));
    } else {
      assertThatThrownBy(() -> WatchSettings.of(spec, DEFAULT)).hasMessageContaining(problem);
    }
  }

  @ParameterizedTest(name = "fullResyncInterval {0}, maxAge {1} -> {2}")
  @CsvSource({
    "'', '', ''",
    "1h, 720h, ''",
    "daily, '', fullResyncInterval 'daily' is not a duration",
    "721h, '', fullResyncInterval 721h is not between 0s and 720h",
    "'', 30 days, history.maxAge '30 days' is not a duration",
    "'', 10000000000000h, history.maxAge 10000000000000h is not between 0s and 87600h",
  })
  void checksTheOtherDurationsToo(String fullResync, String maxAge, String problem) {
    var spec = spec("cn-hangzhou", "ip-abc123");
    spec.setFullResyncInterval(fullResync);
    var history = new HistoryLimits();
    history.setMaxAge(maxAge);
    spec.setHistory(history);
    if (problem.isEmpty()) {
      assertThat(settings(spec).history().maxAge()).isEqualTo(maxAge.isEmpty() ? null : Durations.parse("maxAge", maxAge));
    } else {
      assertThatThrownBy(() -> WatchSettings.of(spec, DEFAULT)).hasMessageContaining(problem);
    }
  }

  @ParameterizedTest(name = "{0} = {1} -> {2}")
  @CsvSource({
    "successfulLimit, 100000, ''",
    "successfulLimit, 9999999999, history.successfulLimit 9999999999 is not between 0 and 100000",
    "failedLimit, -1, history.failedLimit -1 is not between 0 and 100000",
    "maxCount, 3000000000, history.maxCount 3000000000 is not between 0 and 100000",
    "ttlSecondsAfterFinished, 315360000, ''",
    "ttlSecondsAfterFinished, 99999999999999999, history.ttlSecondsAfterFinished 99999999999999999 is not between",
  })
  void boundsEveryLimit(String field, long value, String problem) {
    var spec = spec("cn-hangzhou", "ip-abc123");
    var history = new HistoryLimits();
    switch (field) {
      case "successfulLimit" -> history.setSuccessfulLimit(value);
      case "failedLimit" -> history.setFailedLimit(value);
      case "maxCount" -> history.setMaxCount(value);
      default -> history.setTtlSecondsAfterFinished(value);
    }
    spec.setHistory(history);
    if (problem.isEmpty()) {
      assertThat(settings(spec).history()).isNotNull();
    } else {
      assertThatThrownBy(() -> WatchSettings.of(spec, DEFAULT)).hasMessageContaining(problem);
    }
  }

  /**
   * What the CRD's validation rules refuse (CrdValidationRulesTest's rows), the operator refuses in
   * the same words, for a watch an API server let through without evaluating them. A status named
   * twice is the exception: the filter is read as a set, so a watch stored before the rule works.
   */
  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("dev.imagebuilder.operator.api.CrdValidationRulesTest#watchSpecs")
  void refusesWhatTheCrdRulesRefuseInTheSameWords(String fragment, String field, String message) {
    var spec = JSON.convertValue(CrdValidationRulesTest.spec(fragment), ImagePipelineWatchSpec.class);
    if (field.isEmpty() || field.equals("spec.statusFilter")) {
      assertThat(settings(spec).pipeline().imagePipelineId()).isEqualTo("ip-abc123");
    } else {
      assertThatThrownBy(() -> WatchSettings.of(spec, DEFAULT)).hasMessage(message);
    }
  }

  @Test
  void everyDefaultIsAppliedInOnePlace() {
    var settings = settings(spec("cn-hangzhou", "ip-abc123"));
    assertThat(settings.interval()).isEqualTo(DEFAULT);
    assertThat(settings.fullResyncInterval()).isEqualTo(DEFAULT.multipliedBy(10));
    assertThat(settings.pageSize()).isEqualTo(500);
    assertThat(settings.statusFilter()).isEmpty();
    assertThat(settings.history()).isNull();
    assertThat(settings.credentials()).isNull();
  }

  @Test
  void aSpecTheInformerCouldNotReadIsInvalidNamingItsField() {
    var spec = new ImagePipelineWatchSpec();
    spec.setUnreadable("history.maxCount holds a value this operator cannot read");
    assertThatThrownBy(() -> WatchSettings.of(spec, DEFAULT)).hasMessage("history.maxCount holds a value this operator cannot read");
    assertThatThrownBy(() -> WatchSettings.of(null, DEFAULT)).hasMessage("spec is missing");
  }

  static ImagePipelineWatchSpec spec(String region, String pipeline) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(region);
    spec.setImagePipelineId(pipeline);
    return spec;
  }

  static WatchSettings settings(ImagePipelineWatchSpec spec) {
    try {
      return WatchSettings.of(spec, DEFAULT);
    } catch (WatchSettings.Invalid e) {
      throw new AssertionError(e);
    }
  }
}
