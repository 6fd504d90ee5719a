package dev.imagebuilder.operator.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Label values that come from watches or ECS never grow the number of series without bound. */
class BoundedSeriesTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final OperatorMetrics metrics = new OperatorMetrics(registry);

  @Test
  void regionsAndResultCodesBeyondTheCapShareOneSeries() {
    for (int i = 0; i < 1_000; i++) {
      metrics.ecsRequest("DescribeImagePipelineExecutions", "xx-region-" + i, "Code" + i);
      metrics.ecsThrottled("DescribeImagePipelineExecutions", "xx-region-" + i);
    }
    assertThat(registry.find("imagebuilder_ecs_requests").counters()).hasSizeLessThanOrEqualTo(OperatorMetrics.MAX_REGIONS + 1);
    assertThat(registry.find("imagebuilder_ecs_requests").tag("region", "other").counters()).isNotEmpty();
    assertThat(registry.find("imagebuilder_ecs_throttled_requests").counters()).hasSizeLessThanOrEqualTo(OperatorMetrics.MAX_REGIONS + 1);
  }

  @Test
  void statusesBeyondTheCapGetNoGaugeOfTheirOwn() {
    for (int i = 0; i < 1_000; i++) {
      metrics.watchState("ns", "w", true, null, Map.of("STATUS_" + i, 1));
    }
    assertThat(registry.find("imagebuilder_executions").gauges()).hasSizeLessThanOrEqualTo(OperatorMetrics.MAX_STATUSES);
  }
}
