package dev.imagebuilder.operator.ecs;

/** Told about every request the adapter sends to ECS, for metrics. */
@FunctionalInterface
public interface EcsCallObserver {

  /**
   * @param result "OK", the ECS error code, or the name of a network failure
   * @param failure the kind of failure, or null for a success
   */
  void requested(String action, String regionId, String result, EcsException.Kind failure);

  EcsCallObserver NONE = (action, regionId, result, failure) -> {};
}
