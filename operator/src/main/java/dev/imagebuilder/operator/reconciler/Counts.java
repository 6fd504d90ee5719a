package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Executions per status after a poll that did not list the whole pipeline: the last full
 * listing's counts, moved by what this poll saw change, so they keep describing ECS even for
 * executions the history limits pruned.
 */
final class Counts {

  private Counts() {}

  /**
   * @param before children as the cache held them
   * @param after children as this poll decided them; an entry that is not the same object as
   *     in {@code before} changed: new, with a new status, or no longer listed by ECS (Retained)
   * @param filter the watch's status filter; statuses outside it are not counted
   */
  static Map<String, Integer> adjusted(
      Map<String, Integer> previous,
      Map<String, ImagePipelineExecution> before,
      Map<String, ImagePipelineExecution> after,
      Set<String> filter) {
    Map<String, Integer> counts = new TreeMap<>(previous);
    after.forEach(
        (name, child) -> {
          var old = before.get(name);
          if (old == child) {
            return;
          }
          move(counts, phase(old), -1, filter);
          move(counts, phase(child), +1, filter);
        });
    counts.values().removeIf(n -> n <= 0);
    return counts;
  }

  private static void move(Map<String, Integer> counts, String status, int by, Set<String> filter) {
    if (status != null && (filter.isEmpty() || filter.contains(status))) {
      counts.merge(status, by, Integer::sum);
    }
  }

  private static String phase(ImagePipelineExecution child) {
    return child == null || child.getStatus() == null || ExecutionChildren.isRetained(child) ? null : child.getStatus().getPhase();
  }
}
