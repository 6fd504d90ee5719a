package dev.imagebuilder.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The x-kubernetes-validations rules of the committed ImagePipelineWatch CRD, evaluated on sample
 * watches: what an API server that evaluates them refuses at apply time, and with which message.
 * A refusing row fails when its rule is removed or loosened, an admitting row when a rule grows
 * too strict; WatchSettingsTest runs the same rows through the operator's own checks.
 */
public class CrdValidationRulesTest {

  static final Path WATCHES_CRD = CrdsTest.CRDS.resolve("imagepipelinewatches.ecs.imagebuilder.dev-v1.yml");
  static final Path EXECUTIONS_CRD = CrdsTest.CRDS.resolve("imagepipelineexecutions.ecs.imagebuilder.dev-v1.yml");
  static final Path DEMO_WATCHES = Path.of("demo", "src", "main", "resources", "demo");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static CrdRules rules;

  @BeforeAll
  static void compileTheRules() throws IOException {
    rules = CrdRules.of(WATCHES_CRD);
  }

  /**
   * A spec fragment (YAML, merged into a valid spec); the field the API server names and its
   * message, or no field where the watch is admitted.
   */
  public static Stream<Arguments> watchSpecs() {
    return Stream.of(
        admits("interval: 10s"),
        admits("interval: 1h30m"),
        admits("interval: 24h"),
        admits("interval: 1440m"),
        admits("interval: 86400s"),
        admits("interval: 0h0m10s"),
        admits("interval: ''"),
        refuses("interval: 9s", "spec.interval", "interval 9s is not between 10s and 24h"),
        refuses("interval: 0s", "spec.interval", "interval 0s is not between 10s and 24h"),
        refuses("interval: 24h0m1s", "spec.interval", "interval 24h0m1s is not between 10s and 24h"),
        refuses("interval: 86401s", "spec.interval", "interval 86401s is not between 10s and 24h"),
        // Past what the API server's duration() can hold: refused before it is called.
        refuses("interval: 99999999999h", "spec.interval", "interval 99999999999h is not between 10s and 24h"),
        refuses("interval: 999999999m", "spec.interval", "interval 999999999m is not between 10s and 24h"),
        refuses("interval: 9999999999s", "spec.interval", "interval 9999999999s is not between 10s and 24h"),
        refuses("interval: soon", "spec.interval", "interval 'soon' is not a duration such as 30s, 5m or 1h30m"),
        refuses("interval: 1.5h", "spec.interval", "interval '1.5h' is not a duration such as 30s, 5m or 1h30m"),
        refuses("interval: 1m1h", "spec.interval", "interval '1m1h' is not a duration such as 30s, 5m or 1h30m"),
        refuses("interval: '600'", "spec.interval", "interval '600' is not a duration such as 30s, 5m or 1h30m"),
        admits("fullResyncInterval: 0s"),
        admits("fullResyncInterval: 720h"),
        admits("fullResyncInterval: 43200m"),
        admits("fullResyncInterval: ''"),
        refuses("fullResyncInterval: 721h", "spec.fullResyncInterval", "fullResyncInterval 721h is not between 0s and 720h"),
        refuses("fullResyncInterval: 720h0m1s", "spec.fullResyncInterval", "fullResyncInterval 720h0m1s is not between 0s and 720h"),
        refuses("fullResyncInterval: daily", "spec.fullResyncInterval",
            "fullResyncInterval 'daily' is not a duration such as 30s, 5m or 1h30m"),
        admits("history: {maxAge: 87600h}"),
        admits("history: {maxAge: 315360000s}"),
        admits("history: {maxAge: ''}"),
        refuses("history: {maxAge: 87601h}", "spec.history.maxAge", "history.maxAge 87601h is not between 0s and 87600h"),
        refuses("history: {maxAge: 999999h}", "spec.history.maxAge", "history.maxAge 999999h is not between 0s and 87600h"),
        refuses("history: {maxAge: 1000000h}", "spec.history.maxAge", "history.maxAge 1000000h is not between 0s and 87600h"),
        refuses("history: {maxAge: 30 days}", "spec.history.maxAge",
            "history.maxAge '30 days' is not a duration such as 30s, 5m or 1h30m"),
        admits("statusFilter: []"),
        admits("statusFilter: [SUCCESS]"),
        admits("statusFilter: [PREPARING, REPAIRING, BUILDING, TESTING, DISTRIBUTING, RELEASING, CANCELLING, "
            + "SUCCESS, PARTITION_SUCCESS, FAILED, TEST_FAILED, CANCELLED]"),
        refuses("statusFilter: [FAILED, SUCCESS, FAILED]", "spec.statusFilter", "statusFilter names FAILED more than once"),
        refuses("statusFilter: [SUCCESS, SUCCESS]", "spec.statusFilter", "statusFilter names SUCCESS more than once"));
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @MethodSource("watchSpecs")
  void refusesAtApplyTimeWhatTheOperatorCannotUse(String fragment, String field, String message) {
    List<CrdRules.Refusal> expected = field.isEmpty() ? List.of() : List.of(new CrdRules.Refusal(field, message));
    assertThat(rules.refusals(watch(fragment))).isEqualTo(expected);
  }

  @Test
  void everyRuleHasARowThatItRefuses() {
    Set<String> refused =
        watchSpecs()
            .map(row -> (String) row.get()[1])
            .filter(field -> !field.isEmpty())
            .map(field -> field.replaceAll("\\[[0-9]+]", "[*]"))
            .collect(Collectors.toCollection(TreeSet::new));
    Set<String> ruled = rules.rules().stream().map(CrdRules.Rule::path).collect(Collectors.toCollection(TreeSet::new));
    assertThat(refused).isEqualTo(ruled);
  }

  /**
   * The API server refuses a CRD whose rules could cost more than its budget, estimated from the
   * largest value the schema admits: every value a rule reads is bounded.
   */
  @Test
  void everyRuleReadsOnlyBoundedValues() throws IOException {
    for (Path crd : List.of(WATCHES_CRD, EXECUTIONS_CRD)) {
      for (CrdRules.Rule rule : CrdRules.of(crd).rules()) {
        JSONSchemaProps schema = rule.schema();
        switch (schema.getType()) {
          case "string" -> assertThat(bounded(schema)).as("%s has a maxLength", rule.path()).isTrue();
          case "array" -> {
            assertThat(schema.getMaxItems()).as("%s has maxItems", rule.path()).isNotNull();
            JSONSchemaProps item = schema.getItems().getSchema();
            assertThat(!item.getType().equals("string") || bounded(item))
                .as("%s items have a maxLength or an enum", rule.path())
                .isTrue();
          }
          default -> {}
        }
      }
    }
  }

  private static boolean bounded(JSONSchemaProps string) {
    return string.getMaxLength() != null || (string.getEnum() != null && !string.getEnum().isEmpty());
  }

  /** Every rule has a fixed message naming its field, shown should its messageExpression fail. */
  @Test
  void everyRuleHasAMessageNamingItsField() {
    for (CrdRules.Rule rule : rules.rules()) {
      String field = rule.path().replaceFirst("^spec\\.", "").replace("[*]", "");
      assertThat(rule.rule().getMessage()).as(rule.path()).startsWith(field + " must ");
      assertThat(rule.rule().getMessageExpression()).as(rule.path()).contains("'" + field + " ");
    }
  }

  /**
   * The operator treats no field as immutable (a new pipeline ID or filter starts a new listing),
   * so no rule compares with the stored object; transition rules would also escape ratcheting.
   */
  @Test
  void noRuleComparesWithTheStoredObject() {
    assertThat(rules.rules())
        .allSatisfy(rule -> {
          assertThat(rule.rule().getRule()).doesNotContain("oldSelf");
          assertThat(rule.rule().getOptionalOldSelf()).isNotEqualTo(Boolean.TRUE);
        });
  }

  @Test
  void theSampleWatchesPassEveryRule() throws IOException {
    List<Path> samples;
    try (var files = Files.list(DEMO_WATCHES)) {
      samples = files.filter(file -> file.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
    }
    samples.add(Path.of("src", "test", "resources", "watches", "every-field.yaml"));
    assertThat(samples).hasSizeGreaterThan(2);
    for (Path sample : samples) {
      Map<String, Object> watch = YAML.readValue(sample.toFile(), new TypeReference<>() {});
      assertThat(rules.refusals(watch)).as("%s", sample).isEmpty();
    }
  }

  /** A watch whose spec is a valid one with {@code fragment} (YAML) merged in. */
  public static Map<String, Object> watch(String fragment) {
    Map<String, Object> watch = new LinkedHashMap<>();
    watch.put("apiVersion", ImagePipelineWatch.GROUP + "/" + ImagePipelineWatch.VERSION);
    watch.put("kind", "ImagePipelineWatch");
    watch.put("metadata", Map.of("name", "w", "namespace", "n"));
    watch.put("spec", spec(fragment));
    return watch;
  }

  /** A valid spec with {@code fragment} (YAML) merged in. */
  public static Map<String, Object> spec(String fragment) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("regionId", "cn-hangzhou");
    spec.put("imagePipelineId", "ip-abc123");
    try {
      spec.putAll(YAML.readValue("{" + fragment + "}", new TypeReference<Map<String, Object>>() {}));
    } catch (IOException e) {
      throw new IllegalArgumentException(fragment, e);
    }
    return spec;
  }

  private static Arguments admits(String fragment) {
    return Arguments.of(fragment, "", "");
  }

  private static Arguments refuses(String fragment, String field, String message) {
    return Arguments.of(fragment, field, message);
  }
}
