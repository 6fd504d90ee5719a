package dev.imagebuilder.operator.ecs;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The part of ECS the operator needs. Implementations page, time out and classify errors; callers
 * see complete answers or an {@link EcsException}.
 */
public interface ImagePipelines {

  /**
   * Every execution of the pipeline whose status is one of {@code statuses} (all when empty),
   * newest first, fetched {@code pageSize} at a time. Each page also goes to {@code eachPage} as
   * it arrives, so callers can act on it while the next one is fetched; a listing restarted from
   * its first page hands those pages over again.
   */
  List<EcsExecution> listExecutions(
      PipelineRef pipeline, Collection<String> statuses, int pageSize, Consumer<List<EcsExecution>> eachPage)
      throws EcsException;

  /** One execution by its ID, or empty when ECS does not know it (any more). */
  Optional<EcsExecution> findExecution(PipelineRef pipeline, String executionId)
      throws EcsException;
}
