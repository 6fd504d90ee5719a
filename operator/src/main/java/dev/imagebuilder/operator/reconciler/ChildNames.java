package dev.imagebuilder.operator.reconciler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which execution gets which child name. A child is named after its ExecutionId in lower case,
 * but ECS IDs are case-sensitive: {@code Exec-A} and {@code exec-a} are two executions and one
 * object name. Such a name has one owner, the execution whose ID sorts first (by {@link
 * String#compareTo}, so whatever order ECS lists them in), and the others get no child: a child
 * rewritten for each of them in turn would change on every poll. Pure: IDs in, names out.
 */
final class ChildNames {

  /** Object names are DNS subdomains (see {@link #isObjectName}), at most 253 characters. */
  private static final int MAX_NAME = 253;

  /**
   * Executions whose IDs map to one child name.
   *
   * @param name the child name they share
   * @param executionIds their IDs, sorted; the first owns the name
   */
  record Collision(String name, List<String> executionIds) {
    String owner() {
      return executionIds.get(0);
    }
  }

  /**
   * The names of one poll's executions.
   *
   * @param owners the execution ID that owns each name, by name
   * @param invalid IDs that are no object name in lower case, so get no child
   * @param collisions names that more than one execution maps to, by name
   */
  record Assignment(Map<String, String> owners, List<String> invalid, Map<String, Collision> collisions) {

    /** Whether the execution {@code executionId} owns its child name. */
    boolean owns(String executionId) {
      return owns(executionId, of(executionId));
    }

    /** The same, for the name {@link #of} gave {@code executionId}, without working it out again. */
    boolean owns(String executionId, String name) {
      return name != null && executionId.equals(owners.get(name));
    }

    /** IDs that share a name they do not own: these executions get no child. */
    List<String> unowned() {
      List<String> ids = new ArrayList<>();
      collisions.values().forEach(c -> ids.addAll(c.executionIds().subList(1, c.executionIds().size())));
      return ids;
    }
  }

  private ChildNames() {}

  /**
   * Assigns names to {@code executionIds}, where {@code remembered} are the collisions known from
   * earlier polls (IDs ECS reported then, which a poll that lists only running executions does not
   * see again): their IDs take part as if listed now.
   */
  static Assignment assign(Collection<String> executionIds, Map<String, Collision> remembered) {
    // Tens of thousands of IDs per listing, almost never a collision: a set only where there is one.
    Map<String, String> owners = new HashMap<>();
    Map<String, Set<String>> shared = new TreeMap<>();
    List<String> invalid = new ArrayList<>();
    for (String id : executionIds) {
      String name = of(id);
      if (name == null) {
        invalid.add(id);
        continue;
      }
      String owner = owners.putIfAbsent(name, id);
      if (owner != null && !owner.equals(id)) {
        shared.computeIfAbsent(name, n -> new TreeSet<>(List.of(owner))).add(id);
      }
    }
    remembered.forEach((name, c) -> {
      String listed = owners.get(name);
      if (listed != null) {
        shared.computeIfAbsent(name, n -> new TreeSet<>(List.of(listed))).addAll(c.executionIds());
      }
    });
    Map<String, Collision> collisions = new TreeMap<>();
    shared.forEach((name, ids) -> {
      owners.put(name, ids.iterator().next());
      if (ids.size() > 1) {
        collisions.put(name, new Collision(name, List.copyOf(ids)));
      }
    });
    return new Assignment(owners, invalid, collisions);
  }

  /** The child's name: the ExecutionId in lower case, or null when that is no valid object name. */
  static String of(String executionId) {
    if (executionId == null || executionId.isEmpty() || executionId.length() > MAX_NAME) {
      return null;
    }
    String name = executionId.toLowerCase(Locale.ROOT);
    return isObjectName(name) ? name : null;
  }

  /**
   * Whether {@code name} is a DNS subdomain: dot-separated labels of lower-case alphanumerics and
   * '-', each starting and ending with an alphanumeric. The regular expression's meaning, without
   * its cost: asked several times per execution per poll.
   */
  static boolean isObjectName(String name) {
    int labelStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '.') {
        if (i == labelStart || !alphanumeric(name.charAt(labelStart)) || !alphanumeric(name.charAt(i - 1))) {
          return false;
        }
        labelStart = i + 1;
      } else if (!alphanumeric(name.charAt(i)) && name.charAt(i) != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }
}
