package dev.imagebuilder.operator;

import dev.imagebuilder.operator.ecs.EcsSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The operator's settings, read from the environment the Helm chart sets. Credentials are not
 * here: the Alibaba credentials chain reads them itself (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, RRSA
 * variables, the credentials file), so they never pass through this record or its logs.
 *
 * @param ecs how to reach ECS
 * @param namespaces namespaces whose watches are served; empty for all
 * @param childWriteConcurrency how many children are written at once
 * @param retry how soon failed polls are retried
 */
public record OperatorConfig(
    EcsSettings ecs, List<String> namespaces, int childWriteConcurrency, Retry retry) {

  /**
   * Waits after failed polls: transient errors back off from {@code first} doubling to {@code max};
   * throttled polls wait for the next minute plus up to {@code throttleSpread}.
   */
  public record Retry(Duration first, Duration max, Duration throttleSpread) {
    public static final Retry DEFAULT =
        new Retry(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(10));
  }

  public OperatorConfig withRetry(Retry retry) {
    return new OperatorConfig(ecs, namespaces, childWriteConcurrency, retry);
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String protocol = env.getOrDefault("ECS_PROTOCOL", "https").trim();
    if (!protocol.equals("https") && !protocol.equals("http")) {
      throw new IllegalArgumentException("ECS_PROTOCOL must be https or http, not '" + protocol + "'");
    }
    String network = env.getOrDefault("ECS_NETWORK", "public").trim();
    if (!network.equals("public") && !network.equals("vpc")) {
      throw new IllegalArgumentException("ECS_NETWORK must be public or vpc, not '" + network + "'");
    }
    String endpoint = env.getOrDefault("ECS_ENDPOINT", "").trim();
    List<String> namespaces =
        Arrays.stream(env.getOrDefault("WATCH_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    int concurrency = positive(env, "CHILD_WRITE_CONCURRENCY", 8);
    return new OperatorConfig(
        new EcsSettings(
            endpoint.isEmpty() ? null : endpoint,
            protocol,
            network,
            EcsSettings.DEFAULT_CONNECT_TIMEOUT,
            EcsSettings.DEFAULT_READ_TIMEOUT),
        namespaces,
        concurrency,
        Retry.DEFAULT);
  }

  private static int positive(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed > 0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a positive whole number, not '" + value + "'");
  }
}
