package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.OperatorConfig;
import dev.imagebuilder.operator.ecs.EcsException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PollScheduleTest {

  private final PollSchedule schedule = new PollSchedule(OperatorConfig.Retry.DEFAULT, new SplittableRandom(7));

  @Test
  void successWaitsTheIntervalWithinTenPercent() {
    for (int i = 0; i < 1000; i++) {
      assertThat(schedule.afterSuccess(Duration.ofSeconds(60)))
          .isBetween(Duration.ofSeconds(54), Duration.ofSeconds(66));
    }
  }

  @Test
  void jitterSpreadsWatchesThatStartTogether() {
    long distinct =
        java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> schedule.afterSuccess(Duration.ofSeconds(60)).toMillis() / 1000)
            .distinct()
            .count();
    assertThat(distinct).isGreaterThan(5);
  }

  @ParameterizedTest(name = "{0} past the minute -> between {1}s and {2}s")
  @CsvSource({"0, 60, 70", "15, 45, 55", "59, 1, 11"})
  void throttlingWaitsForTheNextMinuteWindow(int secondsIntoMinute, int min, int max) {
    Instant now = Instant.parse("2026-01-01T10:00:00Z").plusSeconds(secondsIntoMinute);
    for (int failures = 1; failures < 5; failures++) {
      assertThat(schedule.afterFailure(Kind.THROTTLED, failures, now, Duration.ofMinutes(1)))
          .isBetween(Duration.ofSeconds(min), Duration.ofSeconds(max));
    }
  }

  @ParameterizedTest(name = "failure {0} -> about {1}s")
  @CsvSource({"1, 5", "2, 10", "3, 20", "4, 40", "7, 300", "40, 300"})
  void otherFailuresBackOffExponentiallyUpToFiveMinutes(int failures, long seconds) {
    Duration wait = schedule.afterFailure(Kind.UNAVAILABLE, failures, Instant.now(), Duration.ofHours(1));
    assertThat(wait.toMillis()).isBetween((long) (seconds * 900), (long) (seconds * 1100));
  }

  @ParameterizedTest(name = "failure {0} with a {1}s interval -> about {2}s")
  @CsvSource({"1, 10, 5", "2, 10, 10", "9, 10, 10", "9, 60, 60", "9, 3600, 300"})
  void noFailureMakesAWatchWaitLongerThanItsInterval(int failures, long interval, long seconds) {
    Duration wait = schedule.afterFailure(Kind.UNAVAILABLE, failures, Instant.now(), Duration.ofSeconds(interval));
    assertThat(wait.toMillis()).isBetween((long) (seconds * 900), (long) (seconds * 1100));
  }

  @ParameterizedTest(name = "stall {1} with a {0}s interval -> {2}s")
  @CsvSource({
    "10, 1, 10", "10, 2, 20", "10, 3, 40", "10, 4, 80", "10, 5, 80", "10, 40, 80",
    "60, 1, 60", "60, 4, 480", "60, 5, 480",
    "120, 1, 120", "120, 3, 480", "120, 4, 600", "120, 9, 600",
    "3600, 1, 3600", "3600, 5, 3600",
    "10, 0, 10"})
  void stallsDoubleTheWaitUpToEightIntervalsOrTenMinutesButNeverBelowTheInterval(long interval, int stalls, long seconds) {
    assertThat(PollSchedule.stallWait(Duration.ofSeconds(interval), stalls)).isEqualTo(Duration.ofSeconds(seconds));
    assertThat(schedule.afterStall(Duration.ofSeconds(interval), stalls).toMillis())
        .isBetween((long) (seconds * 900), (long) (seconds * 1100));
  }
}
