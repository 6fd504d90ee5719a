package dev.imagebuilder.operator.api;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The twelve statuses ECS reports for an image pipeline execution, with what each means for
 * Kubernetes readers. ECS may add statuses in the future; {@link #parse} returns empty for those so
 * callers treat them as still running rather than failing.
 */
public enum EcsStatus {
  PREPARING(Outcome.RUNNING),
  REPAIRING(Outcome.RUNNING),
  BUILDING(Outcome.RUNNING),
  TESTING(Outcome.RUNNING),
  DISTRIBUTING(Outcome.RUNNING),
  RELEASING(Outcome.RUNNING),
  CANCELLING(Outcome.RUNNING),
  SUCCESS(Outcome.SUCCEEDED),
  PARTITION_SUCCESS(Outcome.SUCCEEDED),
  FAILED(Outcome.FAILED),
  TEST_FAILED(Outcome.FAILED),
  CANCELLED(Outcome.FAILED);

  /** How an execution in a status ended, or that it has not ended yet. */
  public enum Outcome {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  private final Outcome outcome;

  EcsStatus(Outcome outcome) {
    this.outcome = outcome;
  }

  public Outcome outcome() {
    return outcome;
  }

  public boolean isTerminal() {
    return outcome != Outcome.RUNNING;
  }

  /** The status for an ECS status string, or empty when ECS reports one this version does not know. */
  public static Optional<EcsStatus> parse(String value) {
    return Optional.ofNullable(value == null ? null : BY_NAME.get(value));
  }

  /** Asked several times per execution per poll: a lookup, not a scan of a fresh {@code values()}. */
  private static final Map<String, EcsStatus> BY_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EcsStatus::name, s -> s));
}
