package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.util.List;
import java.util.Set;

/**
 * What one listing changes, as {@link ListingPlanner} decides it: the children still to write,
 * what ECS now says about the pipeline, and the executions worth an event.
 *
 * @param writes children to create, update or delete that were not written page by page already,
 *     at most one per name
 * @param view what ECS said, after this poll
 * @param skipped execution IDs ECS listed that cannot be object names, so get no child
 * @param added executions whose children this poll creates
 * @param ended executions that were running and that ECS now reports finished
 * @param collisions child names more than one execution now maps to, where that is news: not
 *     remembered from the poll before, or with other IDs
 * @param unowned executions that get no child because another owns the name they map to
 * @param backedOff names this poll left out because an object the watch does not control holds
 *     them (see {@link TakenNames})
 */
record PollPlan(
    List<Write> writes,
    EcsView view,
    List<String> skipped,
    List<EcsExecution> added,
    List<EcsExecution> ended,
    List<ChildNames.Collision> collisions,
    int unowned,
    Set<String> backedOff) {

  PollPlan(List<Write> writes, EcsView view, List<String> skipped, List<EcsExecution> added, List<EcsExecution> ended) {
    this(writes, view, skipped, added, ended, List.of(), 0, Set.of());
  }

  /** One child to write: {@code existing} is null for a create, {@code desired} for a delete. */
  record Write(String name, ImagePipelineExecution existing, ImagePipelineExecution desired, EcsExecution source) {
    static Write delete(ImagePipelineExecution existing) {
      return new Write(existing.getMetadata().getName(), existing, null, null);
    }
  }

  /**
   * What a poll saw of ECS.
   *
   * @param scope what was listed: everything within the filter, or running executions only
   * @param listed the executions listed, each once
   * @param found running executions the listing did not cover, looked up one by one
   * @param gone running executions ECS no longer knows
   */
  record Observation(ListingScope scope, List<EcsExecution> listed, List<EcsExecution> found, Set<String> gone) {}
}
