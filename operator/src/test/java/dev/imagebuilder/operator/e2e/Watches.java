package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Watches and their children as the end-to-end tests read them from the API server: creating a
 * watch from a few lines of spec, asking for a poll, and reading conditions and owned children.
 */
final class Watches {

  private final KubernetesClient client;
  private final String region;

  Watches(KubernetesClient client, String region) {
    this.client = client;
    this.region = region;
  }

  /** Creates a watch of {@code pipeline}; {@code extraSpec} are more lines of spec, indented by two. */
  ImagePipelineWatch create(String ns, String name, String pipeline, String extraSpec) {
    return client.resource(Serialization.unmarshal(yaml(name, pipeline, extraSpec), ImagePipelineWatch.class)).inNamespace(ns).create();
  }

  /** The YAML of a watch of {@code pipeline}, as a user would write it for kubectl. */
  String yaml(String name, String pipeline, String extraSpec) {
    return """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineWatch
        metadata:
          name: %s
        spec:
          regionId: %s
          imagePipelineId: %s
        %s
        """
        .formatted(name, region, pipeline, extraSpec.indent(2));
  }

  ImagePipelineWatch get(String ns, String name) {
    return client.resources(ImagePipelineWatch.class).inNamespace(ns).withName(name).get();
  }

  /**
   * Sets the poll-request annotation to {@code token}; the operator answers in
   * status.lastHandledReconcileAt. The operator patches the status meanwhile, so an edit can meet a
   * newer resourceVersion (409): it is tried again.
   */
  void requestPoll(String ns, String name, String token) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(ImagePipelineWatch.class).inNamespace(ns).withName(name).edit(w -> {
          if (w.getMetadata().getAnnotations() == null) {
            w.getMetadata().setAnnotations(new HashMap<>());
          }
          w.getMetadata().getAnnotations().put(ImagePipelineWatch.RECONCILE_REQUESTED_AT, token);
          return w;
        });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** Asks for a poll and waits until the operator reports it handled. */
  void pollAndWait(String ns, String name, String token) {
    requestPoll(ns, name, token);
    await(
        "poll request " + token + " handled by " + ns + "/" + name,
        () -> {
          var w = get(ns, name);
          return w != null && w.getStatus() != null && token.equals(w.getStatus().getLastHandledReconcileAt());
        });
  }

  /**
   * A condition of the watch, read as generic JSON: a watch stored under an older, looser schema
   * may hold values this test's copy of the Java types cannot (the operator's must).
   */
  Optional<Condition> condition(String ns, String name, String type) {
    var w = generic(ns, name);
    if (w == null || !(w.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
      return Optional.empty();
    }
    if (!(status.get("conditions") instanceof List<?> conditions)) {
      return Optional.empty();
    }
    return conditions.stream()
        .map(c -> Serialization.jsonMapper().convertValue(c, Condition.class))
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  GenericKubernetesResource generic(String ns, String name) {
    return client
        .genericKubernetesResources(ImagePipelineWatch.GROUP + "/" + ImagePipelineWatch.VERSION, "ImagePipelineWatch")
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  /** Names of the watches in {@code ns}, read as generic JSON (see {@link #condition}). */
  List<String> names(String ns) {
    return client
        .genericKubernetesResources(ImagePipelineWatch.GROUP + "/" + ImagePipelineWatch.VERSION, "ImagePipelineWatch")
        .inNamespace(ns)
        .list()
        .getItems()
        .stream()
        .map(w -> w.getMetadata().getName())
        .toList();
  }

  boolean hasCondition(String ns, String name, String type, String status, String reason) {
    return condition(ns, name, type)
        .filter(c -> c.getStatus().equals(status) && (reason == null || reason.equals(c.getReason())))
        .isPresent();
  }

  boolean ready(String ns, String name) {
    return hasCondition(ns, name, "Ready", "True", null);
  }

  /** Waits until the watch is Stalled for {@code reason} and not Ready; returns the Stalled message. */
  String awaitStalled(String ns, String name, String reason) {
    await(
        ns + "/" + name + " Stalled=True/" + reason + " and Ready=False",
        () -> hasCondition(ns, name, "Stalled", "True", reason) && hasCondition(ns, name, "Ready", "False", null));
    return condition(ns, name, "Stalled").map(Condition::getMessage).orElse("");
  }

  List<ImagePipelineExecution> children(String ns) {
    return client.resources(ImagePipelineExecution.class).inNamespace(ns).list().getItems();
  }

  /** The ImagePipelineExecutions whose controller is the watch {@code name} (by its uid). */
  List<ImagePipelineExecution> childrenOf(String ns, String name) {
    var w = generic(ns, name);
    if (w == null) {
      return List.of();
    }
    String uid = w.getMetadata().getUid();
    return children(ns).stream()
        .filter(c -> c.getMetadata().getOwnerReferences() != null
            && c.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> Boolean.TRUE.equals(o.getController()) && Objects.equals(o.getUid(), uid)))
        .toList();
  }

  List<String> childNamesOf(String ns, String name) {
    return childrenOf(ns, name).stream().map(c -> c.getMetadata().getName()).sorted().toList();
  }
}
