package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.KeyCertOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * The HTTP side of the embedded API server: a Vert.x HTTPS server on 127.0.0.1 in front of the CRUD {@link Store},
 * answering only requests that bear its one bearer token (401 with an Unauthorized Status otherwise, health and
 * discovery included). The mock's own MockWebServer cannot stream a response body, which a watch streamed over HTTP
 * rather than a WebSocket ({@code kubectl get -w}, {@code kubectl delete}'s wait, client-go) needs, so this front
 * replaces it while keeping the mock's dispatcher and its WebSocket watch handling. It answers itself what the mock
 * lacks: {@code /version}, {@code /healthz}, {@code /readyz}, {@code /livez}, discovery, OpenAPI; and adapts the
 * mock's answers: Table printing, set-based label selectors, list kinds, Status bodies on errors, JSON content types.
 */
final class ApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final String JSON = "application/json";

  private final ObjectMapper json;
  private final Store store;
  private final Discovery discovery;
  private final OpenApi openApi;
  private final TablePrinter tables;
  private final ObjectNode version;
  private final Protobuf protobuf;
  private final byte[] authorization;
  private final Vertx vertx = Vertx.vertx();
  private final ExecutorService closer = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "embedded-kubernetes-watch-close");
    t.setDaemon(true);
    return t;
  });
  private HttpServer server;
  private String address;

  ApiServer(ObjectMapper json, Store store, Discovery discovery, OpenApi openApi, TablePrinter tables,
      ObjectNode version, String token) {
    this.json = json;
    this.store = store;
    this.discovery = discovery;
    this.openApi = openApi;
    this.tables = tables;
    this.version = version;
    this.protobuf = new Protobuf(json);
    this.authorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  /** Listens on {@code host:port} (0 = ephemeral) over TLS with {@code certificate} and returns the bound port. */
  int listen(String host, int port, ServingCertificate certificate) {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(certificate.keyManagers()))
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(false)
        .setWebSocketSubProtocols(List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io",
            "channel.k8s.io"));
    server = vertx.createHttpServer(options).requestHandler(this::accept);
    try {
      server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + host + ":" + port, e);
    }
    address = host + ":" + server.actualPort();
    return server.actualPort();
  }

  private void accept(HttpServerRequest req) {
    if (!authorized(req)) {
      // Before the body is read: a client without the token cannot make the server read, buffer
      // or parse anything it sends. The connection is closed, since the body was not consumed.
      req.response().putHeader("Connection", "close");
      req.response().setStatusCode(401).putHeader("Content-Type", JSON)
          .end(Buffer.buffer(status(401, "Unauthorized", "Unauthorized").toString()))
          .onComplete(done -> req.connection().close());
      return;
    }
    if (isUpgrade(req)) {
      handle(req, new byte[0]);
      return;
    }
    req.body()
        .onSuccess(body -> {
          try {
            handle(req, body.getBytes());
          } catch (RuntimeException e) {
            LOG.warn("{} {} failed", req.method(), req.uri(), e);
            if (!req.response().headWritten()) {
              respond(req.response(), 500, status(500, "InternalError", String.valueOf(e.getMessage())));
            }
          }
        })
        .onFailure(e -> LOG.debug("reading {} failed", req.uri(), e));
  }

  private void handle(HttpServerRequest req, byte[] body) {
    if (!authorized(req)) {
      respond(req.response(), 401, status(401, "Unauthorized", "Unauthorized"));
      return;
    }
    String path = req.path();
    boolean read = req.method() == io.vertx.core.http.HttpMethod.GET
        || req.method() == io.vertx.core.http.HttpMethod.HEAD;
    if (read) {
      Optional<JsonNode> builtIn = builtIn(req, path);
      if (builtIn.isPresent()) {
        respond(req.response(), 200, builtIn.get());
        return;
      }
      if (path.equals("/healthz") || path.equals("/readyz") || path.equals("/livez")
          || path.startsWith("/healthz/") || path.startsWith("/readyz/") || path.startsWith("/livez/")) {
        req.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("ok");
        return;
      }
      if (path.startsWith("/openapi/")) {
        openApi(req, path);
        return;
      }
    }
    ResourcePath target = resourcePath(path);
    if (target == null) {
      respond(req.response(), 404, status(404, "NotFound", "the server could not find the requested resource"));
      return;
    }
    String selectorText = req.getParam("labelSelector");
    LabelSelector selector;
    try {
      selector = selectorText == null || selectorText.isBlank() ? null : LabelSelector.parse(selectorText);
    } catch (IllegalArgumentException e) {
      respond(req.response(), 400, status(400, "BadRequest", e.getMessage()));
      return;
    }
    String uri = selector == null ? req.uri() : withoutParam(req.uri(), "labelSelector");
    Headers.Builder headers = Headers.builder().addAll(req.headers());
    String contentType = req.getHeader("Content-Type");
    if (contentType != null && contentType.startsWith(Protobuf.CONTENT_TYPE) && body.length > 0) {
      Optional<ObjectNode> decoded;
      try {
        decoded = protobuf.toJson(body);
      } catch (IllegalArgumentException e) {
        decoded = Optional.empty();
      }
      if (decoded.isEmpty()) {
        respond(req.response(), 415, status(415, "UnsupportedMediaType",
            "this embedded server reads protobuf only for v1 Namespace, ConfigMap and Secret; send JSON"));
        return;
      }
      body = decoded.get().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      headers.removeAll("Content-Type").add("Content-Type", JSON);
    }
    RecordedRequest recorded = new RecordedRequest(
        req.version().alpnName().toUpperCase(Locale.ROOT),
        HttpMethod.fromVertx(req.method()),
        uri,
        headers.build(),
        new io.fabric8.mockwebserver.http.Buffer(body));
    boolean watch = read && ("true".equals(req.getParam("watch")) || "1".equals(req.getParam("watch")));
    if (watch && !uri.contains("watch=true")) {
      recorded = new RecordedRequest(recorded.getHttpVersion(), recorded.method(),
          uri.replace("watch=1", "watch=true"), recorded.getHeaders(), recorded.getBody());
    }
    MockResponse response = store.dispatch(recorded);
    if (response == null) {
      respond(req.response(), 405, status(405, "MethodNotAllowed", "the server does not allow this method"));
      return;
    }
    if (watch && response.getWebSocketListener() != null) {
      watch(req, recorded, response, target, selector);
      return;
    }
    answer(req, target, selector, response);
  }

  /** {@code /version}, {@code /}, discovery; empty when the path is not one of them. */
  private Optional<JsonNode> builtIn(HttpServerRequest req, String path) {
    switch (path) {
      case "/version":
      case "/version/":
        return Optional.of(version);
      case "/":
        ObjectNode root = json.createObjectNode();
        var paths = root.putArray("paths");
        List.of("/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/readyz",
            "/version").forEach(paths::add);
        discovery.all().stream().filter(t -> !t.isCore()).map(t -> "/apis/" + t.group() + "/" + t.version())
            .distinct().forEach(paths::add);
        return Optional.of(root);
      case "/api":
      case "/api/":
        return Optional.of(discovery.apiVersions(address));
      case "/apis":
      case "/apis/":
        return Optional.of(discovery.groupList());
      default:
        break;
    }
    String[] segments = segments(path);
    if (segments.length == 2 && segments[0].equals("api")) {
      return discovery.resourceList("", segments[1]).map(JsonNode.class::cast)
          .or(() -> Optional.of(notFoundDocument()));
    }
    if (segments.length == 2 && segments[0].equals("apis")) {
      return discovery.group(segments[1]).map(JsonNode.class::cast).or(() -> Optional.of(notFoundDocument()));
    }
    if (segments.length == 3 && segments[0].equals("apis")) {
      return discovery.resourceList(segments[1], segments[2]).map(JsonNode.class::cast)
          .or(() -> Optional.of(notFoundDocument()));
    }
    return Optional.empty();
  }

  /** Marker for discovery paths of unknown groups; answered as 404. */
  private ObjectNode notFoundDocument() {
    return status(404, "NotFound", "the server could not find the requested resource");
  }

  private void openApi(HttpServerRequest req, String path) {
    Optional<ObjectNode> doc;
    if (path.equals("/openapi/v3") || path.equals("/openapi/v3/")) {
      doc = Optional.of(openApi.v3Root());
    } else if (path.startsWith("/openapi/v3/")) {
      doc = openApi.v3(path.substring("/openapi/v3/".length()));
    } else if (path.equals("/openapi/v2")) {
      String accept = req.getHeader("Accept");
      if (accept != null && !accept.contains("json") && !accept.contains("*/*")) {
        respond(req.response(), 406, status(406, "NotAcceptable", "only application/json is served"));
        return;
      }
      doc = Optional.of(openApi.v2());
    } else {
      doc = Optional.empty();
    }
    if (doc.isEmpty()) {
      respond(req.response(), 404, status(404, "NotFound", "the server could not find the requested resource"));
      return;
    }
    respond(req.response(), 200, doc.get());
  }

  private void answer(HttpServerRequest req, ResourcePath target, LabelSelector selector, MockResponse response) {
    int code = response.code();
    byte[] bytes = response.getBody() == null ? new byte[0] : response.getBody().getBytes();
    JsonNode body = null;
    if (bytes.length > 0) {
      try {
        body = json.readTree(bytes);
      } catch (IOException e) {
        body = null;
      }
    }
    if (req.method() == io.vertx.core.http.HttpMethod.PATCH && code == 202) {
      code = 200;
    }
    if (code >= 400) {
      respond(req.response(), code, errorStatus(code, body, req.method().name(), target));
      return;
    }
    if (body == null) {
      req.response().setStatusCode(code).putHeader("Content-Type", JSON).end();
      return;
    }
    if (body instanceof ObjectNode && body.path("status").isNull()) {
      ((ObjectNode) body).remove("status"); // the mock's PATCH stores a missing status as null
    }
    boolean isGet = req.method() == io.vertx.core.http.HttpMethod.GET;
    ResourceType type = typeOf(target, body);
    if (isGet && body.has("items") && body.path("items").isArray()) {
      ObjectNode list = (ObjectNode) body;
      // filter by the full label selector and order by namespace and name, as etcd-backed lists are
      List<JsonNode> items = new ArrayList<>();
      list.path("items").forEach(item -> {
        if (selector == null || selector.matches(item)) {
          items.add(item);
        }
      });
      items.sort(java.util.Comparator
          .comparing((JsonNode i) -> i.path("metadata").path("namespace").asText(""))
          .thenComparing(i -> i.path("metadata").path("name").asText("")));
      list.set("items", json.createArrayNode().addAll(items));
      if (type != null) {
        list.put("apiVersion", type.apiVersion()).put("kind", type.kind() + "List");
        ((ObjectNode) list.with("metadata")).remove("selfLink");
      }
    }
    if (isGet && TablePrinter.wantsTable(req.getHeader("Accept"))) {
      body = tables.toTable(body, type != null ? type : fallbackType(target, body), req.getParam("includeObject"));
    }
    respond(req.response(), code, body);
  }

  private void watch(HttpServerRequest req, RecordedRequest recorded, MockResponse response, ResourcePath target,
      LabelSelector selector) {
    long since = 0;
    try {
      since = Long.parseLong(Optional.ofNullable(req.getParam("resourceVersion")).orElse("0"));
    } catch (NumberFormatException e) {
      since = 0;
    }
    UnaryOperator<JsonNode> transform = UnaryOperator.identity();
    if (TablePrinter.wantsTable(req.getHeader("Accept"))) {
      String includeObject = req.getParam("includeObject");
      transform = o -> tables.toTable(o, Optional.ofNullable(typeOf(target, o)).orElseGet(() -> fallbackType(target, o)),
          includeObject);
    }
    WebSocketListener listener = WatchStream.filtering(response.getWebSocketListener(),
        WatchStream.filter(json, selector, since, transform));
    if (isUpgrade(req)) {
      req.toWebSocket()
          .onSuccess(new ServerWebSocketHandler(recorded, new MockResponse().withWebSocketUpgrade(listener)))
          .onFailure(e -> LOG.debug("WebSocket upgrade of {} failed", req.uri(), e));
      return;
    }
    HttpServerResponse res = req.response();
    res.setChunked(true).setStatusCode(200).putHeader("Content-Type", JSON).putHeader("Cache-Control", "no-cache");
    res.writeHead();
    WatchStream.HttpSink sink = new WatchStream.HttpSink(recorded, res);
    AtomicBoolean done = new AtomicBoolean();
    Runnable finish = () -> {
      if (done.compareAndSet(false, true)) {
        sink.close(1000, "watch closed");
        try {
          // off the event loop: the mock's listener waits for its sender thread to finish
          closer.execute(() -> listener.onClosed(sink, 1000, "watch closed"));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          listener.onClosed(sink, 1000, "server stopping");
        }
      }
    };
    res.closeHandler(v -> finish.run());
    String timeout = req.getParam("timeoutSeconds");
    if (timeout != null && timeout.matches("\\d+") && Long.parseLong(timeout) > 0) {
      vertx.setTimer(Long.parseLong(timeout) * 1000, id -> finish.run());
    }
    listener.onOpen(sink, response);
  }

  private ResourceType typeOf(ResourcePath target, JsonNode body) {
    if (target.plural() != null) {
      Optional<ResourceType> byPath = discovery.find(target.group(), target.version(), target.plural());
      if (byPath.isPresent()) {
        return byPath.get();
      }
    }
    return discovery.findKind(body.path("apiVersion").asText(), body.path("kind").asText()).orElse(null);
  }

  private static ResourceType fallbackType(ResourcePath target, JsonNode body) {
    String kind = body.has("items") ? body.path("items").path(0).path("kind").asText("Object")
        : body.path("kind").asText("Object");
    return new ResourceType(target.group(), target.version(), target.plural(), kind.toLowerCase(Locale.ROOT), kind,
        target.namespace() != null, List.of(), List.of(), false, false, List.of(), null);
  }

  private ObjectNode errorStatus(int code, JsonNode body, String method, ResourcePath target) {
    ObjectNode status;
    if (body instanceof ObjectNode && "Status".equals(body.path("kind").asText())) {
      status = (ObjectNode) body;
    } else {
      String resource = target.plural() == null ? "resource"
          : target.plural() + (target.group().isEmpty() ? "" : "." + target.group());
      String message = code == 404 && target.name() != null
          ? resource + " \"" + target.name() + "\" not found"
          : "the server could not find the requested resource";
      status = status(code, reason(code), code == 404 ? message : "request failed with HTTP " + code);
    }
    if (code == 409) {
      status.put("reason", method.equals("POST") ? "AlreadyExists" : "Conflict");
    }
    status.put("code", code);
    if (target.plural() != null) {
      ObjectNode details = status.with("details");
      details.put("kind", target.plural());
      if (!target.group().isEmpty()) {
        details.put("group", target.group());
      }
      if (target.name() != null) {
        details.put("name", target.name());
      }
    }
    return status;
  }

  private static String reason(int code) {
    switch (code) {
      case 400:
        return "BadRequest";
      case 404:
        return "NotFound";
      case 405:
        return "MethodNotAllowed";
      case 409:
        return "Conflict";
      case 415:
        return "UnsupportedMediaType";
      case 422:
        return "Invalid";
      default:
        return "InternalError";
    }
  }

  private ObjectNode status(int code, String reason, String message) {
    ObjectNode status = json.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    return status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
  }

  private void respond(HttpServerResponse res, int code, JsonNode body) {
    int status = body.path("kind").asText().equals("Status") && body.path("code").asInt(0) >= 400 && code == 200
        ? body.path("code").asInt()
        : code;
    res.setStatusCode(status).putHeader("Content-Type", JSON).end(Buffer.buffer(body.toString()));
  }

  /** The resource a request addresses: {@code /api/v1/...} or {@code /apis/<group>/<version>/...}. */
  record ResourcePath(String group, String version, String namespace, String plural, String name,
      String subresource) {
  }

  private ResourcePath resourcePath(String path) {
    String[] s = segments(path);
    int rest;
    String group;
    String version;
    if (s.length >= 3 && s[0].equals("api")) {
      group = "";
      version = s[1];
      rest = 2;
    } else if (s.length >= 4 && s[0].equals("apis")) {
      group = s[1];
      version = s[2];
      rest = 3;
    } else {
      return null;
    }
    List<String> r = new ArrayList<>(List.of(s).subList(rest, s.length));
    if (r.size() >= 3 && r.get(0).equals("namespaces")) {
      // "/namespaces/x/status" and "/namespaces/x/finalize" are subresources of namespace x, not resources in it
      boolean namespaceSubresource = r.size() == 3 && (r.get(2).equals("status") || r.get(2).equals("finalize"))
          && discovery.find(group, version, r.get(2)).isEmpty();
      if (!namespaceSubresource) {
        return new ResourcePath(group, version, r.get(1), r.get(2), r.size() > 3 ? r.get(3) : null,
            r.size() > 4 ? r.get(4) : null);
      }
    }
    return new ResourcePath(group, version, null, r.get(0), r.size() > 1 ? r.get(1) : null,
        r.size() > 2 ? r.get(2) : null);
  }

  private static String[] segments(String path) {
    return java.util.Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toArray(String[]::new);
  }

  /** Compared in constant time, so response times do not reveal how much of a guessed token is right. */
  private boolean authorized(HttpServerRequest req) {
    String header = req.getHeader("Authorization");
    return header != null && MessageDigest.isEqual(authorization, header.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean isUpgrade(HttpServerRequest req) {
    String upgrade = req.getHeader("Upgrade");
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  private static String withoutParam(String uri, String param) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return uri;
    }
    List<String> kept = new ArrayList<>();
    for (String part : uri.substring(q + 1).split("&")) {
      if (!part.startsWith(param + "=") && !part.equals(param)) {
        kept.add(part);
      }
    }
    return uri.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
  }

  @Override
  public void close() {
    try {
      if (server != null) {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      LOG.debug("closing the HTTP server failed", e);
    } finally {
      closer.shutdownNow();
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("closing Vert.x failed", e);
      }
    }
  }
}
