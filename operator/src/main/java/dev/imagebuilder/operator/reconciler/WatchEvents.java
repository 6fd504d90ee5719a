package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.EcsStatus;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on a watch, recorded when something changes and never once per poll. Which
 * events a poll gives is decided here from what changed (old conditions against new, the
 * executions ECS newly reported or reported ended); {@link #record} is the one place they are sent.
 */
final class WatchEvents {

  static final String COMPONENT = "image-pipeline-operator";
  private static final Logger LOG = LoggerFactory.getLogger(WatchEvents.class);

  /** An event to record on the watch. */
  record Event(String type, String reason, String message) {}

  private WatchEvents() {}

  /**
   * One event per condition whose status changed: Warning when it turned bad (Stalled=True,
   * Ready=False), Normal otherwise. Reconciling is left out; Ready already tells that story.
   */
  static List<Event> transitions(List<Condition> before, List<Condition> after) {
    List<Event> events = new ArrayList<>();
    // Ready=False and Stalled=True usually turn together with the same reason: one event says it.
    Set<String> recorded = new HashSet<>();
    for (Condition c : after) {
      // Unknown is a sync under way: the event comes when it ends.
      if (c.getType().equals(WatchStatuses.RECONCILING) || Conditions.UNKNOWN.equals(c.getStatus())) {
        continue;
      }
      String old = Conditions.find(before, c.getType()).map(Condition::getStatus).orElse(null);
      if (Objects.equals(old, c.getStatus()) || (old == null && !bad(c) && !c.getType().equals(WatchStatuses.READY))) {
        continue;
      }
      if (recorded.add(c.getReason() + "\u0000" + c.getMessage())) {
        events.add(new Event(bad(c) ? "Warning" : "Normal", c.getReason(), c.getMessage()));
      }
    }
    return events;
  }

  /** Event messages are cut here, whatever went into them. */
  static final int MAX_MESSAGE = 1024;

  /** Executions named in one event at most; the rest are counted. */
  static final int MAX_NAMED = 5;

  /**
   * After a successful poll: one event for the executions that appeared (or, on the first sync,
   * how many were imported), and one per execution that ended, up to five, so a poll that finds
   * many never floods the namespace.
   */
  static List<Event> executionChanges(boolean firstSync, List<EcsExecution> added, List<EcsExecution> ended) {
    List<Event> events = new ArrayList<>();
    if (firstSync) {
      if (!added.isEmpty()) {
        events.add(new Event("Normal", "Imported", "Imported " + added.size() + " executions from ECS"));
      }
      return events;
    }
    if (!added.isEmpty()) {
      List<String> names = added.stream().map(e -> ExecutionChildren.name(e.executionId()) + " (" + e.status() + ")").toList();
      events.add(new Event("Normal", "NewExecutions", named(added.size() + " new executions: ", names)));
    }
    ended.stream().limit(MAX_NAMED).forEach(e -> {
      boolean succeeded = EcsStatus.parse(e.status()).map(s -> s.outcome() == EcsStatus.Outcome.SUCCEEDED).orElse(false);
      String image = e.imageId() == null || e.imageId().isEmpty() ? "" : " with image " + e.imageId();
      events.add(new Event(succeeded ? "Normal" : "Warning", succeeded ? "ExecutionSucceeded" : "ExecutionFailed",
          ExecutionChildren.name(e.executionId()) + " ended " + e.status() + image));
    });
    if (ended.size() > MAX_NAMED) {
      events.add(new Event("Normal", "ExecutionsEnded", (ended.size() - MAX_NAMED) + " more executions ended"));
    }
    return events;
  }

  /**
   * One Warning event per poll and reason for executions that get no child: an ExecutionId that
   * is no object name, a child the API server refused, a name another object already has.
   */
  static List<Event> notMirrored(String reason, String why, List<String> names) {
    return names.isEmpty() ? List.of() : List.of(new Event("Warning", reason, named(names.size() + " executions " + why + ": ", names)));
  }

  /**
   * A Warning event for execution IDs that differ only in case and so map to one child name:
   * recorded when the collision is first seen or its IDs change, not on every poll.
   */
  static Event nameCollision(ChildNames.Collision c) {
    List<String> others = c.executionIds().subList(1, c.executionIds().size());
    return new Event("Warning", "ExecutionNameCollision",
        named("executions whose IDs differ only in case map to the child name " + EcsExecution.cut(c.name(), 100) + ": "
            + EcsExecution.cut(c.owner(), 100) + " has it (its ID sorts first) and these get no child: ", others));
  }

  private static String named(String prefix, List<String> names) {
    String shown =
        names.subList(0, Math.min(MAX_NAMED, names.size())).stream()
            .map(n -> EcsExecution.cut(String.valueOf(n), 100))
            .collect(java.util.stream.Collectors.joining(", "));
    return prefix + shown + (names.size() > MAX_NAMED ? " and " + (names.size() - MAX_NAMED) + " more" : "");
  }

  static void record(KubernetesClient client, ImagePipelineWatch watch, Event recorded, Instant now) {
    String type = recorded.type();
    String reason = recorded.reason();
    String message = recorded.message();
    var meta = watch.getMetadata();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(meta.getName().substring(0, Math.min(200, meta.getName().length())).replaceAll("[^a-z0-9]+$", "") + ".")
            .withNamespace(meta.getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(watch.getApiVersion())
                    .withKind(watch.getKind())
                    .withName(meta.getName())
                    .withNamespace(meta.getNamespace())
                    .withUid(meta.getUid())
                    .withResourceVersion(meta.getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(EcsExecution.cut(message, MAX_MESSAGE))
            .withFirstTimestamp(Conditions.timestamp(now))
            .withLastTimestamp(Conditions.timestamp(now))
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy; failing to record one must not fail the sync.
      if (namespaceTerminating(e.getStatus())) {
        // The namespace is being deleted, the watch with it: nothing is wrong and nothing is lost.
        LOG.debug("Not recording event {} on {}/{}: the namespace is being deleted", reason, meta.getNamespace(), meta.getName());
      } else {
        LOG.warn("Could not record event {} on {}/{}: HTTP {}", reason, meta.getNamespace(), meta.getName(), e.getCode());
      }
    }
  }

  /**
   * Whether the API server refused new content because the namespace is being deleted (403 with the
   * cause NamespaceTerminating), which Kubernetes' own event recorder also drops quietly.
   */
  static boolean namespaceTerminating(Status status) {
    return status != null
        && status.getDetails() != null
        && status.getDetails().getCauses() != null
        && status.getDetails().getCauses().stream().anyMatch(c -> NAMESPACE_TERMINATING.equals(c.getReason()));
  }

  private static final String NAMESPACE_TERMINATING = "NamespaceTerminating";

  private static boolean bad(Condition c) {
    return (c.getType().equals(WatchStatuses.STALLED) && Conditions.TRUE.equals(c.getStatus()))
        || (c.getType().equals(WatchStatuses.READY) && Conditions.FALSE.equals(c.getStatus()));
  }
}
