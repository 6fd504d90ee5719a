package dev.imagebuilder.operator.observability;

import dev.imagebuilder.operator.observability.BoundedHttpServer.Outcome;
import dev.imagebuilder.operator.observability.BoundedHttpServer.Request;
import dev.imagebuilder.operator.observability.BoundedHttpServer.Response;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The probes and the scrape endpoint, on two ports so that no load on one reaches the other:
 * {@code /healthz} (the process serves) and {@code /readyz} (the operator has started; a replica
 * waiting for the leader lease is ready too) on the probe port, {@code /metrics} on the metrics
 * port, over HTTPS with a Kubernetes bearer token when {@code access} is given. Each port is a
 * {@link BoundedHttpServer}: a client holding connections open, or trickling its headers, is cut
 * off and cannot keep the kubelet's probes from being answered. What happens to connections is
 * counted in {@code imagebuilder_http_connections_total{endpoint, outcome}}.
 */
public final class HttpEndpoints implements AutoCloseable {

  private final BoundedHttpServer probes;
  private final BoundedHttpServer metrics;

  private HttpEndpoints(BoundedHttpServer probes, BoundedHttpServer metrics) {
    this.probes = probes;
    this.metrics = metrics;
  }

  /**
   * Serves the probes on {@code address:probePort} and /metrics on {@code address:metricsPort}
   * (a null address means all interfaces); /metrics over HTTPS, with each request's token
   * reviewed by {@code access}, unless {@code access} is null.
   */
  public static HttpEndpoints start(InetAddress address, int probePort, int metricsPort, PrometheusMeterRegistry registry,
      MetricsAccess access, BooleanSupplier healthy, BooleanSupplier ready) throws IOException {
    var limits = BoundedHttpServer.Limits.DEFAULT;
    BoundedHttpServer probes = BoundedHttpServer.start("probes", address, probePort, null, limits,
        request -> switch (request.path()) {
          case "/healthz" -> probe(healthy);
          case "/readyz" -> probe(ready);
          default -> Response.text(404, "not found\n");
        },
        counters(registry, "probes"));
    try {
      BoundedHttpServer scrape = BoundedHttpServer.start("metrics", address, metricsPort,
          access == null ? null : SelfSignedTls.serverContext("image-pipeline-operator-metrics"), limits,
          request -> request.path().equals(MetricsAccess.PATH) ? scrape(request, registry, access)
              : Response.text(404, "not found\n"),
          counters(registry, "metrics"));
      return new HttpEndpoints(probes, scrape);
    } catch (IOException | RuntimeException e) {
      probes.close();
      throw e;
    }
  }

  private static BoundedHttpServer.Observer counters(PrometheusMeterRegistry registry, String endpoint) {
    Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
    for (Outcome outcome : Outcome.values()) {
      counters.put(outcome, Counter.builder("imagebuilder_http_connections")
          .description("Connections to the probe and metrics ports, by what became of them")
          .tag("endpoint", endpoint)
          .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
    return outcome -> counters.get(outcome).increment();
  }

  private static Response probe(BooleanSupplier check) {
    boolean ok = check.getAsBoolean();
    return Response.text(ok ? 200 : 503, ok ? "ok\n" : "not ready\n");
  }

  private static Response scrape(Request request, PrometheusMeterRegistry registry, MetricsAccess access) {
    if (access != null) {
      var decision = access.decide(request.header("Authorization"));
      switch (decision) {
        case ALLOWED -> { }
        case UNAUTHENTICATED -> {
          return new Response(401, "text/plain; charset=utf-8", "Unauthorized\n".getBytes(StandardCharsets.UTF_8),
              Map.of("WWW-Authenticate", "Bearer"));
        }
        case FORBIDDEN -> {
          return Response.text(403, "Forbidden: the token's user may not get /metrics\n");
        }
        case TOO_MANY_REVIEWS -> {
          return new Response(429, "text/plain; charset=utf-8",
              "too many tokens to review; try again\n".getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "1"));
        }
        case UNAVAILABLE -> {
          return Response.text(503, "the token could not be reviewed\n");
        }
        default -> throw new IllegalStateException(decision.name());
      }
    }
    return new Response(200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape().getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** The probe port as bound. */
  public int port() {
    return probes.port();
  }

  /** The probe address and port as bound. */
  public InetSocketAddress address() {
    return probes.address();
  }

  /** The metrics port as bound. */
  public int metricsPort() {
    return metrics.port();
  }

  @Override
  public void close() {
    probes.close();
    metrics.close();
  }
}
