package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One ECS listing for all watches that name the same pipeline, region, credentials and status
 * filter: the first to poll lists, the others use its answer while it is fresh, and those that
 * arrive while it is in flight wait for it.
 */
final class SharedListings {

  /** What makes two listings the same; the identity is never a secret. */
  record Key(String identity, String regionId, String imagePipelineId, Set<String> statuses) {}

  /** A listing call that may fail the way ECS calls do. */
  @FunctionalInterface
  interface Call {
    List<EcsExecution> list() throws EcsException;
  }

  private static final class Entry {
    final CompletableFuture<List<EcsExecution>> result = new CompletableFuture<>();
    volatile Instant finished;

    boolean freshAt(Instant now, Duration maxAge) {
      return finished == null || !finished.plus(maxAge).isBefore(now);
    }
  }

  private final Clock clock;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

  SharedListings(Clock clock) {
    this.clock = clock;
  }

  /**
   * How old a listing made for another watch of the same pipeline may be to serve this one: half
   * the interval, so each watch still sees ECS once per interval; none when this watch is alone
   * or a person asked for a poll now.
   */
  static Duration maxAge(WatchSettings settings, boolean requested, Stream<ImagePipelineWatch> all) {
    if (requested) {
      return Duration.ZERO;
    }
    long same = all.filter(w -> settings.pipeline().equals(WatchSettings.pipelineOf(w.getSpec()))).limit(2).count();
    return same > 1 ? settings.interval().dividedBy(2) : Duration.ZERO;
  }

  /** The listing for {@code key}: one finished within {@code maxAge}, one in flight, or a new one. */
  List<EcsExecution> list(Key key, Duration maxAge, Call listing) throws EcsException {
    Instant now = clock.instant();
    // Listings of 50,000 executions are large: none is kept once it is too old for anyone.
    entries.values().removeIf(e -> !e.freshAt(now, maxAge));
    var mine = new Entry();
    var entry = entries.compute(key, (k, old) -> old != null && old.freshAt(now, maxAge) ? old : mine);
    if (entry != mine) {
      try {
        return entry.result.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof EcsException ecs) {
          throw ecs;
        }
        throw e;
      }
    }
    try {
      var result = listing.list();
      mine.finished = clock.instant();
      mine.result.complete(result);
      return result;
    } catch (EcsException | RuntimeException e) {
      // A failure is not shared beyond those already waiting: the next poll asks ECS again.
      entries.remove(key, mine);
      mine.result.completeExceptionally(e);
      throw e;
    }
  }
}
