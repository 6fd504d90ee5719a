package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class EcsPageTest {

  /** The body as the SDK hands it over: the bytes ECS sent. */
  static byte[] body(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static final String EXECUTION =
      """
      {"ExecutionId":"exec-1","ImagePipelineId":"ip-1","Status":"SUCCESS","ImageId":"m-1","Message":"done",
       "CreationTime":"2026-12-01T10:00:00Z","ModifiedTime":"2026-12-01T11:00:00Z","ResourceGroupId":"rg-1",
       "Tags":{"Tag":[{"TagKey":"team","TagValue":"a"},{"TagKey":"env"}]}}""";

  @Test
  void aPageAsTheApiReferenceGivesIt() throws Exception {
    var page = EcsPage.read(body("""
        {"RequestId":"r","TotalCount":2,"NextToken":"t2","MaxResults":500,
         "ImagePipelineExecution":{"ImagePipelineExecutionSet":[%s]}}""".formatted(EXECUTION)));

    assertThat(page.totalCount()).isEqualTo(2L);
    assertThat(page.nextToken()).isEqualTo("t2");
    assertThat(page.executions()).containsExactly(new EcsExecution("exec-1", "ip-1", "SUCCESS", "m-1", "done",
        "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", "rg-1", Map.of("team", "a", "env", "")));
  }

  static Stream<Arguments> oddPages() {
    return Stream.of(
        Arguments.of("nothing in it", "{}", null, null, 0),
        Arguments.of("unknown fields of every kind", "{\"A\":[{\"b\":[1,{}]}],\"C\":null,\"D\":1e3}", null, null, 0),
        Arguments.of("the set is an object", "{\"ImagePipelineExecution\":{\"ImagePipelineExecutionSet\":{\"ExecutionId\":\"e\"}}}", null, null, 0),
        Arguments.of("the wrapper is text", "{\"ImagePipelineExecution\":\"x\"}", null, null, 0),
        Arguments.of("items that are not objects", "{\"ImagePipelineExecution\":{\"ImagePipelineExecutionSet\":[1,\"e\",null,[]]}}", null, null, 0),
        Arguments.of("TotalCount as digits", "{\"TotalCount\":\"40001\"}", 40001L, null, 0),
        Arguments.of("TotalCount past an int", "{\"TotalCount\":8589934592}", 8589934592L, null, 0),
        Arguments.of("TotalCount negative text", "{\"TotalCount\":\"-1\"}", null, null, 0),
        Arguments.of("TotalCount a fraction", "{\"TotalCount\":1.5}", null, null, 0),
        Arguments.of("TotalCount an object", "{\"TotalCount\":{}}", null, null, 0),
        Arguments.of("NextToken a number", "{\"NextToken\":7}", null, "7", 0),
        Arguments.of("NextToken an object", "{\"NextToken\":{\"a\":1}}", null, null, 0),
        Arguments.of("NextToken a fraction: its text as a double", "{\"NextToken\":1e3}", null, "1000.0", 0),
        Arguments.of("a set given twice, the last not a list: none", "{\"ImagePipelineExecution\":"
            + "{\"ImagePipelineExecutionSet\":[{}],\"ImagePipelineExecutionSet\":\"x\"}}", null, null, 0),
        Arguments.of("a field given twice: the last counts", "{\"NextToken\":\"a\",\"NextToken\":\"b\",\"TotalCount\":1,"
            + "\"ImagePipelineExecution\":{\"ImagePipelineExecutionSet\":[{},{}]},"
            + "\"ImagePipelineExecution\":{\"ImagePipelineExecutionSet\":[{}]}}", 1L, "b", 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oddPages")
  void aPageOfAnotherShapeIsReadAsFarAsItMakesSense(String name, String json, Long total, String token, int executions)
      throws Exception {
    var page = EcsPage.read(body(json));

    assertThat(page.totalCount()).isEqualTo(total);
    assertThat(page.nextToken()).isEqualTo(token);
    assertThat(page.executions()).hasSize(executions);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      empty                      | ''
      JSON null                  | null
      a list                     | [1,2]
      a string                   | '"page"'
      an HTML error page         | <html><body>502 Bad Gateway</body></html>
      cut short in the set       | '{"ImagePipelineExecution":{"ImagePipelineExecutionSet":[{"ExecutionId":"e'
      cut short after a field    | '{"TotalCount":1,'
      more after the object      | '{"TotalCount":1} x'
      a second object            | '{} {}'
      lenient JSON               | '{TotalCount:1}'
      nested past every bound    | DEEP
      """)
  void aBodyThatIsNotOneJsonObjectIsRefusedNotReadAsAnEmptyPage(String name, String json) {
    String body = json.equals("DEEP") ? "{\"A\":" + "[".repeat(5000) + "]".repeat(5000) + "}" : json;

    assertThatThrownBy(() -> EcsPage.read(body(body)))
        .isInstanceOfSatisfying(EcsException.class, e -> {
          assertThat(e.code()).isEqualTo("UnreadableAnswer");
          assertThat(e.kind()).isEqualTo(EcsException.Kind.UNAVAILABLE);
        });
  }

  @Test
  void fieldsOfAnotherTypeAreAbsentAndScalarsTheirText() throws Exception {
    var page = EcsPage.read(body("""
        {"ImagePipelineExecution":{"ImagePipelineExecutionSet":[
          {"ExecutionId":12,"Status":true,"ImageId":{"a":1},"Message":["m"],"CreationTime":null,
           "Tags":{"Tag":[{"TagKey":{"k":1},"TagValue":"lost"},"x",{"TagKey":"n","TagValue":3}]}},
          {"Tags":"none"}]}}"""));

    assertThat(page.executions()).hasSize(2);
    var first = page.executions().get(0);
    assertThat(first.executionId()).isEqualTo("12");
    assertThat(first.status()).isEqualTo("true");
    assertThat(first.imageId()).isNull();
    assertThat(first.message()).isNull();
    assertThat(first.creationTime()).isNull();
    assertThat(first.tags()).isEqualTo(Map.of("n", "3"));
    assertThat(page.executions().get(1).executionId()).isNull();
    assertThat(page.executions().get(1).tags()).isEmpty();
  }

  @Test
  void everyFieldIsStillCutToItsBound() throws Exception {
    String huge = "x".repeat(100_000);
    var page = EcsPage.read(body("{\"ImagePipelineExecution\":{\"ImagePipelineExecutionSet\":[{\"ExecutionId\":\"%s\",\"Message\":\"%s\"}]}}"
        .formatted(huge, huge)));

    assertThat(page.executions().get(0).executionId()).hasSize(EcsExecution.MAX_FIELD);
    assertThat(page.executions().get(0).message()).hasSize(EcsExecution.MAX_MESSAGE);
  }
}
