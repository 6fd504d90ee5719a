package dev.imagebuilder.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every watch the API server can hold is read, whatever its spec: one the Java types cannot hold
 * would otherwise stop the informer that lists the watches of every namespace.
 */
class WatchSpecReadingTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a number past int     | \"pageSize\": 3000000000                          | pageSize",
        "a number past long    | \"history\": {\"maxCount\": 99999999999999999999} | history.maxCount",
        "an unknown status     | \"statusFilter\": [\"SUCCESS\", \"EXPLODED\"]     | statusFilter[1]",
        "a string for a number | \"history\": {\"failedLimit\": \"many\"}         | history.failedLimit",
      })
  void aSpecTheTypesCannotHoldIsReadAsUnreadableNamingItsField(String what, String field, String named) {
    var watch = read("{\"regionId\": \"cn-hangzhou\", \"imagePipelineId\": \"ip-abc\", " + field + "}");
    assertThat(watch.getMetadata().getName()).isEqualTo("w");
    assertThat(watch.getSpec().getUnreadable()).startsWith(named + " ");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bounds           | \"history\": {\"maxCount\": 100000, \"ttlSecondsAfterFinished\": 315360000}",
        "unknown field    | \"somethingNew\": true",
      })
  void aSpecWithinTheSchemaIsReadAsItIs(String what, String field) {
    var watch = read("{\"regionId\": \"cn-hangzhou\", \"imagePipelineId\": \"ip-abc\", " + field + "}");
    assertThat(watch.getSpec().getUnreadable()).isNull();
    assertThat(watch.getSpec().getRegionId()).isEqualTo("cn-hangzhou");
  }

  static ImagePipelineWatch read(String spec) {
    String json = "{\"apiVersion\": \"ecs.imagebuilder.dev/v1alpha1\", \"kind\": \"ImagePipelineWatch\", "
        + "\"metadata\": {\"name\": \"w\", \"namespace\": \"n\"}, \"spec\": " + spec + "}";
    return SERIALIZATION.unmarshal(json, ImagePipelineWatch.class);
  }
}
