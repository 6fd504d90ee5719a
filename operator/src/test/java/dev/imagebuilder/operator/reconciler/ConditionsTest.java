package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private final Instant t0 = Instant.parse("2026-01-01T10:00:00Z");
  private final Instant t1 = t0.plusSeconds(60);

  @Test
  void keepsTransitionTimeWhileTheStatusStaysAndMovesItWhenItChanges() {
    var first = Conditions.merge(List.of(), List.of(new Conditions.Desired("Ready", "True", "Synced", "a")), 1L, t0);
    var sameStatusNewReason =
        Conditions.merge(first, List.of(new Conditions.Desired("Ready", "True", "RetryingAfterThrottle", "b")), 1L, t1);
    var flipped = Conditions.merge(sameStatusNewReason, List.of(new Conditions.Desired("Ready", "False", "X", "c")), 2L, t1);

    assertThat(first.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(sameStatusNewReason.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(sameStatusNewReason.get(0).getReason()).isEqualTo("RetryingAfterThrottle");
    assertThat(flipped.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:01:00Z");
    assertThat(flipped.get(0).getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void dropsConditionsThatAreNoLongerDesired() {
    var before =
        Conditions.merge(
            List.of(),
            List.of(new Conditions.Desired("Ready", "False", "X", "m"), new Conditions.Desired("Stalled", "True", "X", "m")),
            1L,
            t0);
    var after = Conditions.merge(before, List.of(new Conditions.Desired("Ready", "True", "Synced", "m")), 1L, t1);
    assertThat(after).extracting(c -> c.getType()).containsExactly("Ready");
  }

  @Test
  void cutsAReasonOrMessageTheSchemaWouldRefuse() {
    var merged = Conditions.merge(List.of(),
        List.of(new Conditions.Desired("Ready", "False", "R".repeat(5000), "m".repeat(100_000))), 1L, t0);
    assertThat(merged.get(0).getReason()).hasSize(ImagePipelineWatchStatus.MAX_CONDITION_REASON_LENGTH).endsWith("…");
    assertThat(merged.get(0).getMessage()).hasSize(ImagePipelineWatchStatus.MAX_CONDITION_MESSAGE_LENGTH).endsWith("…");
  }
}
