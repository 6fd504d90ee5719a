package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagebuilder.operator.MutableClock;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedListingsTest {

  final MutableClock clock = new MutableClock();
  final AtomicInteger calls = new AtomicInteger();

  static SharedListings.Key key(String pipeline) {
    return new SharedListings.Key("account", "cn-hangzhou", pipeline, Set.of(), 100);
  }

  static List<EcsExecution> listing(int executions) {
    List<EcsExecution> list = new ArrayList<>();
    for (int i = 0; i < executions; i++) {
      list.add(new EcsExecution("exec-" + i, "ip-1", "SUCCESS", "m-1", "", "2026-06-01T10:00:00Z",
          "2026-06-01T10:00:00Z", "rg-1", Map.of()));
    }
    return List.copyOf(list);
  }

  SharedListings.Call counted(List<EcsExecution> answer) {
    return () -> {
      calls.incrementAndGet();
      return answer;
    };
  }

  @Test
  void aListingIsSharedWhileFresh() throws Exception {
    var listings = new SharedListings(clock);
    listings.list(key("ip-1"), Duration.ofMinutes(1), counted(listing(3)));
    clock.advance(Duration.ofSeconds(30));
    listings.list(key("ip-1"), Duration.ofMinutes(1), counted(listing(3)));
    assertThat(calls).hasValue(1);
  }

  @Test
  void aListingInFlightAtAnotherPageSizeIsNotWaitedFor() throws Exception {
    var listings = new SharedListings(clock);
    var slow = new CountDownLatch(1);
    var started = new CountDownLatch(1);
    var byOne = new SharedListings.Key("account", "cn-hangzhou", "ip-1", Set.of(), 1);
    var leader = CompletableFuture.supplyAsync(() -> {
      try {
        return listings.list(byOne, Duration.ofMinutes(1), () -> {
          started.countDown();
          try {
            slow.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return listing(1);
        });
      } catch (EcsException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    // Still in flight: a watch paging by 100 lists on its own instead of waiting on it.
    var own = CompletableFuture.supplyAsync(() -> {
      try {
        return listings.list(key("ip-1"), Duration.ofMinutes(1), counted(listing(3)));
      } catch (EcsException e) {
        throw new IllegalStateException(e);
      }
    });
    // Joined to the leader, it would wait until the leader is let go below (never, here).
    assertThat(own.get(30, TimeUnit.SECONDS)).hasSize(3);
    assertThat(calls).hasValue(1);
    slow.countDown();
    assertThat(leader.get(30, TimeUnit.SECONDS)).hasSize(1);
  }

  @Test
  void aListingIsNotKeptPastItsExpiryWhateverTheIntervals() throws Exception {
    var listings = new SharedListings(clock);
    // Watches of a 4-hour interval would share for 2 hours; the listing is dropped after 10 minutes.
    listings.list(key("ip-1"), Duration.ofHours(2), counted(listing(3)));
    clock.advance(SharedListings.MAX_KEPT.plusSeconds(1));
    listings.list(key("ip-2"), Duration.ofHours(2), counted(listing(3)));
    assertThat(listings.kept()).isEqualTo(1);
    listings.list(key("ip-1"), Duration.ofHours(2), counted(listing(3)));
    assertThat(calls).hasValue(3);
  }

  @Test
  void keptListingsFitTheirByteBudgetOldestFirst() throws Exception {
    var big = listing(1000);
    long one = SharedListings.estimatedBytes(big);
    var listings = new SharedListings(clock, SharedListings.MAX_KEPT, 2 * one + one / 2);
    for (String pipeline : List.of("ip-1", "ip-2", "ip-3")) {
      listings.list(key(pipeline), Duration.ofMinutes(5), counted(big));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(listings.kept()).isEqualTo(2);
    assertThat(listings.keptBytes()).isLessThanOrEqualTo(2 * one + one / 2);
    listings.list(key("ip-3"), Duration.ofMinutes(5), counted(big));
    assertThat(calls).as("the newest is still shared").hasValue(3);
    listings.list(key("ip-1"), Duration.ofMinutes(5), counted(big));
    assertThat(calls).as("the oldest went first").hasValue(4);
  }

  @Test
  void aListingLargerThanTheBudgetIsNotKept() throws Exception {
    var big = listing(1000);
    var listings = new SharedListings(clock, SharedListings.MAX_KEPT, SharedListings.estimatedBytes(big) - 1);
    assertThat(listings.list(key("ip-1"), Duration.ofMinutes(5), counted(big))).hasSize(1000);
    assertThat(listings.kept()).isZero();
  }

  @Test
  void theEstimateCountsEveryCharacterOfWhatECSSent() {
    var small = SharedListings.estimatedBytes(listing(1));
    var withMessage = SharedListings.estimatedBytes(List.of(new EcsExecution("exec-0", "ip-1", "SUCCESS", "m-1",
        "x".repeat(1000), "2026-06-01T10:00:00Z", "2026-06-01T10:00:00Z", "rg-1", Map.of("k", "v".repeat(200)))));
    assertThat(withMessage - small).isGreaterThanOrEqualTo(2 * 1200);
  }

  @Test
  void watchesWaitingOnAListingThatDoesNotEndGetItsOutcomeAtOnce() throws Exception {
    var listings = new SharedListings(clock);
    var started = new CountDownLatch(1);
    var stop = new CountDownLatch(1);
    var first = CompletableFuture.supplyAsync(() -> catchThrowableOfType(EcsException.class,
        () -> listings.list(key("ip-1"), Duration.ofMinutes(1), () -> {
          calls.incrementAndGet();
          started.countDown();
          try {
            stop.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new EcsException(EcsException.Kind.UNBOUNDED, "ListingUnbounded", "ECS did not end the listing after 14 pages");
        })));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    var second = new CompletableFuture<EcsException>();
    var waiter = new Thread(() -> second.complete(catchThrowableOfType(EcsException.class,
        () -> listings.list(key("ip-1"), Duration.ofMinutes(1), counted(listing(1))))));
    waiter.start();
    // The second watch is parked on the first one's listing before that listing ends.
    while (waiter.getState() != Thread.State.WAITING && waiter.getState() != Thread.State.TERMINATED) {
      Thread.onSpinWait();
    }
    stop.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).kind()).isEqualTo(EcsException.Kind.UNBOUNDED);
    assertThat(second.get(10, TimeUnit.SECONDS).kind()).isEqualTo(EcsException.Kind.UNBOUNDED);
    assertThat(calls).as("one listing, shared").hasValue(1);
  }
}
