package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What ECS told the operator about one watch's pipeline: executions per status, those still
 * running, the newest execution and the newest success. The watch's status is built from this
 * alone, never from its children, which anyone who may write in the namespace can create or edit.
 * Kept in memory, so small: only running executions are held one by one, and under history limits
 * those whose children the limits keep (name, status and two times each), and IDs that share a
 * child name. An operator that starts afresh has none and lists the whole pipeline first.
 *
 * @param lastFull when ECS last listed the whole pipeline (within the watch's filter)
 * @param counts executions per ECS status, within the watch's filter
 * @param active executions ECS last reported in a status that can still change, by ID
 * @param latest the newest execution by creation time, or null
 * @param latestSuccess the newest successful execution that names an image, or null
 * @param history under history limits, the executions ECS reported whose children the limits
 *     keep, by child name, as ECS reported them: what the limits count in a poll that does not list
 *     them again (empty without limits)
 * @param collisions child names that more than one execution ID maps to, by name
 */
record EcsView(
    Instant lastFull,
    Map<String, Integer> counts,
    Map<String, EcsExecution> active,
    EcsExecution latest,
    EcsExecution latestSuccess,
    Map<String, History.Candidate> history,
    Map<String, ChildNames.Collision> collisions) {

  /**
   * Oldest first by creation time, so the newest execution is the greatest; an execution whose
   * time ECS did not send is the oldest.
   */
  static final Comparator<EcsExecution> NEWEST_LAST =
      Comparator.comparing((EcsExecution e) -> instant(e.creationTime()), Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(EcsExecution::executionId, Comparator.nullsFirst(Comparator.naturalOrder()));

  EcsView {
    counts = Map.copyOf(counts);
    active = Map.copyOf(active);
    history = Map.copyOf(history);
    collisions = Map.copyOf(collisions);
  }

  EcsView(Instant lastFull, Map<String, Integer> counts, Map<String, EcsExecution> active, EcsExecution latest, EcsExecution latestSuccess) {
    this(lastFull, counts, active, latest, latestSuccess, Map.of(), Map.of());
  }

  /** The same view, with what the operator remembers of names and kept history. */
  EcsView withNames(Map<String, History.Candidate> kept, Map<String, ChildNames.Collision> collided) {
    return new EcsView(lastFull, counts, active, latest, latestSuccess, kept, collided);
  }

  /** The view after a complete listing: everything it said, nothing from before. */
  static EcsView ofListing(Collection<EcsExecution> listed, Instant now) {
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, EcsExecution> active = new LinkedHashMap<>();
    var latest = new Newest();
    var success = new Newest();
    for (EcsExecution e : listed) {
      move(counts, e.status(), +1, Set.of());
      if (!terminal(e)) {
        active.put(e.executionId(), e);
      }
      // A listing holds tens of thousands: each creation time is parsed once, not per comparison.
      Instant created = instant(e.creationTime());
      latest.offer(e, created);
      if (succeeded(e)) {
        success.offer(e, created);
      }
    }
    return new EcsView(now, counts, active, latest.execution, success.execution);
  }

  /** The newest execution offered so far, in the order of {@link #NEWEST_LAST}. */
  private static final class Newest {
    private static final Comparator<String> IDS = Comparator.nullsFirst(Comparator.naturalOrder());
    private static final Comparator<Instant> TIMES = Comparator.nullsFirst(Comparator.naturalOrder());
    EcsExecution execution;
    Instant created;

    void offer(EcsExecution candidate, Instant candidateCreated) {
      if (execution == null) {
        execution = candidate;
        created = candidateCreated;
        return;
      }
      int byTime = TIMES.compare(candidateCreated, created);
      if (byTime > 0 || (byTime == 0 && IDS.compare(candidate.executionId(), execution.executionId()) > 0)) {
        execution = candidate;
        created = candidateCreated;
      }
    }
  }

  /**
   * The view after a poll that asked ECS only about running executions.
   *
   * @param seen executions ECS reported in this poll: listed as running, or looked up by ID
   * @param gone IDs of executions that were running and that ECS no longer knows
   * @param filter the watch's status filter (empty for all): counts stay within it
   */
  EcsView after(Collection<EcsExecution> seen, Set<String> gone, Set<String> filter) {
    Map<String, Integer> newCounts = new TreeMap<>(counts);
    Map<String, EcsExecution> newActive = new LinkedHashMap<>(active);
    EcsExecution newLatest = latest;
    EcsExecution newSuccess = latestSuccess;
    for (String id : gone) {
      EcsExecution old = newActive.remove(id);
      if (old != null) {
        move(newCounts, old.status(), -1, filter);
      }
    }
    for (EcsExecution e : seen) {
      EcsExecution old = newActive.remove(e.executionId());
      if (old != null) {
        move(newCounts, old.status(), -1, filter);
      }
      move(newCounts, e.status(), +1, filter);
      if (!terminal(e)) {
        newActive.put(e.executionId(), e);
      }
      newLatest = newer(newLatest, e);
      if (succeeded(e)) {
        newSuccess = newer(newSuccess, e);
      }
    }
    newCounts.values().removeIf(n -> n <= 0);
    return new EcsView(lastFull, newCounts, newActive, newLatest, newSuccess, history, collisions);
  }

  int total() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Whether ECS can still change the execution; a status this version does not know can. */
  static boolean terminal(EcsExecution e) {
    return EcsStatus.parse(e.status()).map(EcsStatus::isTerminal).orElse(false);
  }

  static boolean succeeded(EcsExecution e) {
    return e.imageId() != null
        && !e.imageId().isEmpty()
        && EcsStatus.parse(e.status()).map(s -> s.outcome() == EcsStatus.Outcome.SUCCEEDED).orElse(false);
  }

  private static EcsExecution newer(EcsExecution current, EcsExecution candidate) {
    return current == null || NEWEST_LAST.compare(candidate, current) > 0 ? candidate : current;
  }

  private static void move(Map<String, Integer> counts, String status, int by, Set<String> filter) {
    if (status != null && (filter.isEmpty() || filter.contains(status))) {
      counts.merge(status, by, Integer::sum);
    }
  }

  /**
   * The instant an RFC 3339 time names, or null if it names none. ECS sends whole seconds in UTC
   * ("2026-12-07T01:00:00Z"), read here field by field: {@link Instant#parse} leaves kilobytes of
   * garbage per call, and a listing of tens of thousands parses each execution's times. Anything
   * else, or a field out of range, goes to {@link Instant#parse}, which decides.
   */
  static Instant instant(String rfc3339) {
    if (rfc3339 == null) {
      return null;
    }
    Instant plain = wholeSecondsUtc(rfc3339);
    if (plain != null) {
      return plain;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** "yyyy-MM-ddTHH:mm:ssZ" with every field in range, or null. */
  private static Instant wholeSecondsUtc(String s) {
    if (s.length() != 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
        || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(19) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > Month.of(month).length(Year.isLeap(year))
        || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    return Instant.ofEpochSecond(LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second);
  }

  /** The decimal number of ASCII digits at {@code from}, or -1 if one is not a digit. */
  private static int digits(String s, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
