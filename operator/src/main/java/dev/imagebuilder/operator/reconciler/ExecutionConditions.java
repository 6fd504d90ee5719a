package dev.imagebuilder.operator.reconciler;

import static dev.imagebuilder.operator.reconciler.Conditions.FALSE;
import static dev.imagebuilder.operator.reconciler.Conditions.TRUE;
import static dev.imagebuilder.operator.reconciler.Conditions.UNKNOWN;

import dev.imagebuilder.operator.api.EcsStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The conditions of an execution, chosen so that {@code kubectl wait} and kstatus readers (Flux,
 * Argo CD) treat it as they treat a Job:
 *
 * <ul>
 *   <li>running statuses (PREPARING … RELEASING, CANCELLING): Succeeded=Unknown and
 *       Reconciling=True, reason the status in CamelCase (Building);
 *   <li>SUCCESS: Succeeded=True, reason Succeeded;
 *   <li>PARTITION_SUCCESS: Succeeded=True and Stalled=True, reason PartitionSuccess: the image
 *       exists (and counts as the latest successful one), but some regions never got it;
 *   <li>FAILED, TEST_FAILED and CANCELLED: Succeeded=False and Stalled=True, reason Failed,
 *       TestFailed or Cancelled: the build ended without an image, by fault or by choice;
 *   <li>a status this version does not know: treated as running, reason UnrecognizedStatus.
 * </ul>
 *
 * Stalled=True is exactly what kstatus reads as Failed and what the Argo CD health check shows as
 * Degraded, so the three views agree on every status (the README has the table).
 */
final class ExecutionConditions {

  static final String SUCCEEDED = "Succeeded";
  static final String RECONCILING = "Reconciling";
  static final String STALLED = "Stalled";
  static final String RETAINED = "Retained";

  static final String UNRECOGNIZED_STATUS = "UnrecognizedStatus";

  /** The reason of each known status, worked out once: asked for each execution of each poll. */
  private static final Map<EcsStatus, String> REASONS = new EnumMap<>(EcsStatus.class);

  static {
    for (EcsStatus status : EcsStatus.values()) {
      REASONS.put(status, camelCase(status.name()));
    }
  }

  private ExecutionConditions() {}

  static List<Conditions.Desired> forStatus(String ecsStatus, String ecsMessage) {
    Optional<EcsStatus> known = EcsStatus.parse(ecsStatus);
    String reason = known.map(REASONS::get).orElse(UNRECOGNIZED_STATUS);
    String message =
        known.isPresent()
            ? describe(ecsStatus, ecsMessage)
            : "ECS reports status " + ecsStatus + ", which this operator version does not know";
    List<Conditions.Desired> conditions = new ArrayList<>(2);
    switch (known.map(EcsStatus::outcome).orElse(EcsStatus.Outcome.RUNNING)) {
      case RUNNING -> {
        conditions.add(new Conditions.Desired(SUCCEEDED, UNKNOWN, reason, message));
        conditions.add(new Conditions.Desired(RECONCILING, TRUE, reason, message));
      }
      case SUCCEEDED -> {
        conditions.add(new Conditions.Desired(SUCCEEDED, TRUE, reason, message));
        if (known.get() == EcsStatus.PARTITION_SUCCESS) {
          conditions.add(new Conditions.Desired(STALLED, TRUE, reason, message));
        }
      }
      case FAILED -> {
        conditions.add(new Conditions.Desired(SUCCEEDED, FALSE, reason, message));
        conditions.add(new Conditions.Desired(STALLED, TRUE, reason, message));
      }
    }
    return conditions;
  }

  /** SUCCESS becomes Succeeded, PARTITION_SUCCESS becomes PartitionSuccess. */
  static String camelCase(String status) {
    StringBuilder out = new StringBuilder();
    for (String word : status.toLowerCase(Locale.ROOT).split("_")) {
      out.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
    }
    return status.equals("SUCCESS") ? "Succeeded" : out.toString();
  }

  private static String describe(String status, String message) {
    return message == null || message.isBlank() ? "ECS status " + status : message;
  }
}
