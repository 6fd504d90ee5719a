package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TakenNamesTest {

  @ParameterizedTest
  @CsvSource({"1, 1", "2, 2", "3, 4", "4, 8", "5, 16", "6, 32", "7, 32", "40, 32"})
  void eachFailureInARowDoublesThePollsLeftOutUpTo32(int failures, int skip) {
    assertThat(TakenNames.skipAfter(failures)).isEqualTo(skip);
  }

  /** Polls 1..n of a name that stays taken: the polls that try it, as a poll loop would. */
  static List<Integer> tries(int polls) {
    var taken = TakenNames.NONE;
    List<Integer> tried = new ArrayList<>();
    for (int poll = 1; poll <= polls; poll++) {
      if (taken.skips("exec-1")) {
        taken = taken.after(List.of(), Set.of("exec-1"));
      } else {
        tried.add(poll);
        taken = taken.after(List.of("exec-1"), Set.of());
      }
    }
    return tried;
  }

  @Test
  void aNameThatStaysTakenIsTriedLessAndLessOften() {
    assertThat(tries(200)).containsExactly(1, 3, 6, 11, 20, 37, 70, 103, 136, 169);
  }

  @Test
  void aNameWrittenOrNoLongerWantedIsForgotten() {
    var taken = TakenNames.NONE.after(List.of("exec-1", "exec-2"), Set.of());
    assertThat(taken.skips("exec-1")).isTrue();
    assertThat(taken.known("exec-2")).isTrue();
    var next = taken.after(List.of(), Set.of("exec-1"));
    assertThat(next.known("exec-1")).isTrue();
    assertThat(next.skips("exec-1")).as("skipped once after the first failure").isFalse();
    assertThat(next.known("exec-2")).as("neither tried nor skipped: written, or gone from ECS").isFalse();
    assertThat(next.after(List.of(), Set.of()).names()).isEmpty();
  }

  @Test
  void aListingThatFailsPartWayRecordsWhatItsPagesFoundTakenAndKeepsTheRest() {
    var taken = TakenNames.NONE.after(List.of("exec-1", "exec-2"), Set.of());
    var next = taken.afterFailedListing(List.of("exec-2", "exec-3"));
    assertThat(next.names().get("exec-1")).as("not reached by the failed listing: kept as it was")
        .isEqualTo(taken.names().get("exec-1"));
    assertThat(next.names().get("exec-2").failures()).isEqualTo(2);
    assertThat(next.names().get("exec-3").failures()).isEqualTo(1);
    assertThat(next.skips("exec-3")).isTrue();
    assertThat(taken.afterFailedListing(List.of())).isSameAs(taken);
  }

  @Test
  void theMemoryOfTakenNamesIsBounded() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= TakenNames.MAX_NAMES; i++) {
      many.add("exec-" + i);
    }
    assertThat(TakenNames.NONE.after(many, Set.of()).names()).isEmpty();
  }
}
