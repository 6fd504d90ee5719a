package dev.imagebuilder.operator.ecs;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The ECS request rate the operator allows itself, per credentials identity, region and API, shared
 * by all watches: ECS throttles per account, region and API, and that limit is shared with the
 * console and Terraform. A token bucket that holds at most one second of requests; callers wait
 * for their turn instead of being refused.
 */
public final class RequestBudget {

  /** Whose budget a request spends. */
  public record Key(String identity, String regionId, String action) {}

  private final double perSecond;
  private final LongSupplier nanoTime;
  private final Map<Key, Bucket> buckets = new ConcurrentHashMap<>();

  public RequestBudget(double perSecond) {
    this(perSecond, System::nanoTime);
  }

  RequestBudget(double perSecond, LongSupplier nanoTime) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("the ECS request rate must be positive, not " + perSecond);
    }
    this.perSecond = perSecond;
    this.nanoTime = nanoTime;
  }

  /** Waits until a request under {@code key} fits the budget. */
  public void acquire(Key key) throws InterruptedException {
    long wait = reserve(key);
    if (wait > 0) {
      Thread.sleep(Duration.ofNanos(wait).toMillis(), (int) (wait % 1_000_000));
    }
  }

  /** Takes a token and returns how long to wait before using it (0 when one is there now). */
  long reserve(Key key) {
    if (buckets.size() > MAX_IDLE_BUCKETS) {
      // A full bucket is the same as a new one, so forgetting the full ones changes nothing; keys
      // come from watches (regions, credentials), and their number must not grow without bound.
      buckets.values().removeIf(Bucket::isFull);
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(Math.max(1, perSecond), nanoTime.getAsLong())).reserve();
  }

  static final int MAX_IDLE_BUCKETS = 256;

  int size() {
    return buckets.size();
  }

  private final class Bucket {
    private final double capacity;
    private double tokens;
    private long updated;

    Bucket(double capacity, long now) {
      this.capacity = capacity;
      this.tokens = capacity;
      this.updated = now;
    }

    synchronized boolean isFull() {
      return tokens + (nanoTime.getAsLong() - updated) / 1e9 * perSecond >= capacity;
    }

    synchronized long reserve() {
      long now = nanoTime.getAsLong();
      tokens = Math.min(capacity, tokens + (now - updated) / 1e9 * perSecond);
      updated = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / perSecond * 1e9);
    }
  }
}
