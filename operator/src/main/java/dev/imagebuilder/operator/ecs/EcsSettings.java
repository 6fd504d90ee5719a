package dev.imagebuilder.operator.ecs;

import java.time.Duration;

/**
 * How the operator reaches ECS. Set once for the whole operator, never per watch: an endpoint taken
 * from a custom resource would let any namespace send the operator's credentials anywhere.
 *
 * @param endpoint host[:port] that replaces the regional endpoint, or null to use ECS's own
 * @param protocol https, or http for a local simulator
 * @param network public or vpc, which regional endpoint to use
 * @param maxListed the most executions one listing may hold; a pipeline with more is refused
 *     rather than held in memory without bound
 * @param proxy the HTTP proxy of the ECS calls, or null to reach ECS directly; it is given to the
 *     ECS clients only, never to the JVM or the Kubernetes client
 */
public record EcsSettings(
    String endpoint,
    String protocol,
    String network,
    Duration connectTimeout,
    Duration readTimeout,
    int maxListed,
    EcsProxy proxy) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(20);
  public static final int DEFAULT_MAX_LISTED = 40_000;

  public EcsSettings(String endpoint, String protocol, String network, Duration connectTimeout, Duration readTimeout) {
    this(endpoint, protocol, network, connectTimeout, readTimeout, DEFAULT_MAX_LISTED);
  }

  public EcsSettings(
      String endpoint, String protocol, String network, Duration connectTimeout, Duration readTimeout, int maxListed) {
    this(endpoint, protocol, network, connectTimeout, readTimeout, maxListed, null);
  }

  /** These settings with ECS reached through {@code proxy} (null: directly). */
  public EcsSettings withProxy(EcsProxy proxy) {
    return new EcsSettings(endpoint, protocol, network, connectTimeout, readTimeout, maxListed, proxy);
  }
}
