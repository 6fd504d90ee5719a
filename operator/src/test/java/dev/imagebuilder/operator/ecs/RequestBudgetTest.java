package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestBudgetTest {

  final AtomicLong now = new AtomicLong();
  final RequestBudget budget = new RequestBudget(2, now::get);
  final RequestBudget.Key key = new RequestBudget.Key("operator", "cn-hangzhou", "DescribeImagePipelineExecutions");

  @Test
  void allowsOneSecondOfBurstThenSpacesRequestsAtTheRate() {
    assertThat(budget.reserve(key)).isZero();
    assertThat(budget.reserve(key)).isZero();
    assertThat(budget.reserve(key)).isEqualTo(500_000_000L);
    assertThat(budget.reserve(key)).isEqualTo(1_000_000_000L);
  }

  @Test
  void refillsWithTimeButNeverBeyondTheBurst() {
    budget.reserve(key);
    budget.reserve(key);
    now.addAndGet(60_000_000_000L);
    assertThat(budget.reserve(key)).isZero();
    assertThat(budget.reserve(key)).isZero();
    assertThat(budget.reserve(key)).isPositive();
  }

  @Test
  void eachIdentityRegionAndActionHasItsOwnBudget() {
    budget.reserve(key);
    budget.reserve(key);
    assertThat(budget.reserve(new RequestBudget.Key("key:LTAI5tOther", "cn-hangzhou", key.action()))).isZero();
    assertThat(budget.reserve(new RequestBudget.Key("operator", "cn-shanghai", key.action()))).isZero();
  }

  @Test
  void aFractionalRateStillAllowsOneRequestAtOnce() {
    var slow = new RequestBudget(0.5, now::get);
    assertThat(slow.reserve(key)).isZero();
    assertThat(slow.reserve(key)).isEqualTo(2_000_000_000L);
  }

  @Test
  void rejectsARateThatIsNotPositive() {
    assertThatThrownBy(() -> new RequestBudget(0)).hasMessageContaining("must be positive");
  }

  @Test
  void keysFromManyWatchesNeverGrowTheBudgetsWithoutBound() {
    for (int i = 0; i < 10_000; i++) {
      budget.reserve(new RequestBudget.Key("operator", "region-" + i, key.action()));
      now.addAndGet(1_000_000_000L);
    }
    assertThat(budget.size()).isLessThanOrEqualTo(RequestBudget.MAX_IDLE_BUCKETS + 1);
  }
}
