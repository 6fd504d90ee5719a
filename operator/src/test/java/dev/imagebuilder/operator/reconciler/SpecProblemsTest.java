package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.HistoryLimits;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecProblemsTest {

  @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
  @CsvSource({
    "cn-hangzhou, ip-abc123, 500, 1m, ''",
    "cn-hangzhou, ip-abc123, 1, 10s, ''",
    "Hangzhou, ip-abc123, 500, 1m, regionId 'Hangzhou'",
    "cn-hangzhou, pipeline-1, 500, 1m, imagePipelineId 'pipeline-1'",
    "cn-hangzhou, ip-abc123, 0, 1m, pageSize 0",
    "cn-hangzhou, ip-abc123, 501, 1m, pageSize 501",
    "cn-hangzhou, ip-abc123, 500, 5s, interval 5s is shorter than 10s",
    "cn-hangzhou, ip-abc123, 500, soon, interval 'soon'",
  })
  void namesEachProblem(String region, String pipeline, int pageSize, String interval, String problem) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(region);
    spec.setImagePipelineId(pipeline);
    spec.setPageSize(pageSize);
    spec.setInterval(interval);
    var problems = SpecProblems.of(spec);
    if (problem.isEmpty()) {
      assertThat(problems).isEmpty();
    } else {
      assertThat(problems).singleElement().asString().contains(problem);
    }
  }

  @ParameterizedTest(name = "fullResyncInterval {0}, maxAge {1} -> {2}")
  @CsvSource({
    "'', '', ''",
    "1h, 720h, ''",
    "daily, '', fullResyncInterval 'daily' is not a duration",
    "'', 30 days, history.maxAge '30 days' is not a duration",
  })
  void namesTheOtherDurationsToo(String fullResync, String maxAge, String problem) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId("cn-hangzhou");
    spec.setImagePipelineId("ip-abc123");
    spec.setFullResyncInterval(fullResync);
    var history = new HistoryLimits();
    history.setMaxAge(maxAge);
    spec.setHistory(history);
    var problems = SpecProblems.of(spec);
    if (problem.isEmpty()) {
      assertThat(problems).isEmpty();
    } else {
      assertThat(problems).singleElement().asString().contains(problem);
    }
  }
}
