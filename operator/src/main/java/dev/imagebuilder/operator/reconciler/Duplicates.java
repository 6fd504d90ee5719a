package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineWatch;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which watch mirrors a pipeline when several in one namespace name it: their children would have
 * the same names, so only the first may write them, the oldest by creation time (then by name).
 */
final class Duplicates {

  private static final Comparator<ImagePipelineWatch> FIRST =
      Comparator.comparing((ImagePipelineWatch w) -> w.getMetadata().getCreationTimestamp(), Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(w -> w.getMetadata().getName());

  private Duplicates() {}

  /** The name of the watch that mirrors this watch's pipeline, when it is another one. */
  static Optional<String> mirroredBy(ImagePipelineWatch watch, WatchSettings settings, Stream<ImagePipelineWatch> all) {
    return all.filter(w -> Objects.equals(w.getMetadata().getNamespace(), watch.getMetadata().getNamespace())
            && settings.pipeline().equals(WatchSettings.pipelineOf(w.getSpec())))
        .min(FIRST)
        .map(w -> w.getMetadata().getName())
        .filter(first -> !first.equals(watch.getMetadata().getName()));
  }
}
