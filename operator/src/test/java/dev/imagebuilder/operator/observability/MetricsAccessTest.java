package dev.imagebuilder.operator.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.observability.MetricsAccess.Decision;
import dev.imagebuilder.operator.observability.MetricsAccess.Identity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MetricsAccessTest {

  static final String READER = "reader-token";
  static final String STRANGER = "stranger-token";

  /** Tokens known to a pretend API server: the reader may get /metrics, the stranger may not. */
  static final class FakeReviews implements MetricsAccess.Reviews {
    final AtomicInteger tokenReviews = new AtomicInteger();
    final AtomicInteger accessReviews = new AtomicInteger();
    volatile boolean down;

    @Override
    public Identity authenticate(String token) {
      tokenReviews.incrementAndGet();
      if (down) {
        throw new IllegalStateException("connection refused");
      }
      return switch (token) {
        case READER -> new Identity("system:serviceaccount:monitoring:prometheus", "1", List.of("system:serviceaccounts"), Map.of());
        case STRANGER -> new Identity("system:serviceaccount:team:app", "2", List.of(), Map.of());
        default -> null;
      };
    }

    @Override
    public boolean mayGetMetrics(Identity user) {
      accessReviews.incrementAndGet();
      return user.user().endsWith(":prometheus");
    }
  }

  static final class SettableClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00.250Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final FakeReviews reviews = new FakeReviews();
  final SettableClock clock = new SettableClock();
  final MetricsAccess access = new MetricsAccess(reviews, new MetricsAccess.Limits(Duration.ofSeconds(60), 4, 5), clock);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "none", value = {
      "none, UNAUTHENTICATED",
      "'', UNAUTHENTICATED",
      "Bearer, UNAUTHENTICATED",
      "'Bearer   ', UNAUTHENTICATED",
      "Basic cmVhZGVyOnB3, UNAUTHENTICATED",
      "Bearer made-up, UNAUTHENTICATED",
      "Bearer stranger-token, FORBIDDEN",
      "Bearer reader-token, ALLOWED",
      "bearer reader-token, ALLOWED",
  })
  void decidesByTokenReviewThenSubjectAccessReview(String header, Decision expected) {
    assertThat(access.decide(header)).isEqualTo(expected);
  }

  @Test
  void requestsWithoutABearerTokenNeverReachTheApiServer() {
    access.decide(null);
    access.decide("Basic eDp5");
    assertThat(reviews.tokenReviews).hasValue(0);
  }

  @Test
  void answersAreCachedForTheirTtlOnly() {
    assertThat(access.decide("Bearer " + READER)).isEqualTo(Decision.ALLOWED);
    assertThat(access.decide("Bearer " + READER)).isEqualTo(Decision.ALLOWED);
    assertThat(access.decide("Bearer made-up")).isEqualTo(Decision.UNAUTHENTICATED);
    assertThat(access.decide("Bearer made-up")).isEqualTo(Decision.UNAUTHENTICATED);
    assertThat(reviews.tokenReviews).as("one review per token").hasValue(2);
    assertThat(reviews.accessReviews).hasValue(1);

    clock.now = clock.now.plusSeconds(61);
    assertThat(access.decide("Bearer " + READER)).isEqualTo(Decision.ALLOWED);
    assertThat(reviews.tokenReviews).as("reviewed again after the TTL").hasValue(3);
  }

  @Test
  void aFloodOfMadeUpTokensCostsTheApiServerAFewReviewsPerSecond() {
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
      if (access.decide("Bearer flood-" + i) == Decision.TOO_MANY_REVIEWS) {
        refused++;
      }
    }
    assertThat(reviews.tokenReviews).as("reviews in one second").hasValue(5);
    assertThat(refused).isEqualTo(995);

    clock.now = clock.now.plusSeconds(1);
    assertThat(access.decide("Bearer " + READER)).as("the next second").isEqualTo(Decision.ALLOWED);
  }

  @Test
  void theCacheKeepsABoundedNumberOfTokens() {
    for (int i = 0; i < 5; i++) {
      access.decide("Bearer bogus-" + i);
      clock.now = clock.now.plusSeconds(1);
    }
    assertThat(access.cachedTokens()).isEqualTo(4);
  }

  @Test
  void anApiServerThatCannotBeAskedGives503AndIsNotCached() {
    reviews.down = true;
    assertThat(access.decide("Bearer " + READER)).isEqualTo(Decision.UNAVAILABLE);
    reviews.down = false;
    assertThat(access.decide("Bearer " + READER)).isEqualTo(Decision.ALLOWED);
  }
}
