package dev.imagebuilder.operator;

import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.ecs.EcsProxy;
import dev.imagebuilder.operator.ecs.EcsSettings;
import dev.imagebuilder.operator.reconciler.Durations;
import dev.imagebuilder.operator.reconciler.OwnCredentialGrants;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The operator's settings, read from the environment the Helm chart sets. Credentials are not
 * here: the Alibaba credentials chain reads them itself (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, RRSA
 * variables, the credentials file), so they never pass through this record or its logs.
 *
 * @param ecs how to reach ECS
 * @param namespaces namespaces whose watches are served; empty for all
 * @param watchSelector equality label selector on watches, so several releases can share a
 *     cluster; null for all watches
 * @param defaultInterval poll interval of watches that set none
 * @param childWriteConcurrency how many children are written at once
 * @param httpPort port of /healthz, /readyz and /metrics; 0 for any free port
 * @param httpBindAddress address they listen on; null for all interfaces
 * @param leaderElection the Lease to hold before reconciling, or null to reconcile at once
 * @param requestsPerSecond ECS requests allowed per second, per credentials, region and API
 * @param watchCredentials whether watches may name a Secret with their own credentials
 * @param ownCredentialGrants which namespaces may poll which pipelines with the operator's own
 *     credentials; read once at start, so a change takes effect when the operator restarts
 * @param retry how soon failed polls are retried
 * @param metricsEndpoint where and how /metrics is served
 */
