package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import java.time.Duration;
import java.util.regex.Pattern;
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

  /** The CRD pattern must accept exactly the durations of at least 10s that the operator parses. */
  @ParameterizedTest
  @CsvSource({
    "10s, true", "59s, true", "1m, true", "1m5s, true", "1h, true", "1h0m0s, true", "90m, true",
    "9s, false", "0s, false", "5s, false", "0m30s, false", "0h5m, false", "1.5m, false", "10, false"
  })
  void crdPatternAcceptsOnlyIntervalsOfAtLeastTenSeconds(String text, boolean accepted) {
    assertThat(Pattern.matches(ImagePipelineWatchSpec.INTERVAL_PATTERN, text)).isEqualTo(accepted);
    if (accepted) {
      assertThat(Durations.parse("interval", text)).isGreaterThanOrEqualTo(Duration.ofSeconds(10));
    }
  }
}
