package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one poll changes, decided from what it observed and nothing else: the children to write,
 * what ECS now says about the pipeline, and the executions worth an event. A pure function of its
 * inputs; the reconciler observes before and applies after.
 *
 * @param writes children to create, update or delete, at most one per name
 * @param view what ECS said, after this poll
 * @param skipped execution IDs ECS listed that cannot be object names, so get no child
 * @param added executions whose children this poll creates
 * @param ended executions that were running and that ECS now reports finished
 */
record PollPlan(List<Write> writes, EcsView view, List<String> skipped, List<EcsExecution> added, List<EcsExecution> ended) {

  /** One child to write: {@code existing} is null for a create, {@code desired} for a delete. */
  record Write(String name, ImagePipelineExecution existing, ImagePipelineExecution desired, EcsExecution source) {
    static Write delete(ImagePipelineExecution existing) {
      return new Write(existing.getMetadata().getName(), existing, null, null);
    }
  }

  /**
   * What a poll saw of ECS.
   *
   * @param listing what was listed: everything within the filter, or running executions only
   * @param listed the executions listed, each once
   * @param found running executions the listing did not cover, looked up one by one
   * @param gone running executions ECS no longer knows
   */
  record Observation(Listing.Plan listing, List<EcsExecution> listed, List<EcsExecution> found, Set<String> gone) {}

  /**
   * The plan of a poll.
   *
   * @param before what ECS had said before, or null when this operator has not listed the watch yet
   * @param cached the watch's children in the informer cache, by name
   * @param comparedEarly executions already compared with their children while the listing went
   *     on (and written where they differed), so not compared again
   * @param rejected executions whose children the API server refused for good, not to be sent again
   */
  static PollPlan of(
      ExecutionChildren.Owner owner,
      WatchSettings settings,
      EcsView before,
      Observation seen,
      Map<String, ImagePipelineExecution> cached,
      Map<String, EcsExecution> comparedEarly,
      Map<String, EcsExecution> rejected,
      Instant watchCreated,
      Instant now) {
    Map<String, Write> changed = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    List<EcsExecution> added = new ArrayList<>();
    Set<String> reported = new HashSet<>();
    List<EcsExecution> all = new ArrayList<>(seen.listed());
    all.addAll(seen.found());
    for (EcsExecution e : all) {
      String name = ExecutionChildren.name(e.executionId());
      if (name == null) {
        skipped.add(e.executionId());
        continue;
      }
      reported.add(name);
      if (!cached.containsKey(name)) {
        added.add(e);
      }
      if (!e.equals(comparedEarly.get(name))) {
        write(owner, name, e, cached.get(name), rejected, now).ifPresent(w -> changed.put(name, w));
      }
    }
    if (seen.listing().full()) {
      // A complete listing that no longer returns an execution: its child stays, as history.
      Set<String> filter = seen.listing().statuses();
      for (var child : cached.values()) {
        String name = child.getMetadata().getName();
        String phase = child.getStatus() == null ? null : child.getStatus().getPhase();
        if (!reported.contains(name)
            && ExecutionChildren.ownedBy(child, owner)
            && (filter.isEmpty() || filter.contains(phase))
            && !ExecutionChildren.isRetained(child)) {
          changed.put(name, new Write(name, child, ExecutionChildren.retained(child, now), null));
        }
      }
    }
    if (settings.history() != null) {
      applyHistory(owner, settings.history(), cached, changed, watchCreated, now);
      added.removeIf(e -> !changed.containsKey(ExecutionChildren.name(e.executionId())));
    }
    EcsView view =
        seen.listing().full() || before == null
            // Lookups of executions that left the filter still move the latest execution and image.
            ? EcsView.ofListing(seen.listed(), now).after(seen.found(), seen.gone(), settings.statusFilter())
            : before.after(all, seen.gone(), settings.statusFilter());
    List<EcsExecution> ended = new ArrayList<>();
    if (before != null) {
      for (EcsExecution e : all) {
        if (before.active().containsKey(e.executionId()) && EcsView.terminal(e)) {
          ended.add(e);
        }
      }
    }
    return new PollPlan(List.copyOf(changed.values()), view, skipped, added, ended);
  }

  /**
   * The write that makes the child {@code name} show {@code e}, if it does not already; none for an
   * execution without a valid name (null), for a child the API server refused for this very answer
   * of ECS, nor for an object another controller holds.
   */
  static java.util.Optional<Write> write(
      ExecutionChildren.Owner owner, String name, EcsExecution e, ImagePipelineExecution cached, Map<String, EcsExecution> rejected, Instant now) {
    if (name == null
        || e.equals(rejected.get(name))
        || ExecutionChildren.matches(cached, owner, e)
        || (cached != null && !ExecutionChildren.ownedBy(cached, owner))) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Write(name, cached, ExecutionChildren.desired(owner, e, cached, now), e));
  }

  /** Drops the writes and deletes the children that the history limits do not keep. */
  private static void applyHistory(
      ExecutionChildren.Owner owner,
      History.Limits limits,
      Map<String, ImagePipelineExecution> cached,
      Map<String, Write> changed,
      Instant watchCreated,
      Instant now) {
    Map<String, ImagePipelineExecution> after = new LinkedHashMap<>();
    cached.forEach((name, child) -> {
      if (ExecutionChildren.ownedBy(child, owner)) {
        after.put(name, child);
      }
    });
    changed.forEach((name, w) -> after.put(name, w.desired()));
    Set<String> kept = History.keep(candidates(after.values()), limits, watchCreated, now);
    for (String name : after.keySet()) {
      if (kept.contains(name)) {
        continue;
      }
      changed.remove(name);
      var child = cached.get(name);
      if (child != null && ExecutionChildren.ownedBy(child, owner)) {
        changed.put(name, Write.delete(child));
      }
    }
  }

  private static List<History.Candidate> candidates(Collection<ImagePipelineExecution> children) {
    return children.stream()
        .map(c -> new History.Candidate(
            c.getMetadata().getName(),
            c.getStatus() == null ? null : c.getStatus().getPhase(),
            EcsView.instant(c.getStatus() == null ? null : c.getStatus().getCreationTime()),
            EcsView.instant(c.getStatus() == null ? null : c.getStatus().getModifiedTime())))
        .toList();
  }
}
