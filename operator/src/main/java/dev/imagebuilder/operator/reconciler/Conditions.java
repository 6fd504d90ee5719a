package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsExecution;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The standard condition shape, built so that lastTransitionTime moves only with the status. */
final class Conditions {

  static final String TRUE = "True";
  static final String FALSE = "False";
  static final String UNKNOWN = "Unknown";

  private Conditions() {}

  /** A desired condition, before lastTransitionTime is decided. */
  record Desired(String type, String status, String reason, String message) {}

  /**
   * The given conditions in order, each keeping the lastTransitionTime of the previous condition
   * of its type when its status did not change, and taking {@code now} when it did.
   */
  static List<Condition> merge(
      List<Condition> previous, List<Desired> desired, Long observedGeneration, Instant now) {
    List<Condition> result = new ArrayList<>(desired.size());
    for (Desired d : desired) {
      String since =
          find(previous, d.type())
              .filter(old -> Objects.equals(old.getStatus(), d.status()))
              .map(Condition::getLastTransitionTime)
              .orElse(timestamp(now));
      result.add(
          new ConditionBuilder()
              .withType(d.type())
              .withStatus(d.status())
              .withReason(EcsExecution.cut(d.reason(), ImagePipelineWatchStatus.MAX_CONDITION_REASON_LENGTH))
              .withMessage(EcsExecution.cut(d.message(), ImagePipelineWatchStatus.MAX_CONDITION_MESSAGE_LENGTH))
              .withLastTransitionTime(since)
              .withObservedGeneration(observedGeneration)
              .build());
    }
    return result;
  }

  static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  /** RFC 3339 in whole seconds, as Kubernetes writes metav1.Time. */
  static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
