package dev.imagebuilder.operator.ecs;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The ECS request rate the operator allows itself, per credentials identity, region and API, shared
 * by all watches: ECS throttles per account, region and API, and that limit is shared with the
 * console and Terraform. A token bucket that holds at most one second of requests.
 *
 * <p>The budget is shared fairly between namespaces, as the API server's priority and fairness
 * shares its seats between flows: callers that cannot have a request at once queue per namespace,
 * and each request the rate allows goes to the next namespace in turn that has a caller waiting.
 * A namespace with hundreds of watches gets one share, like a namespace with one. Waiting is
 * bounded by {@link #maxWait()}: a caller that gets no request by then gives up, and its poll is
 * retried later, instead of holding a thread for as long as one namespace's backlog lasts; and by
 * the number of callers that may wait ({@link #admits}), so that one namespace's backlog cannot
 * hold every reconcile thread either.
 */
public final class RequestBudget {

  /** Whose budget a request spends. */
  public record Key(String identity, String regionId, String action) {}

  /** The namespace of callers that named none (tools and tests that call the adapter directly). */
  static final String NO_NAMESPACE = "";

  /**
   * The namespace whose share the calls of this thread spend. A listing runs on the thread of the
   * poll that makes it (watches sharing it wait for its result), so the poll names its namespace
   * around the call, and the two-method {@link ImagePipelines} port stays free of it.
   */
  private static final ThreadLocal<String> NAMESPACE = new ThreadLocal<>();

  /** A namespace named for the calls of this thread until it is closed. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Spends the share of {@code namespace} for the ECS calls this thread makes until closed. */
  public static Scope onBehalfOf(String namespace) {
    String before = NAMESPACE.get();
    NAMESPACE.set(namespace);
    return () -> {
      if (before == null) {
        NAMESPACE.remove();
      } else {
        NAMESPACE.set(before);
      }
    };
  }

  static String currentNamespace() {
    String namespace = NAMESPACE.get();
    return namespace == null ? NO_NAMESPACE : namespace;
  }

  private final double perSecond;
  private final Duration maxWait;
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
    this.maxWait = maxWait(perSecond);
    this.nanoTime = nanoTime;
  }

  /**
   * How long a caller waits for a request at most: the time the rate needs for {@link
   * #WAIT_REQUESTS} requests, at least {@link #MIN_WAIT} and at most {@link #MAX_WAIT} (10 s at
   * the default 2 per second). Long enough that a caller in a namespace of its own, which waits
   * at most one turn per waiting namespace, is served; short enough that a namespace's backlog
   * does not hold the operator's threads.
   */
  static Duration maxWait(double perSecond) {
    long millis = (long) Math.ceil(WAIT_REQUESTS / perSecond * 1000);
    return Duration.ofMillis(Math.max(MIN_WAIT.toMillis(), Math.min(MAX_WAIT.toMillis(), millis)));
  }

  static final int WAIT_REQUESTS = 20;
  static final Duration MIN_WAIT = Duration.ofSeconds(10);
  static final Duration MAX_WAIT = Duration.ofSeconds(60);

  public Duration maxWait() {
    return maxWait;
  }

  /**
   * Waits until a request under {@code key} fits the budget, for the namespace this thread spends
   * for ({@link #onBehalfOf}); false when none came within {@link #maxWait()}.
   */
  public boolean acquire(Key key) throws InterruptedException {
    return acquire(key, currentNamespace());
  }

  boolean acquire(Key key, String namespace) throws InterruptedException {
    if (!admit(namespace)) {
      return false;
    }
    try {
      return acquireAdmitted(key, namespace);
    } finally {
      release(namespace);
    }
  }

  /**
   * Callers waiting at most, per namespace and in all: a waiting caller holds one of the
   * operator's reconcile threads (50), so one namespace may hold a few of them and all waiting
   * callers together never all of them; whoever comes beyond gives up at once, as the API server's
   * priority and fairness rejects past its queue lengths.
   */
  static final int MAX_WAITING_PER_NAMESPACE = 10;

  static final int MAX_WAITING = 40;

  /** Callers waiting now, per namespace; a namespace with none has no entry. */
  private final Map<String, Integer> waiting = new HashMap<>();

  private int waitingInAll;

  /**
   * Whether a caller may wait, with {@code ofNamespace} callers of its namespace and {@code inAll}
   * callers of every namespace already waiting:
   *
   * <ul>
   *   <li>none of its namespace waits: yes, whatever waits in all, so that a few namespaces
   *       filling {@link #MAX_WAITING} cannot turn every other namespace away (each holds at most
   *       one thread beyond the bound, and only for the bounded wait);
   *   <li>its namespace has {@link #MAX_WAITING_PER_NAMESPACE} waiting: no;
   *   <li>{@link #MAX_WAITING} wait in all: no;
   *   <li>otherwise yes.
   * </ul>
   */
  static boolean admits(int ofNamespace, int inAll) {
    return ofNamespace == 0 || (ofNamespace < MAX_WAITING_PER_NAMESPACE && inAll < MAX_WAITING);
  }

  private boolean admit(String namespace) {
    synchronized (waiting) {
      int mine = waiting.getOrDefault(namespace, 0);
      if (!admits(mine, waitingInAll)) {
        return false;
      }
      waiting.put(namespace, mine + 1);
      waitingInAll++;
      return true;
    }
  }

  private void release(String namespace) {
    synchronized (waiting) {
      waiting.computeIfPresent(namespace, (n, count) -> count <= 1 ? null : count - 1);
      waitingInAll--;
    }
  }

  private boolean acquireAdmitted(Key key, String namespace) throws InterruptedException {
    var bucket = bucket(key);
    long deadline = nanoTime.getAsLong() + maxWait.toNanos();
    synchronized (bucket) {
      var ticket = bucket.enter(namespace);
      try {
        while (true) {
          long handedOut = bucket.handedOut;
          long wait = bucket.serve(ticket);
          if (wait == 0) {
            return true;
          }
          if (bucket.handedOut != handedOut) {
            // Requests went to other callers, asleep until their own timers: wake them to take them.
            bucket.notifyAll();
          }
          long left = deadline - nanoTime.getAsLong();
          if (left <= 0) {
            bucket.leave(ticket);
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(bucket, Math.min(wait, left));
        }
      } catch (InterruptedException e) {
        bucket.leave(ticket);
        throw e;
      } finally {
        // Requests handed to others while this caller served the queue: they wake to take them.
        bucket.notifyAll();
      }
    }
  }

  Bucket bucket(Key key) {
    if (buckets.size() > MAX_IDLE_BUCKETS) {
      // An idle full bucket is the same as a new one, so forgetting those changes nothing; keys
      // come from watches (regions, credentials), and their number must not grow without bound.
      buckets.values().removeIf(Bucket::isIdleAndFull);
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(Math.max(1, perSecond), nanoTime.getAsLong()));
  }

  static final int MAX_IDLE_BUCKETS = 256;

  int size() {
    return buckets.size();
  }

  /** One caller waiting for a request. */
  static final class Ticket {
    final String namespace;
    boolean granted;

    Ticket(String namespace) {
      this.namespace = namespace;
    }
  }

  /**
   * The tokens of one key and the callers waiting for them, queued per namespace. All methods
   * run under the bucket's monitor; none sleeps, so the queueing decisions are tested with a
   * fake clock.
   */
  final class Bucket {
    private final double capacity;
    private double tokens;
    private long updated;
    /** Waiting callers per namespace, the namespaces in the order of their turns. */
    private final Map<String, Deque<Ticket>> queues = new LinkedHashMap<>();
    /** Requests handed out so far, so that a caller knows when it served others. */
    long handedOut;

    Bucket(double capacity, long now) {
      this.capacity = capacity;
      this.tokens = capacity;
      this.updated = now;
    }

    synchronized boolean isIdleAndFull() {
      return queues.isEmpty() && tokens + (nanoTime.getAsLong() - updated) / 1e9 * perSecond >= capacity;
    }

    /** A caller of {@code namespace} joins the end of its namespace's queue. */
    synchronized Ticket enter(String namespace) {
      var ticket = new Ticket(namespace);
      queues.computeIfAbsent(namespace, n -> new ArrayDeque<>()).addLast(ticket);
      return ticket;
    }

    /** A caller that gives up leaves its queue (its namespace keeps its turn if others wait). */
    synchronized void leave(Ticket ticket) {
      var queue = queues.get(ticket.namespace);
      if (queue != null && queue.remove(ticket) && queue.isEmpty()) {
        queues.remove(ticket.namespace);
      }
    }

    /**
     * Hands out the requests the rate allows now, one per namespace in turn, and says whether
     * {@code ticket} has one: 0 when it does, else how long until the next request is there.
     *
     * <ul>
     *   <li>a whole token is there and callers wait: the first caller of the namespace whose turn
     *       it is gets it, and that namespace goes to the back of the turns if it has more waiting;
     *   <li>a namespace that joins queues behind those already waiting, so it is served after at
     *       most one request to each of them;
     *   <li>no whole token: nobody is served, and the wait is until the next one.
     * </ul>
     */
    synchronized long serve(Ticket ticket) {
      long now = nanoTime.getAsLong();
      tokens = Math.min(capacity, tokens + (now - updated) / 1e9 * perSecond);
      updated = now;
      while (tokens >= 1 && !queues.isEmpty()) {
        var turn = queues.entrySet().iterator().next();
        String namespace = turn.getKey();
        var queue = turn.getValue();
        queue.removeFirst().granted = true;
        tokens -= 1;
        handedOut++;
        queues.remove(namespace);
        if (!queue.isEmpty()) {
          queues.put(namespace, queue);
        }
      }
      if (ticket.granted) {
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * 1e9));
    }

    synchronized int waiting() {
      return queues.values().stream().mapToInt(Deque::size).sum();
    }
  }
}
