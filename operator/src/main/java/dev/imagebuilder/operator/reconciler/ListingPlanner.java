package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Instant;
import java.util.ArrayList;
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
 * child once, on its page or at the end. Which execution a child name belongs to ({@link
 * ChildNames}) and which children the history limits keep ({@link History}) are decided from
 * what ECS reported alone, never from what children say. Pure: it reads what it is given and
 * writes nothing.
 */
final class ListingPlanner {

  private final ExecutionChildren.Owner owner;
  private final WatchSettings settings;
  private final EcsView before;
  private final Map<String, ImagePipelineExecution> cached;
  private final Map<String, EcsExecution> rejected;
  private final Instant watchCreated;
  private final Instant now;
  private final TakenNames taken;
  /** Executions already compared with their children page by page, by child name. */
  private final Map<String, EcsExecution> compared = new HashMap<>();
  /** Names this poll would have written and left out, being taken (see {@link TakenNames}). */
  private final Set<String> backedOff = new HashSet<>();

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
    this.taken = memory.taken();
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
      String name = ChildNames.of(e.executionId());
      if (name == null || (before != null && before.collisions().containsKey(name))) {
        // A name more than one execution maps to is given to its owner once the listing is known.
        continue;
      }
      EcsExecution previous = compared.get(name);
      if ((previous != null && !previous.executionId().equals(e.executionId())) || e.equals(previous) || anotherIdsChild(name, e)) {
        // Another execution with this name: which one has the child is decided once all are known.
        continue;
      }
      compared.put(name, e);
      write(name, e).ifPresent(writes::add);
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
    Map<String, ChildNames.Collision> remembered = before == null ? Map.of() : before.collisions();
    var names = ChildNames.assign(all.stream().map(EcsExecution::executionId).toList(), seen.scope().full() ? Map.of() : remembered);
    Map<String, EcsExecution> owners = new HashMap<>();
    for (EcsExecution e : all) {
      String name = ChildNames.of(e.executionId());
      if (name == null) {
        skipped.add(e.executionId());
        continue;
      }
      if (!names.owns(e.executionId(), name)) {
        continue;
      }
      owners.put(name, e);
      reported.add(name);
      if (!cached.containsKey(name)) {
        added.add(e);
      }
      // Between full listings, a child that shows another ID of the same name keeps it: the other
      // execution, which only a full listing reports, may own the name.
      if (!e.equals(compared.get(name)) && (seen.scope().full() || !anotherIdsChild(name, e))) {
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
    Map<String, History.Candidate> history = Map.of();
    if (settings.history() != null) {
      history = applyHistory(changed, owners);
      added.removeIf(e -> !changed.containsKey(ChildNames.of(e.executionId())));
    }
    Map<String, ChildNames.Collision> collisions = new HashMap<>(seen.scope().full() ? Map.of() : remembered);
    collisions.putAll(names.collisions());
    List<ChildNames.Collision> newCollisions =
        names.collisions().values().stream().filter(c -> !c.equals(remembered.get(c.name()))).toList();
    int unowned = collisions.values().stream().mapToInt(c -> c.executionIds().size() - 1).sum();
    EcsView view =
        (seen.scope().full() || before == null
            // Lookups of executions that left the filter still move the latest execution and image.
            ? EcsView.ofListing(seen.listed(), now).after(seen.found(), seen.gone(), settings.statusFilter())
            : before.after(all, seen.gone(), settings.statusFilter()))
        .withNames(history, collisions);
    List<EcsExecution> ended = new ArrayList<>();
    if (before != null) {
      for (EcsExecution e : all) {
        if (before.active().containsKey(e.executionId()) && EcsView.terminal(e) && names.owns(e.executionId())) {
          ended.add(e);
        }
      }
    }
    return new PollPlan(List.copyOf(changed.values()), view, skipped, added, ended, newCollisions, unowned, Set.copyOf(backedOff));
  }

  /**
   * The write that makes the child {@code name} show {@code e}, if it does not already; none for a
   * child the API server refused for this very answer of ECS, nor for an object another
   * controller holds, nor for a name found taken that is backed off this poll.
   */
  private Optional<PollPlan.Write> write(String name, EcsExecution e) {
    var child = cached.get(name);
    if (e.equals(rejected.get(name))
        || ExecutionChildren.matches(child, owner, e)
        || (child != null && !ExecutionChildren.ownedBy(child, owner))) {
      return Optional.empty();
    }
    if (child == null && taken.skips(name)) {
      backedOff.add(name);
      return Optional.empty();
    }
    return Optional.of(new PollPlan.Write(name, child, ExecutionChildren.desired(owner, e, child, now), e));
  }

  /** Whether the cached child {@code name} is this watch's and shows another execution of that name. */
  private boolean anotherIdsChild(String name, EcsExecution e) {
    var child = cached.get(name);
    if (child == null || child.getSpec() == null || !ExecutionChildren.ownedBy(child, owner)) {
      return false;
    }
    String shown = child.getSpec().getExecutionId();
    return shown != null && !shown.equals(e.executionId()) && name.equals(ChildNames.of(shown));
  }

  /**
   * Drops the writes and deletes the children that the history limits do not keep, and returns
   * what the limits keep. Only executions ECS reported are counted: those of this poll ({@code
   * reported}, by child name) and those remembered from earlier polls whose children are still
   * there. A child that merely names the watch as its controller, which anyone who may write in
   * the namespace can create, is neither counted nor deleted.
   */
  private Map<String, History.Candidate> applyHistory(Map<String, PollPlan.Write> changed, Map<String, EcsExecution> reported) {
    Map<String, History.Candidate> candidates = new HashMap<>();
    if (before != null) {
      before.history().forEach((name, c) -> {
        var child = cached.get(name);
        if (child != null && ExecutionChildren.ownedBy(child, owner)) {
          candidates.put(name, c);
        }
      });
    }
    reported.forEach((name, e) -> candidates.put(name, candidate(name, e)));
    Set<String> kept = History.keep(List.copyOf(candidates.values()), settings.history(), watchCreated, now);
    Map<String, History.Candidate> remembered = new HashMap<>();
    for (var c : candidates.values()) {
      String name = c.name();
      if (kept.contains(name)) {
        remembered.put(name, c);
        continue;
      }
      changed.remove(name);
      var child = cached.get(name);
      if (child != null && ExecutionChildren.ownedBy(child, owner)) {
        changed.put(name, PollPlan.Write.delete(child));
      }
    }
    return remembered;
  }

  private static History.Candidate candidate(String name, EcsExecution e) {
    return new History.Candidate(name, e.status(), EcsView.instant(e.creationTime()), EcsView.instant(e.modifiedTime()));
  }
}
