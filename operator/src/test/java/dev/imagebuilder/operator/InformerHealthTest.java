package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InformerHealthTest {

  static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

  final InformerHealth health = new InformerHealth(new AtomicBoolean(), true);

  @Test
  void answersBeforeTheOperatorHasStartedWithoutAskingIt() {
    // Nothing to ask yet: JOSDK's runtime info would wait for the first listing of the children.
    assertThat(health.healthy(T0)).isTrue();
    assertThat(health.ready()).isFalse();
  }

  @Test
  void anInformerThatCannotWatchForLongerThanTheGraceMakesTheOperatorUnhealthy() {
    assertThat(health.healthy(true, T0)).isTrue();
    assertThat(health.healthy(false, T0)).as("a short outage is ridden out").isTrue();
    assertThat(health.healthy(false, T0.plus(InformerHealth.GRACE).minusSeconds(1))).isTrue();
    assertThat(health.healthy(false, T0.plus(InformerHealth.GRACE))).isFalse();
  }

  @Test
  void aHealthyMomentStartsTheGraceAnew() {
    health.healthy(false, T0);
    health.healthy(true, T0.plus(Duration.ofMinutes(2)));
    Instant again = T0.plus(InformerHealth.GRACE).plusSeconds(1);
    assertThat(health.healthy(false, again)).as("unhealthy since a second ago").isTrue();
    assertThat(health.healthy(false, again.plus(InformerHealth.GRACE).minusSeconds(1))).isTrue();
    assertThat(health.healthy(false, again.plus(InformerHealth.GRACE))).isFalse();
  }
}
