package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import dev.imagebuilder.operator.simulator.Fault;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ECS answers are untrusted input: through the real SDK, each strange answer ends bounded. */
class UntrustedAnswersTest {

  static final String REGION = "cn-hangzhou";
  static final String PIPELINE = "ip-untrusted0001";
  static final PipelineRef REF = new PipelineRef(REGION, PIPELINE);

  EcsSimulator sim;

  @BeforeEach
  void start() {
    sim = EcsSimulator.start().credentials("AKID", "secret").addPipeline(REGION, PIPELINE);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  SdkImagePipelines api(int maxListed) {
    var settings = new EcsSettings(sim.endpoint(), "http", "public", Duration.ofSeconds(2), Duration.ofSeconds(5), maxListed);
    var config = new com.aliyun.credentials.models.Config().setType("access_key").setAccessKeyId("AKID").setAccessKeySecret("secret");
    return new SdkImagePipelines(settings, new com.aliyun.credentials.Client(config), "test", new RequestBudget(1000), (a, r, c, k) -> {});
  }

  SdkImagePipelines api(int maxListed, Clock clock) {
    var settings = new EcsSettings(sim.endpoint(), "http", "public", Duration.ofSeconds(2), Duration.ofSeconds(5), maxListed);
    var config = new com.aliyun.credentials.models.Config().setType("access_key").setAccessKeyId("AKID").setAccessKeySecret("secret");
    return new SdkImagePipelines(settings, new com.aliyun.credentials.Client(config), "test", new RequestBudget(1000), (a, r, c, k) -> {},
        clock, SdkImagePipelines.MAX_LISTING_TIME);
  }

  @Test
  void aNextTokenThatComesBackEndsTheListingInsteadOfLoopingForever() {
    sim.failNext(1, Fault.answer(page("again", execution("exec-1", "SUCCESS", ""))));
    sim.failNext(1000, Fault.answer(page("again", execution("exec-2", "SUCCESS", ""))));
    var e = catchThrowableOfType(EcsException.class, () -> api(100_000).listExecutions(REF, Set.of(), 500, p -> {}));
    assertThat(e.kind()).isEqualTo(EcsException.Kind.UNBOUNDED);
    assertThat(e.code()).isEqualTo("RepeatedNextToken");
    assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(2);
  }

  @Test
  void aNextTokenThatNeverEndsStopsAtThePageLimit() {
    // A new token on every page, and pages with nothing new in them: nothing but a page limit ends it.
    for (int i = 0; i < 1000; i++) {
      sim.failNext(1, Fault.answer(page("token-" + i, execution("exec-1", "SUCCESS", ""))));
    }
    var e = catchThrowableOfType(EcsException.class, () -> api(1000).listExecutions(REF, Set.of(), 100, p -> {}));
    assertThat(e.kind()).isEqualTo(EcsException.Kind.UNBOUNDED);
    assertThat(e.getMessage()).contains("after 14 pages");
    assertThat(SdkImagePipelines.maxPages(1000, 100)).isEqualTo(14);
    assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(14);
  }

  @Test
  void aListingThatOutlastsItsTimeLimitStops() {
    for (int i = 0; i < 1000; i++) {
      sim.failNext(1, Fault.answer(page("token-" + i, execution("exec-" + i, "SUCCESS", ""))));
    }
    // Each look at the clock finds a minute gone: the 10-minute limit passes after the 11th page.
    var start = Instant.parse("2026-06-01T10:00:00Z");
    var reads = new AtomicInteger();
    var clock = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return start.plus(Duration.ofMinutes(reads.getAndIncrement()));
      }
    };
    var e = catchThrowableOfType(EcsException.class, () -> api(100_000, clock).listExecutions(REF, Set.of(), 100, p -> {}));
    assertThat(e.kind()).isEqualTo(EcsException.Kind.UNBOUNDED);
    assertThat(e.getMessage()).contains("within 10 minutes").contains("11 pages");
    assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(11);
  }

  @Test
  void aPipelineOverTheCapByItsTotalCountWritesNothingAndIsReadOnce() {
    sim.addExecutions(REGION, PIPELINE, 7, "SUCCESS");
    List<EcsExecution> handedOver = new ArrayList<>();
    var e = catchThrowableOfType(EcsException.class, () -> api(4).listExecutions(REF, Set.of(), 2, handedOver::addAll));
    assertThat(e.kind()).isEqualTo(EcsException.Kind.TOO_LARGE);
    assertThat(e.getMessage()).contains("counts 7 executions").contains("at most 4").contains("ECS_MAX_EXECUTIONS_PER_WATCH");
    assertThat(handedOver).isEmpty();
    assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(1);
  }

  @Test
  void anExecutionListedOnTwoPagesCountsOnce() throws Exception {
    sim.failNext(1, Fault.answer(page("t1", execution("exec-1", "SUCCESS", ""), execution("exec-2", "FAILED", ""))));
    sim.failNext(1, Fault.answer(page("", execution("exec-2", "FAILED", ""), execution("exec-3", "BUILDING", ""))));
    List<String> handedOver = new ArrayList<>();
    var listed = api(100_000).listExecutions(REF, Set.of(), 2, p -> p.forEach(x -> handedOver.add(x.executionId())));
    assertThat(listed).extracting(EcsExecution::executionId).containsExactly("exec-1", "exec-2", "exec-3");
    assertThat(handedOver).containsExactly("exec-1", "exec-2", "exec-3");
  }

  @Test
  void aListingPastTheCapIsRefusedWithoutReadingOn() {
    // A TotalCount that understates the listing: the count of what was listed still stops it, and
    // no page past the cap is handed over.
    for (int i = 0; i < 5; i++) {
      sim.failNext(1, Fault.answer(page(i == 4 ? "" : "t" + i, execution("exec-" + (2 * i), "SUCCESS", ""),
          execution("exec-" + (2 * i + 1), "SUCCESS", ""))));
    }
    List<EcsExecution> handedOver = new ArrayList<>();
    var e = catchThrowableOfType(EcsException.class, () -> api(4).listExecutions(REF, Set.of(), 2, handedOver::addAll));
    assertThat(e.kind()).isEqualTo(EcsException.Kind.TOO_LARGE);
    assertThat(e.getMessage()).contains("more than 4 executions").contains("ECS_MAX_EXECUTIONS_PER_WATCH");
    assertThat(handedOver).hasSizeLessThanOrEqualTo(4);
    assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(3);
  }

  @Test
  void aLookupByIdIgnoresAnAnswerAboutAnotherExecution() throws Exception {
    sim.failNext(1, Fault.answer(page("", execution("exec-other", "SUCCESS", ""))));
    assertThat(api(100_000).findExecution(REF, "exec-asked")).isEmpty();
  }

  @Test
  void everyFieldIsCutToASizeThatFitsAChild() throws Exception {
    var huge = execution("exec-1", "FAILED", "x".repeat(1_000_000));
    List<Map<String, String>> tags = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      tags.add(Map.of("TagKey", "k" + i, "TagValue", "v".repeat(10_000)));
    }
    huge.put("Tags", Map.of("Tag", tags));
    huge.put("ImageId", "m-" + "9".repeat(10_000));
    sim.failNext(1, Fault.answer(page("", huge)));
    var e = api(100_000).listExecutions(REF, Set.of(), 500, p -> {}).get(0);
    assertThat(e.message()).hasSize(EcsExecution.MAX_MESSAGE).endsWith("…");
    assertThat(e.imageId()).hasSize(EcsExecution.MAX_FIELD);
    assertThat(e.tags()).hasSize(EcsExecution.MAX_TAGS);
    assertThat(e.tags().values()).allMatch(v -> v.length() <= EcsExecution.MAX_TAG_VALUE);
  }

  static Map<String, Object> execution(String id, String status, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ExecutionId", id);
    m.put("ImagePipelineId", PIPELINE);
    m.put("Status", status);
    m.put("Message", message);
    m.put("ImageId", "");
    m.put("CreationTime", "2026-06-01T10:00:00Z");
    m.put("ModifiedTime", "2026-06-01T10:00:00Z");
    m.put("Tags", Map.of("Tag", List.of()));
    return m;
  }

  @SafeVarargs
  static String page(String nextToken, Map<String, Object>... executions) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("NextToken", nextToken);
    body.put("RequestId", "r-1");
    body.put("TotalCount", executions.length);
    body.put("ImagePipelineExecution", Map.of("ImagePipelineExecutionSet", List.of(executions)));
    try {
      return new ObjectMapper().writeValueAsString(body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
