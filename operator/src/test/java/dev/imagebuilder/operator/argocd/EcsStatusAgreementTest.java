package dev.imagebuilder.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * An ECS status lives in three places outside the operator's Java types: the simulator's list of
 * statuses, and the execution's Argo CD health script (its table of running statuses and of bad
 * endings). They must say what {@link EcsStatus} says, so a status added to one fails here until
 * all agree.
 */
class EcsStatusAgreementTest {

  static final JsonMapper JSON = new JsonMapper();

  @Test
  void theSimulatorKnowsExactlyTheOperatorsStatuses() {
    assertThat(EcsSimulator.STATUSES).containsExactlyInAnyOrderElementsOf(Arrays.stream(EcsStatus.values()).map(Enum::name).toList());
  }

  @ParameterizedTest
  @EnumSource(EcsStatus.class)
  void argoCdHealthFollowsTheOutcomeOfEveryStatus(EcsStatus status) throws Exception {
    var script = ArgoCdHealthTest.CUSTOMIZATIONS.resolve("ecs.imagebuilder.dev/ImagePipelineExecution/health.lua");
    var execution = JSON.valueToTree(Map.of("status", Map.of("phase", status.name(), "imageId", "m-1")));

    var health = ArgoCdHealthTest.runScript(Files.readString(script), "health.lua", execution);

    String expected = switch (status.outcome()) {
      case RUNNING -> "Progressing";
      case SUCCEEDED -> status == EcsStatus.SUCCESS ? "Healthy" : "Degraded";
      case FAILED -> "Degraded";
    };
    assertThat(health.get("status").tojstring()).isEqualTo(expected);
    assertThat(health.get("message").tojstring()).as("a status the script knows").doesNotStartWith("Unknown ECS status");
  }
}
