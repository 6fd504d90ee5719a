package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchStatus;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A person's "poll now": a new value of the operator's own annotation or of Flux's
 * {@code reconcile.fluxcd.io/requestedAt}, which GitOps tools (the Flux CLI, GitLab's refresh
 * button) write. Either way the value is echoed in {@code status.lastHandledReconcileAt} once a
 * poll has handled it.
 *
 * @param own the value of {@link ImagePipelineWatch#RECONCILE_REQUESTED_AT}, or null
 * @param flux the value of {@link ImagePipelineWatch#FLUX_REQUESTED_AT}, or null
 */
record PollRequest(String own, String flux) {

  static PollRequest of(ImagePipelineWatch watch) {
    Map<String, String> annotations = watch.getMetadata().getAnnotations();
    return annotations == null
        ? new PollRequest(null, null)
        : new PollRequest(bounded(annotations.get(ImagePipelineWatch.RECONCILE_REQUESTED_AT)),
            bounded(annotations.get(ImagePipelineWatch.FLUX_REQUESTED_AT)));
  }

  /**
   * The value as status.lastHandledReconcileAt can hold it: anyone who may annotate the watch
   * chooses it, and a value the schema refuses would keep the whole status from being written.
   */
  private static String bounded(String value) {
    return EcsExecution.cut(value, ImagePipelineWatchStatus.MAX_REQUEST_LENGTH);
  }

  /**
   * The value of a request no poll has handled yet, or null. Only one value can be echoed, so the
   * two annotations are told apart by what the last poll saw of them ({@code seen}): a value
   * counts as new when it changed since. When nothing was seen (the operator started since), a
   * status that echoes either value means both were handled; otherwise the operator's own
   * annotation is taken first.
   */
  String pending(PollRequest seen, String lastHandled) {
    if (seen == null && lastHandled != null && (lastHandled.equals(own) || lastHandled.equals(flux))) {
      return null;
    }
    if (isNew(own, seen == null ? null : seen.own, lastHandled)) {
      return own;
    }
    return isNew(flux, seen == null ? null : seen.flux, lastHandled) ? flux : null;
  }

  /**
   * How long a pending request waits before it is honoured, so that rewriting the annotation in a
   * loop does not buy a watch a full, unshared listing each time ({@code spacing}: 10 s, see
   * {@link dev.imagebuilder.operator.OperatorConfig.Retry#requestSpacing()}):
   *
   * <ul>
   *   <li>no request was honoured before ({@code lastHonoured} null): none;
   *   <li>the last was honoured {@code spacing} or longer ago: none;
   *   <li>otherwise until {@code spacing} after the last one (a request is deferred, never
   *       dropped: it is honoured then), and never longer than {@code spacing}, should the clock
   *       have stepped back.
   * </ul>
   */
  static Duration deferral(Instant lastHonoured, Instant now, Duration spacing) {
    if (lastHonoured == null) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(now, lastHonoured.plus(spacing));
    if (left.isNegative() || left.isZero()) {
      return Duration.ZERO;
    }
    return left.compareTo(spacing) > 0 ? spacing : left;
  }

  private static boolean isNew(String value, String seen, String lastHandled) {
    return value != null && !value.equals(seen) && !value.equals(lastHandled);
  }
}
