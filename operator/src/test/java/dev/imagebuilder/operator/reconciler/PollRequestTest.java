package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PollRequestTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // case                                   | own | flux | seen own | seen flux | seen? | handled | pending
        "no annotation                            | -   | -    | -        | -         | false | -       | -",
        "a new watch asks with the own annotation | a   | -    | -        | -         | false | -       | a",
        "a new watch asks with Flux's             | -   | f   | -        | -         | false | -       | f",
        "own value already handled                | a   | -    | a        | -         | true  | a       | -",
        "own value changed                        | b   | -    | a        | -         | true  | a       | b",
        "Flux's value changed, own handled        | a   | f2   | a        | f1        | true  | a       | f2",
        "own changed after Flux's was handled     | b   | f1   | a        | f1        | true  | f1      | b",
        "both unchanged after alternating         | b   | f1   | b        | f1        | true  | b       | -",
        "a value equal to the handled one is old  | x   | -    | -        | -         | true  | x       | -",
        "after a restart, Flux's echoed: both old | a   | f    | -        | -         | false | f       | -",
        "after a restart, own echoed: both old    | a   | f    | -        | -         | false | a       | -",
        "after a restart, neither echoed: own one | a   | f    | -        | -         | false | z       | a",
      })
  void aValueIsPendingWhenItChangedSinceTheLastPollAndIsNotEchoedYet(
      String name, String own, String flux, String seenOwn, String seenFlux, boolean seen, String handled, String pending) {
    var request = new PollRequest(own, flux);
    var before = seen ? new PollRequest(seenOwn, seenFlux) : null;
    assertThat(request.pending(before, handled)).isEqualTo(pending);
  }

  @Test
  void aRequestLongerThanTheStatusHoldsIsCutSoItsEchoIsStillAdmitted() {
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName("w")
        .withAnnotations(Map.of(ImagePipelineWatch.RECONCILE_REQUESTED_AT, "x".repeat(100_000))).build());
    var request = PollRequest.of(watch);
    assertThat(request.own()).hasSize(ImagePipelineWatchStatus.MAX_REQUEST_LENGTH).endsWith("…");
    // After a restart, the echoed (cut) value still counts as handled.
    assertThat(request.pending(null, request.own())).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // case                                        | last honoured (s) | now (s) | deferred (ms)
        "the first request is honoured at once          | -                 | 0       | 0",
        "one within a second of the last waits for 10s  | 100               | 101     | 9000",
        "one just before 10s waits the rest             | 100               | 109.5   | 500",
        "one 10s after the last is honoured at once     | 100               | 110     | 0",
        "one long after the last is honoured at once    | 100               | 4000    | 0",
        "a clock stepped back waits no more than 10s    | 100               | 50      | 10000",
      })
  void aRequestWithinTenSecondsOfTheLastHonouredOneIsDeferredUntilThen(String name, Double lastHonoured, double now, long millis) {
    var epoch = java.time.Instant.parse("2026-06-01T12:00:00Z");
    var last = lastHonoured == null ? null : epoch.plusMillis((long) (lastHonoured * 1000));
    assertThat(PollRequest.deferral(last, epoch.plusMillis((long) (now * 1000)), java.time.Duration.ofSeconds(10)))
        .isEqualTo(java.time.Duration.ofMillis(millis));
  }
}
