package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on a watch, recorded when something changes and never once per poll. */
final class WatchEvents {

  static final String COMPONENT = "image-pipeline-operator";
  private static final Logger LOG = LoggerFactory.getLogger(WatchEvents.class);

  private WatchEvents() {}

  /**
   * One event per condition whose status changed: Warning when it turned bad (Stalled=True,
   * Ready=False), Normal otherwise. Reconciling is left out; Ready already tells that story.
   */
  static void conditionTransitions(
      KubernetesClient client, ImagePipelineWatch watch, List<Condition> before, List<Condition> after, Instant now) {
    for (Condition c : after) {
      if (c.getType().equals(WatchStatuses.RECONCILING)) {
        continue;
      }
      String old = Conditions.find(before, c.getType()).map(Condition::getStatus).orElse(null);
      if (Objects.equals(old, c.getStatus()) || (old == null && !bad(c) && !c.getType().equals(WatchStatuses.READY))) {
        continue;
      }
      record(client, watch, bad(c) ? "Warning" : "Normal", c.getReason(), c.getMessage(), now);
    }
  }

  static void record(
      KubernetesClient client, ImagePipelineWatch watch, String type, String reason, String message, Instant now) {
    var meta = watch.getMetadata();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(meta.getName() + ".")
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
            .withMessage(message)
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
      LOG.warn("Could not record event {} on {}/{}: HTTP {}", reason, meta.getNamespace(), meta.getName(), e.getCode());
    }
  }

  private static boolean bad(Condition c) {
    return (c.getType().equals(WatchStatuses.STALLED) && Conditions.TRUE.equals(c.getStatus()))
        || (c.getType().equals(WatchStatuses.READY) && Conditions.FALSE.equals(c.getStatus()));
  }
}
