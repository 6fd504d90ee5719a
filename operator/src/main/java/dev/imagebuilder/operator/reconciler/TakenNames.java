package dev.imagebuilder.operator.reconciler;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Child names held by objects this watch does not control, and when to try each again. Creating
 * such a child costs a create that fails, a read of the object, and nothing changes until its
 * owner deletes it: so after the n-th failure in a row the name is left out of the next
 * 2<sup>n-1</sup> polls that would write it, at most {@link #MAX_SKIP}. A value, kept in the
 * watch's memory; pure.
 *
 * @param names by child name: how often in a row it was found taken, and how many more polls
 *     leave it out
 */
record TakenNames(Map<String, Backoff> names) {

  /** The most polls a taken name is left out of between two tries. */
  static final int MAX_SKIP = 32;

  /** More names than this and the oldest knowledge is dropped: the memory must stay bounded. */
  static final int MAX_NAMES = 10_000;

  static final TakenNames NONE = new TakenNames(Map.of());

  record Backoff(int failures, int skipLeft) {}

  TakenNames {
    names = Map.copyOf(names);
  }

  /** Whether a poll that would write {@code name} leaves it out this time. */
  boolean skips(String name) {
    var backoff = names.get(name);
    return backoff != null && backoff.skipLeft() > 0;
  }

  /** Whether {@code name} was already known to be taken before this poll. */
  boolean known(String name) {
    return names.containsKey(name);
  }

  /**
   * After a poll: {@code taken} are the names it tried and found taken, {@code skipped} those it
   * left out by {@link #skips}. A name neither tried in vain nor skipped was written, or is no
   * longer wanted: it is forgotten.
   */
  TakenNames after(Collection<String> taken, Set<String> skipped) {
    if (taken.isEmpty() && skipped.isEmpty() && names.isEmpty()) {
      return this;
    }
    Map<String, Backoff> next = new HashMap<>();
    for (String name : skipped) {
      var backoff = names.get(name);
      if (backoff != null) {
        next.put(name, new Backoff(backoff.failures(), Math.max(0, backoff.skipLeft() - 1)));
      }
    }
    for (String name : taken) {
      int failures = names.containsKey(name) ? names.get(name).failures() + 1 : 1;
      next.put(name, new Backoff(failures, skipAfter(failures)));
    }
    if (next.size() > MAX_NAMES) {
      return NONE;
    }
    return new TakenNames(next);
  }

  /**
   * After a poll whose listing failed part-way: {@code taken} are the names its pages tried and
   * found taken. What the listing did not reach says nothing of the others, so they are kept as
   * they are.
   */
  TakenNames afterFailedListing(Collection<String> taken) {
    if (taken.isEmpty()) {
      return this;
    }
    Map<String, Backoff> next = new HashMap<>(names);
    for (String name : taken) {
      int failures = names.containsKey(name) ? names.get(name).failures() + 1 : 1;
      next.put(name, new Backoff(failures, skipAfter(failures)));
    }
    return next.size() > MAX_NAMES ? NONE : new TakenNames(next);
  }

  /** Polls to leave out after {@code failures} failures in a row: 1, 2, 4, ... up to 32. */
  static int skipAfter(int failures) {
    return failures >= 6 ? MAX_SKIP : Math.min(MAX_SKIP, 1 << (failures - 1));
  }
}
