package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plans one listing of a watch's executions as it arrives: each page offered gives the writes it
 * needs at once (so children are written while the next page is fetched), and {@link #finish}
 * gives the rest of the plan once ECS has said everything. Each execution is compared with its
 * child once, on its page or at the end. Pure: it reads what it is given and writes nothing.
 */
final class ListingPlanner {

  private final ExecutionChildren.Owner owner;
  private final WatchSettings settings;
  private final EcsView before;
  private final Map<String, ImagePipelineExecution> cached;
  private final Map<String, EcsExecution> rejected;
  private final Instant watchCreated;
  private final Instant now;
  /** Executions already compared with their children page by page, by child name. */
  private final Map<String, EcsExecution> compared = new HashMap<>();

  /**
   * @param memory what ECS said before (its view) and the children refused for good, not to be
   *     sent again for the same answer
   * @param cached the watch's children in the informer cache, by name
   */
  ListingPlanner(ImagePipelineWatch watch, WatchSettings settings, WatchMemory memory, Map<String, ImagePipelineExecution> cached, Instant now) {
    this.owner = ExecutionChildren.Owner.of(watch, settings);
    this.settings = settings;
    this.before = memory.view();
    this.cached = cached;
    this.rejected = memory.rejected();
    this.watchCreated = EcsView.instant(watch.getMetadata().getCreationTimestamp());
    this.now = now;
  }

  /**
   * The writes one page needs now. None under history limits: which executions are kept depends on
   * all of them, so nothing is written before the whole listing is known.
   */
  List<PollPlan.Write> offer(List<EcsExecution> page) {
    if (settings.history() != null) {
      return List.of();
    }
    List<PollPlan.Write> writes = new ArrayList<>();
    for (EcsExecution e : page) {
      String name = ExecutionChildren.name(e.executionId());
      if (name != null && !e.equals(compared.put(name, e))) {
        write(name, e).ifPresent(writes::add);
      }
    }
    return writes;
  }

  /** The plan once ECS has said everything: the writes not made page by page, and what ECS says. */
  PollPlan finish(PollPlan.Observation seen) {
    Map<String, PollPlan.Write> changed = new LinkedHashMap<>();
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
      if (!e.equals(compared.get(name))) {
        write(name, e).ifPresent(w -> changed.put(name, w));
      }
    }
    if (seen.scope().full()) {
      // A complete listing that no longer returns an execution: its child stays, as history.
      Set<String> filter = seen.scope().statuses();
      for (var child : cached.values()) {
        String name = child.getMetadata().getName();
        String phase = child.getStatus() == null ? null : child.getStatus().getPhase();
        if (!reported.contains(name)
            && ExecutionChildren.ownedBy(child, owner)
            && (filter.isEmpty() || filter.contains(phase))
            && !ExecutionChildren.isRetained(child)) {
          changed.put(name, new PollPlan.Write(name, child, ExecutionChildren.retained(child, now), null));
        }
      }
    }
    if (settings.history() != null) {
      applyHistory(changed);
      added.removeIf(e -> !changed.containsKey(ExecutionChildren.name(e.executionId())));
    }
    EcsView view =
        seen.scope().full() || before == null
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
   * The write that makes the child {@code name} show {@code e}, if it does not already; none for a
   * child the API server refused for this very answer of ECS, nor for an object another
   * controller holds.
   */
  private Optional<PollPlan.Write> write(String name, EcsExecution e) {
    var child = cached.get(name);
    if (e.equals(rejected.get(name))
        || ExecutionChildren.matches(child, owner, e)
        || (child != null && !ExecutionChildren.ownedBy(child, owner))) {
      return Optional.empty();
    }
    return Optional.of(new PollPlan.Write(name, child, ExecutionChildren.desired(owner, e, child, now), e));
  }

  /** Drops the writes and deletes the children that the history limits do not keep. */
  private void applyHistory(Map<String, PollPlan.Write> changed) {
    Map<String, ImagePipelineExecution> after = new LinkedHashMap<>();
    cached.forEach((name, child) -> {
      if (ExecutionChildren.ownedBy(child, owner)) {
        after.put(name, child);
      }
    });
    changed.forEach((name, w) -> after.put(name, w.desired()));
    Set<String> kept = History.keep(candidates(after.values()), settings.history(), watchCreated, now);
    for (String name : after.keySet()) {
      if (kept.contains(name)) {
        continue;
      }
      changed.remove(name);
      var child = cached.get(name);
      if (child != null && ExecutionChildren.ownedBy(child, owner)) {
        changed.put(name, PollPlan.Write.delete(child));
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
