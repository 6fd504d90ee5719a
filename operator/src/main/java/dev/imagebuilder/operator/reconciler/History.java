package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.EcsStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which executions get (or keep) a child under a watch's history limits. Running executions and
 * statuses this version does not know are always kept; of the finished ones:
 *
 * <ul>
 *   <li>import limit: of the executions created before the watch, those older than {@code maxAge}
 *       are left out, and only the newest {@code maxCount} are kept;
 *   <li>{@code ttlSecondsAfterFinished}: a finished execution whose last ECS change is older goes;
 *   <li>{@code successfulLimit} and {@code failedLimit}: only the newest that many successful
 *       (SUCCESS, PARTITION_SUCCESS) and failed (FAILED, TEST_FAILED, CANCELLED) ones stay.
 * </ul>
 *
 * The decision depends only on ECS data, the watch's creation time and the clock, so an execution
 * left out is never created again by a later poll. Candidates are executions ECS reported, never
 * children as such: a child anyone wrote with this watch as its controller counts for nothing and
 * is never deleted here. Executions created at the same time are ordered by name, so that the
 * choice never depends on the order of a listing.
 */
final class History {

  /** The limits of {@code spec.history}, checked and parsed; null fields are unset. */
  record Limits(Long successfulLimit, Long failedLimit, Long maxCount, Duration ttlAfterFinished, Duration maxAge) {}

  /** What the decision needs of an execution; times may be null when ECS sent none. */
  record Candidate(String name, String status, Instant created, Instant modified) {}

  private static final Comparator<Candidate> NEWEST_FIRST =
      Comparator.comparing(Candidate::created, Comparator.nullsLast(Comparator.<Instant>reverseOrder()))
          .thenComparing(Candidate::name);

  private History() {}

  static Set<String> keep(List<Candidate> candidates, Limits limits, Instant watchCreated, Instant now) {
    Set<String> kept = new HashSet<>();
    candidates.forEach(c -> kept.add(c.name()));
    if (limits == null) {
      return kept;
    }
    List<Candidate> finished = candidates.stream().filter(History::finished).sorted(NEWEST_FIRST).toList();

    List<Candidate> beforeWatch =
        finished.stream().filter(c -> watchCreated != null && c.created() != null && c.created().isBefore(watchCreated)).toList();
    if (limits.maxAge() != null && watchCreated != null) {
      Instant oldest = watchCreated.minus(limits.maxAge());
      beforeWatch.stream().filter(c -> c.created().isBefore(oldest)).forEach(c -> kept.remove(c.name()));
    }
    if (limits.maxCount() != null) {
      beforeWatch.stream().filter(c -> kept.contains(c.name())).skip(limits.maxCount()).forEach(c -> kept.remove(c.name()));
    }
    if (limits.ttlAfterFinished() != null) {
      Instant cutoff = now.minus(limits.ttlAfterFinished());
      finished.stream().filter(c -> c.modified() != null && c.modified().isBefore(cutoff)).forEach(c -> kept.remove(c.name()));
    }
    limit(finished, kept, History::succeeded, limits.successfulLimit());
    limit(finished, kept, c -> !succeeded(c), limits.failedLimit());
    return kept;
  }

  private static void limit(List<Candidate> newestFirst, Set<String> kept, Predicate<Candidate> kind, Long limit) {
    if (limit != null) {
      newestFirst.stream().filter(kind).filter(c -> kept.contains(c.name())).skip(limit).forEach(c -> kept.remove(c.name()));
    }
  }

  private static boolean finished(Candidate c) {
    return EcsStatus.parse(c.status()).map(EcsStatus::isTerminal).orElse(false);
  }

  private static boolean succeeded(Candidate c) {
    return EcsStatus.parse(c.status()).map(s -> s.outcome() == EcsStatus.Outcome.SUCCEEDED).orElse(false);
  }
}
