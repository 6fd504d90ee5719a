package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
 * arrive while it is in flight wait for it (and share its failure, such as a listing stopped at
 * its page or time limit, as soon as it ends).
 *
 * <p>Finished listings are kept for at most {@link #MAX_KEPT}, and together for at most {@link
 * #MAX_BYTES} as {@link #estimatedBytes} counts them: past that, the oldest go first. A listing
 * that is not kept only costs the next watch a listing of its own.
 */
final class SharedListings {

  /** The longest a finished listing is kept, whatever the intervals of the watches sharing it. */
  static final Duration MAX_KEPT = Duration.ofMinutes(10);

  /** What finished listings may hold together: a few listings of the largest pipelines. */
  static final long MAX_BYTES = 32L * 1024 * 1024;

  /**
   * What makes two listings the same; the identity is never a secret. The page size is part of it:
   * a watch that pages by one execution must not keep the others of its pipeline waiting on its
   * listing for its whole time limit.
   */
  record Key(String identity, String regionId, String imagePipelineId, Set<String> statuses, int pageSize) {}

  /** A listing call that may fail the way ECS calls do. */
  @FunctionalInterface
  interface Call {
    List<EcsExecution> list() throws EcsException;
  }

  private static final class Entry {
    final CompletableFuture<List<EcsExecution>> result = new CompletableFuture<>();
    volatile Instant finished;
    volatile long bytes;

    boolean freshAt(Instant now, Duration maxAge) {
      return finished == null || !finished.plus(maxAge).isBefore(now);
    }
  }

  private final Clock clock;
  private final Duration maxKept;
  private final long maxBytes;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

  SharedListings(Clock clock) {
    this(clock, MAX_KEPT, MAX_BYTES);
  }

  SharedListings(Clock clock, Duration maxKept, long maxBytes) {
    this.clock = clock;
    this.maxKept = maxKept;
    this.maxBytes = maxBytes;
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
    Duration age = maxAge.compareTo(maxKept) > 0 ? maxKept : maxAge;
    // Listings of 50,000 executions are large: none is kept once it is too old for anyone.
    entries.values().removeIf(e -> !e.freshAt(now, age));
    var mine = new Entry();
    var entry = entries.compute(key, (k, old) -> old != null && old.freshAt(now, age) ? old : mine);
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
      mine.bytes = estimatedBytes(result);
      mine.finished = clock.instant();
      mine.result.complete(result);
      keepWithinBudget();
      return result;
    } catch (EcsException | RuntimeException e) {
      // A failure is not shared beyond those already waiting: the next poll asks ECS again.
      entries.remove(key, mine);
      mine.result.completeExceptionally(e);
      throw e;
    }
  }

  /** Drops the oldest finished listings until those kept fit {@link #MAX_BYTES}. */
  private synchronized void keepWithinBudget() {
    long total = 0;
    List<Map.Entry<Key, Entry>> finished = new ArrayList<>();
    for (var e : entries.entrySet()) {
      if (e.getValue().finished != null) {
        finished.add(e);
        total += e.getValue().bytes;
      }
    }
    finished.sort(Comparator.comparing(e -> e.getValue().finished));
    for (var e : finished) {
      if (total <= maxBytes) {
        break;
      }
      if (entries.remove(e.getKey(), e.getValue())) {
        total -= e.getValue().bytes;
      }
    }
  }

  /** The listings kept, and what they hold by {@link #estimatedBytes}. */
  int kept() {
    return entries.size();
  }

  long keptBytes() {
    return entries.values().stream().mapToLong(e -> e.bytes).sum();
  }

  /**
   * What a listing holds on the heap, from above: each execution's object and references, and each
   * string as its header and two bytes a character (its tags too).
   */
  static long estimatedBytes(List<EcsExecution> listing) {
    long bytes = 16 + 4L * listing.size();
    for (EcsExecution e : listing) {
      bytes += 56
          + string(e.executionId()) + string(e.imagePipelineId()) + string(e.status()) + string(e.imageId())
          + string(e.message()) + string(e.creationTime()) + string(e.modifiedTime()) + string(e.resourceGroupId());
      for (var tag : e.tags().entrySet()) {
        bytes += 48 + string(tag.getKey()) + string(tag.getValue());
      }
    }
    return bytes;
  }

  private static long string(String s) {
    return s == null ? 0 : 40 + 2L * s.length();
  }
}
