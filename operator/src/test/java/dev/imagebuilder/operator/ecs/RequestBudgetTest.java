package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RequestBudgetTest {

  static final long SECOND = 1_000_000_000L;

  final AtomicLong now = new AtomicLong();
  final RequestBudget budget = new RequestBudget(2, now::get);
  final RequestBudget.Key key = new RequestBudget.Key("operator", "cn-hangzhou", "DescribeImagePipelineExecutions");

  @Test
  void allowsOneSecondOfBurstThenSpacesRequestsAtTheRate() {
    var bucket = budget.bucket(key);
    assertThat(bucket.serve(bucket.enter("a"))).isZero();
    assertThat(bucket.serve(bucket.enter("a"))).isZero();
    var third = bucket.enter("a");
    assertThat(bucket.serve(third)).isEqualTo(SECOND / 2);
    now.addAndGet(SECOND / 2);
    assertThat(bucket.serve(third)).isZero();
    assertThat(bucket.serve(bucket.enter("a"))).isEqualTo(SECOND / 2);
  }

  @Test
  void refillsWithTimeButNeverBeyondTheBurst() {
    var bucket = budget.bucket(key);
    bucket.serve(bucket.enter("a"));
    bucket.serve(bucket.enter("a"));
    now.addAndGet(60 * SECOND);
    assertThat(bucket.serve(bucket.enter("a"))).isZero();
    assertThat(bucket.serve(bucket.enter("a"))).isZero();
    assertThat(bucket.serve(bucket.enter("a"))).isPositive();
  }

  record Turns(String name, List<String> arrivals, List<String> served) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Turns> turns() {
    return Stream.of(
        new Turns("one namespace alone is served first come, first served",
            List.of("a1", "a2", "a3"), List.of("a1", "a2", "a3")),
        new Turns("a namespace queued behind another's many callers is served second",
            List.of("a1", "a2", "a3", "a4", "a5", "b1"), List.of("a1", "b1", "a2", "a3", "a4", "a5")),
        new Turns("three namespaces take turns, each its own callers in order",
            List.of("a1", "a2", "a3", "b1", "b2", "c1"), List.of("a1", "b1", "c1", "a2", "b2", "a3")),
        new Turns("the turns follow the order the namespaces began to wait",
            List.of("b1", "a1", "a2", "b2"), List.of("b1", "a1", "b2", "a2")),
        new Turns("hundreds of callers of one namespace still give the other every second request",
            Stream.concat(Stream.iterate(1, i -> i + 1).limit(300).map(i -> "a" + i), Stream.of("b1", "b2", "b3")).toList(),
            List.of("a1", "b1", "a2", "b2", "a3", "b3", "a4", "a5")));
  }

  /** Callers arrive while the burst is spent; each half second one request is handed out. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("turns")
  void waitingNamespacesTakeTurns(Turns row) {
    var bucket = budget.bucket(key);
    bucket.serve(bucket.enter("spent"));
    bucket.serve(bucket.enter("spent"));
    Map<String, RequestBudget.Ticket> tickets = new LinkedHashMap<>();
    row.arrivals().forEach(caller -> tickets.put(caller, bucket.enter(caller.substring(0, 1))));
    List<String> served = new ArrayList<>();
    while (served.size() < row.served().size()) {
      now.addAndGet(SECOND / 2);
      tickets.forEach((caller, ticket) -> {
        if (!served.contains(caller) && bucket.serve(ticket) == 0) {
          served.add(caller);
        }
      });
    }
    assertThat(served).isEqualTo(row.served());
  }

  @Test
  void aCallerThatGivesUpLeavesItsPlaceToTheNext() {
    var bucket = budget.bucket(key);
    bucket.serve(bucket.enter("spent"));
    bucket.serve(bucket.enter("spent"));
    var a1 = bucket.enter("a");
    var a2 = bucket.enter("a");
    var b1 = bucket.enter("b");
    bucket.leave(a1);
    now.addAndGet(SECOND / 2);
    assertThat(bucket.serve(a2)).isZero();
    assertThat(bucket.serve(b1)).isPositive();
    now.addAndGet(SECOND / 2);
    assertThat(bucket.serve(b1)).isZero();
    assertThat(bucket.waiting()).isZero();
  }

  @Test
  void aCallerThatGetsNoRequestWithinTheMaximumWaitGivesUp() throws InterruptedException {
    // Every read of this clock is three seconds on: 100 requests a second refill 100 tokens,
    // and a thousand callers of the same namespace queued ahead take them.
    var late = new AtomicLong();
    var busy = new RequestBudget(100, () -> late.addAndGet(3 * SECOND));
    var bucket = busy.bucket(key);
    for (int i = 0; i < 1_000; i++) {
      bucket.enter("hostile");
    }
    assertThat(busy.acquire(key, "hostile")).isFalse();
    assertThat(busy.acquire(key, "victim")).as("another namespace is served on its turn").isTrue();
  }

  @Test
  void aThreadSpendsTheShareOfTheNamespaceItNamesUntilTheScopeCloses() throws InterruptedException {
    assertThat(RequestBudget.currentNamespace()).isEqualTo(RequestBudget.NO_NAMESPACE);
    try (var outer = RequestBudget.onBehalfOf("team-a")) {
      try (var inner = RequestBudget.onBehalfOf("team-b")) {
        assertThat(RequestBudget.currentNamespace()).isEqualTo("team-b");
      }
      assertThat(RequestBudget.currentNamespace()).isEqualTo("team-a");
      assertThat(budget.acquire(key)).isTrue();
    }
    assertThat(RequestBudget.currentNamespace()).isEqualTo(RequestBudget.NO_NAMESPACE);
  }

  @ParameterizedTest(name = "{0} of the namespace and {1} in all waiting -> {2}")
  @CsvSource({"0, 0, true", "9, 9, true", "10, 10, false", "10, 39, false", "0, 39, true", "3, 40, false", "1, 40, false",
      // The first caller of a namespace waits even when others fill every place: four hostile
      // namespaces of ten each cannot shut a fifth out.
      "0, 40, true", "0, 200, true"})
  void aCallerMayWaitWhileItsNamespaceHasFewerThanTenWaitingAndAllFewerThanFortyAndAlwaysAsItsNamespacesFirst(int ofNamespace, int inAll, boolean admitted) {
    assertThat(RequestBudget.admits(ofNamespace, inAll)).isEqualTo(admitted);
  }

  @Test
  void aCallerBeyondItsNamespacesWaitingCallersGivesUpAtOnceAndOthersStillWait() throws Exception {
    var bucket = budget.bucket(key);
    bucket.serve(bucket.enter("spent"));
    bucket.serve(bucket.enter("spent"));
    // Ten callers of "hostile" wait on threads of their own, with the clock standing still.
    var threads = new ArrayList<Thread>();
    for (int i = 0; i < RequestBudget.MAX_WAITING_PER_NAMESPACE; i++) {
      var t = new Thread(() -> {
        try {
          budget.acquire(key, "hostile");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    while (bucket.waiting() < RequestBudget.MAX_WAITING_PER_NAMESPACE) {
      Thread.onSpinWait();
    }
    assertThat(budget.acquire(key, "hostile")).as("the eleventh of the namespace").isFalse();
    threads.forEach(Thread::interrupt);
    for (var t : threads) {
      t.join();
    }
    assertThat(bucket.waiting()).as("interrupted callers leave their queue").isZero();
    now.addAndGet(SECOND);
    assertThat(budget.acquire(key, "hostile")).as("room again once they left").isTrue();
  }

  @ParameterizedTest(name = "{0} per second: at most {1}s")
  @CsvSource({"2, 10", "100, 10", "1, 20", "0.5, 40", "0.1, 60"})
  void theMaximumWaitIsTwentyRequestsBetweenTenSecondsAndAMinute(double perSecond, long seconds) {
    assertThat(RequestBudget.maxWait(perSecond)).isEqualTo(Duration.ofSeconds(seconds));
  }

  @Test
  void eachIdentityRegionAndActionHasItsOwnBudget() throws InterruptedException {
    var bucket = budget.bucket(key);
    bucket.serve(bucket.enter("a"));
    bucket.serve(bucket.enter("a"));
    var other = budget.bucket(new RequestBudget.Key("key:LTAI5tOther", "cn-hangzhou", key.action()));
    assertThat(other.serve(other.enter("a"))).isZero();
    var region = budget.bucket(new RequestBudget.Key("operator", "cn-shanghai", key.action()));
    assertThat(region.serve(region.enter("a"))).isZero();
  }

  @Test
  void aFractionalRateStillAllowsOneRequestAtOnce() {
    var slow = new RequestBudget(0.5, now::get).bucket(key);
    assertThat(slow.serve(slow.enter("a"))).isZero();
    assertThat(slow.serve(slow.enter("a"))).isEqualTo(2 * SECOND);
  }

  @Test
  void rejectsARateThatIsNotPositive() {
    assertThatThrownBy(() -> new RequestBudget(0)).hasMessageContaining("must be positive");
  }

  @Test
  void keysFromManyWatchesNeverGrowTheBudgetsWithoutBound() throws InterruptedException {
    for (int i = 0; i < 10_000; i++) {
      assertThat(budget.acquire(new RequestBudget.Key("operator", "region-" + i, key.action()), "a")).isTrue();
      now.addAndGet(SECOND);
    }
    assertThat(budget.size()).isLessThanOrEqualTo(RequestBudget.MAX_IDLE_BUCKETS + 1);
  }
}
