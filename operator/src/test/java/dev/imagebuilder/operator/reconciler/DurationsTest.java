package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({"10s, 10", "90s, 90", "1m, 60", "5m30s, 330", "1h, 3600", "1h30m, 5400", "2h0m5s, 7205"})
  void parsesKubernetesStyleDurations(String text, long seconds) {
    assertThat(Durations.parse("interval", text)).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "1.5m", "1d", "-1m", "m", "1m1h"})
  void rejectsAnythingElseNamingTheValue(String text) {
    assertThatThrownBy(() -> Durations.parse("interval", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interval");
  }
}