public record OperatorConfig(
    EcsSettings ecs,
    List<String> namespaces,
    String watchSelector,
    Duration defaultInterval,
    int childWriteConcurrency,
    int httpPort,
    InetAddress httpBindAddress,
    LeaderElection leaderElection,
    double requestsPerSecond,
    boolean watchCredentials,
    OwnCredentialGrants ownCredentialGrants,
    Retry retry,
    MetricsEndpoint metricsEndpoint) {

  /**
   * /metrics on a port of its own: over HTTPS with a bearer token checked by TokenReview and
   * SubjectAccessReview when {@code secure} (METRICS_SECURE, the default), plain HTTP otherwise.
   */
  public record MetricsEndpoint(int port, boolean secure) {}

  /** The Lease that one replica of a release holds while it reconciles. */
  public record LeaderElection(String leaseName, String namespace, String identity) {}

  /**
   * Waits after failed polls: transient errors back off from {@code first} doubling to {@code max};
   * throttled polls wait for the next minute plus up to {@code throttleSpread}.
   */
  /**
   * @param requestSpacing the least time between two poll requests (annotation) a watch has
   *     honoured; a new value sooner waits until then
   */
  public record Retry(Duration first, Duration max, Duration throttleSpread, Duration requestSpacing) {
    public static final Retry DEFAULT =
        new Retry(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(10));
  }

  private static final Pattern EQUALITY_SELECTOR =
      Pattern.compile("^[A-Za-z0-9./_-]+(==?|!=)[A-Za-z0-9._-]*(,[A-Za-z0-9./_-]+(==?|!=)[A-Za-z0-9._-]*)*$");

  /** Every setting with its default, for tests and the demo to adjust. */
  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String protocol = oneOf(env, "ECS_PROTOCOL", "https", "https", "http");
    String network = oneOf(env, "ECS_NETWORK", "public", "public", "vpc");
    String endpoint = env.getOrDefault("ECS_ENDPOINT", "").trim();
    List<String> namespaces =
        Arrays.stream(env.getOrDefault("WATCH_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    String selector = env.getOrDefault("WATCH_SELECTOR", "").replace(" ", "");
    if (!selector.isEmpty() && !EQUALITY_SELECTOR.matcher(selector).matches()) {
      throw new IllegalArgumentException(
          "WATCH_SELECTOR must be an equality label selector such as shard=a,team!=x, not '" + selector + "'");
    }
    String interval = env.getOrDefault("DEFAULT_INTERVAL", "1m").trim();
    Duration defaultInterval = durationOrNull(interval);
    if (defaultInterval == null || defaultInterval.compareTo(durationOrNull(ImagePipelineWatchSpec.MIN_INTERVAL)) < 0) {
      throw new IllegalArgumentException("DEFAULT_INTERVAL must be a duration of at least " + ImagePipelineWatchSpec.MIN_INTERVAL
          + " such as 30s, 5m or 1h, not '" + interval + "'");
    }
    LeaderElection election = null;
    if (flag(env, "LEADER_ELECTION")) {
      String namespace = env.getOrDefault("POD_NAMESPACE", "").trim();
      if (namespace.isEmpty()) {
        throw new IllegalArgumentException("LEADER_ELECTION needs POD_NAMESPACE, the namespace of its Lease");
      }
      election =
          new LeaderElection(
              env.getOrDefault("LEADER_ELECTION_LEASE", "image-pipeline-operator").trim(),
              namespace,
              env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", "")).trim());
    }
    return new OperatorConfig(
        new EcsSettings(
            endpoint.isEmpty() ? null : endpoint,
            protocol,
            network,
            EcsSettings.DEFAULT_CONNECT_TIMEOUT,
            EcsSettings.DEFAULT_READ_TIMEOUT,
            number(env, "ECS_MAX_EXECUTIONS_PER_WATCH", EcsSettings.DEFAULT_MAX_LISTED, 1),
            EcsProxy.parse("ECS_PROXY", env.get("ECS_PROXY"))),
        namespaces,
        selector.isEmpty() ? null : selector,
        defaultInterval,
        number(env, "CHILD_WRITE_CONCURRENCY", 8, 1),
        number(env, "HTTP_PORT", 8080, 0),
        bindAddress(env),
        election,
        rate(env),
        flag(env, "WATCH_CREDENTIALS"),
        OwnCredentialGrants.parse("OWN_CREDENTIALS_GRANTS", env.get("OWN_CREDENTIALS_GRANTS")),
        Retry.DEFAULT,
        new MetricsEndpoint(number(env, "METRICS_PORT", 8443, 0), flag(env, "METRICS_SECURE", true)));
  }

  /** Retry timings are not configurable in production; tests shorten them. */
  public OperatorConfig withRetry(Retry retry) {
    return new OperatorConfig(
        ecs, namespaces, watchSelector, defaultInterval, childWriteConcurrency, httpPort, httpBindAddress, leaderElection,
        requestsPerSecond, watchCredentials, ownCredentialGrants, retry, metricsEndpoint);
  }

  /** Connection settings with other timeouts, for tests that provoke a read timeout. */
  public OperatorConfig withEcs(EcsSettings ecs) {
    return new OperatorConfig(
        ecs, namespaces, watchSelector, defaultInterval, childWriteConcurrency, httpPort, httpBindAddress, leaderElection,
        requestsPerSecond, watchCredentials, ownCredentialGrants, retry, metricsEndpoint);
  }

  private static String oneOf(Map<String, String> env, String name, String fallback, String... allowed) {
    String value = env.getOrDefault(name, fallback).trim();
    if (!Arrays.asList(allowed).contains(value)) {
      throw new IllegalArgumentException(name + " must be " + String.join(" or ", allowed) + ", not '" + value + "'");
    }
    return value;
  }

  /** IPv4 dotted quads (no leading zeros), or text with a colon, which InetAddress reads as IPv6 without a lookup. */
  private static final Pattern IP_LITERAL =
      Pattern.compile("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$|^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$");

  /** Literals only: a host name would make what the endpoints expose depend on a DNS answer. */
  private static InetAddress bindAddress(Map<String, String> env) {
    String value = env.getOrDefault("HTTP_BIND_ADDRESS", "").trim();
    if (value.isEmpty()) {
      return null;
    }
    if (IP_LITERAL.matcher(value).matches()) {
      try {
        return InetAddress.getByName(value);
      } catch (UnknownHostException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException("HTTP_BIND_ADDRESS must be an IP address such as 127.0.0.1 or ::1, not '" + value + "'");
  }

  /** Conservative: ECS's own limits are per account and shared with the console and Terraform. */
  static final double DEFAULT_REQUESTS_PER_SECOND = 2;

  private static double rate(Map<String, String> env) {
    String value = env.getOrDefault("ECS_REQUESTS_PER_SECOND", "").trim();
    if (value.isEmpty()) {
      return DEFAULT_REQUESTS_PER_SECOND;
    }
    try {
      double rate = Double.parseDouble(value);
      if (rate > 0 && rate < 10_000) {
        return rate;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("ECS_REQUESTS_PER_SECOND must be a positive number such as 2 or 0.5, not '" + value + "'");
  }

  private static boolean flag(Map<String, String> env, String name) {
    return flag(env, name, false);
  }

  private static boolean flag(Map<String, String> env, String name, boolean fallback) {
    String value = env.getOrDefault(name, String.valueOf(fallback)).trim();
    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(name + " must be true or false, not '" + value + "'");
    }
    return Boolean.parseBoolean(value);
  }

  private static Duration durationOrNull(String text) {
    try {
      return Durations.parse("DEFAULT_INTERVAL", text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int number(Map<String, String> env, String name, int fallback, int min) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= min) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a whole number of at least " + min + ", not '" + value + "'");
  }
}
