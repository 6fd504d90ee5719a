package dev.imagebuilder.operator.observability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The probes and the scrape endpoint: {@code /healthz} (the process serves), {@code /readyz} (the
 * operator has started; a replica waiting for the leader lease is ready too) and {@code /metrics}.
 */
public final class HttpEndpoints implements AutoCloseable {

  private final HttpServer server;

  private HttpEndpoints(HttpServer server) {
    this.server = server;
  }

  /** Serves on {@code address:port}; a null address means all interfaces. */
  public static HttpEndpoints start(
      InetAddress address, int port, PrometheusMeterRegistry metrics, BooleanSupplier healthy, BooleanSupplier ready)
      throws IOException {
    var server = HttpServer.create(new InetSocketAddress(address, port), 0);
    server.createContext("/healthz", exchange -> probe(exchange, healthy));
    server.createContext("/readyz", exchange -> probe(exchange, ready));
    server.createContext(
        "/metrics",
        exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "http-endpoints");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new HttpEndpoints(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The address and port as bound. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean ok = check.getAsBoolean();
    respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ready\n");
  }

  private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
