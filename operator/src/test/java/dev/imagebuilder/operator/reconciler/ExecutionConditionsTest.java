package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExecutionConditionsTest {

  @ParameterizedTest(name = "{0} -> Succeeded={1}, Reconciling={2}, Stalled={3}, reason {4}")
  @CsvSource({
    "PREPARING,         Unknown, True, ,     Preparing",
    "REPAIRING,         Unknown, True, ,     Repairing",
    "BUILDING,          Unknown, True, ,     Building",
    "TESTING,           Unknown, True, ,     Testing",
    "DISTRIBUTING,      Unknown, True, ,     Distributing",
    "RELEASING,         Unknown, True, ,     Releasing",
    "CANCELLING,        Unknown, True, ,     Cancelling",
    "SUCCESS,           True,    ,     ,     Succeeded",
    "PARTITION_SUCCESS, True,    ,     True, PartitionSuccess",
    "FAILED,            False,   ,     True, Failed",
    "TEST_FAILED,       False,   ,     True, TestFailed",
    "CANCELLED,         False,   ,     True, Cancelled",
    "ARCHIVED,          Unknown, True, ,     UnrecognizedStatus",
  })
  void mapsEachEcsStatusToConditions(
      String status, String succeeded, String reconciling, String stalled, String reason) {
    var conditions = ExecutionConditions.forStatus(status, "ecs says hi");
    Map<String, String> byType =
        conditions.stream().collect(Collectors.toMap(Conditions.Desired::type, Conditions.Desired::status));

    assertThat(byType.get("Succeeded")).isEqualTo(succeeded);
    assertThat(byType.get("Reconciling")).isEqualTo(reconciling);
    assertThat(byType.get("Stalled")).isEqualTo(stalled);
    assertThat(conditions).allSatisfy(c -> assertThat(c.reason()).isEqualTo(reason));
  }

  @ParameterizedTest
  @CsvSource({"SUCCESS, ecs says hi", "ARCHIVED, ARCHIVED"})
  void messageComesFromEcsOrNamesAnUnknownStatus(String status, String expected) {
    assertThat(ExecutionConditions.forStatus(status, "ecs says hi").get(0).message()).contains(expected);
  }
}
