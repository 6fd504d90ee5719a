package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatchMemoryTest {

  @Test
  void aNewSpecStartsItsStallBackoffAndTakenNamesAfreshButTheSameSpecKeepsThem() {
    var memory = WatchMemory.fresh(Duration.ofSeconds(10)).forGeneration(1L)
        .withStalls(3)
        .withTaken(TakenNames.NONE.after(List.of("squatted"), Set.of()));

    var same = memory.forGeneration(1L);
    assertThat(same.stalls()).isEqualTo(3);
    assertThat(same.taken().known("squatted")).isTrue();

    var changed = memory.forGeneration(2L);
    assertThat(changed.stalls()).as("a new spec is no repeat of the old one's stalls").isZero();
    assertThat(changed.taken().known("squatted")).as("the new spec may name other children").isFalse();
    assertThat(changed.polledGeneration()).isEqualTo(2L);
  }
}
