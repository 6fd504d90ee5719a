package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * Adapts the CRUD mock's watches, which only speak WebSocket, to what clients expect of a real API server:
 * <ul>
 * <li>{@link #filtering} wraps the mock's watch listener so that every event passes a per-watch filter: set-based
 * label selectors (with the ADDED/DELETED transitions a real server sends when an object starts or stops
 * matching), {@code resourceVersion} (the mock replays every existing object as ADDED even when the client asked
 * to start after the version it listed) and Table conversion for {@code kubectl get -w};</li>
 * <li>{@link HttpSink} lets the same listener write to a chunked HTTP response ({@code ?watch=true} without an
 * Upgrade header, which is what kubectl and client-go use), one JSON event per line.</li>
 * </ul>
 */
final class WatchStream {

  private WatchStream() {
  }

  /**
   * The per-watch event filter.
   *
   * @param selector label selector, or null
   * @param sinceResourceVersion drop ADDED events for objects at or before this version (0 = none)
   * @param objectTransform turns each event's object into what the client asked for (e.g. a Table)
   */
  static UnaryOperator<String> filter(ObjectMapper json, LabelSelector selector, long sinceResourceVersion,
      UnaryOperator<JsonNode> objectTransform) {
    Set<String> visible = new HashSet<>();
    return text -> {
      ObjectNode event;
      try {
        event = (ObjectNode) json.readTree(text);
      } catch (IOException | ClassCastException e) {
        return text;
      }
      JsonNode object = event.path("object");
      String uid = object.path("metadata").path("uid").asText();
      String type = event.path("type").asText();
      boolean matches = selector == null || selector.matches(object);
      synchronized (visible) {
        boolean wasVisible = visible.contains(uid);
        switch (type) {
          case "ADDED":
            if (!matches) {
              return null;
            }
            visible.add(uid);
            if (sinceResourceVersion > 0 && resourceVersion(object) <= sinceResourceVersion) {
              return null;
            }
            break;
          case "MODIFIED":
            if (matches) {
              visible.add(uid);
              event.put("type", wasVisible ? "MODIFIED" : "ADDED");
            } else if (wasVisible) {
              visible.remove(uid);
              event.put("type", "DELETED");
            } else {
              return null;
            }
            break;
          case "DELETED":
            visible.remove(uid);
            if (!wasVisible && !matches) {
              return null;
            }
            break;
          default:
            break;
        }
      }
      event.set("object", objectTransform.apply(object));
      return event.toString();
    };
  }

  private static long resourceVersion(JsonNode object) {
    try {
      return Long.parseLong(object.path("metadata").path("resourceVersion").asText("0"));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Wraps a watch listener so that what it sends passes {@code filter} (null = drop the event). */
  static WebSocketListener filtering(WebSocketListener delegate, UnaryOperator<String> filter) {
    return new WebSocketListener() {
      private WebSocket sink;

      private synchronized WebSocket sink(WebSocket socket) {
        if (sink == null) {
          sink = new FilteringSocket(socket, filter);
        }
        return sink;
      }

      @Override
      public void onBeforeAccept(WebSocket webSocket, Response response) {
        delegate.onBeforeAccept(sink(webSocket), response);
      }

      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        delegate.onOpen(sink(webSocket), response);
      }

      @Override
      public void onMessage(WebSocket webSocket, String text) {
        delegate.onMessage(sink(webSocket), text);
      }

      @Override
      public void onMessage(WebSocket webSocket, byte[] bytes) {
        delegate.onMessage(sink(webSocket), bytes);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        delegate.onClosing(sink(webSocket), code, reason);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        delegate.onClosed(sink(webSocket), code, reason);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable error, Response response) {
        delegate.onFailure(sink(webSocket), error, response);
      }
    };
  }

  private static final class FilteringSocket implements WebSocket {
    private final WebSocket target;
    private final UnaryOperator<String> filter;

    FilteringSocket(WebSocket target, UnaryOperator<String> filter) {
      this.target = target;
      this.filter = filter;
    }

    @Override
    public RecordedRequest request() {
      return target.request();
    }

    @Override
    public boolean send(String text) {
      String filtered = filter.apply(text);
      return filtered == null || target.send(filtered);
    }

    @Override
    public boolean send(byte[] bytes) {
      return send(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public boolean close(int code, String reason) {
      return target.close(code, reason);
    }
  }

  /** A watch "socket" that is really a chunked HTTP response: one JSON event per line. */
  static final class HttpSink implements WebSocket {
    private final RecordedRequest request;
    private final HttpServerResponse response;
    private final AtomicBoolean closed = new AtomicBoolean();

    HttpSink(RecordedRequest request, HttpServerResponse response) {
      this.request = request;
      this.response = response;
    }

    @Override
    public RecordedRequest request() {
      return request;
    }

    @Override
    public boolean send(String text) {
      if (closed.get()) {
        return false;
      }
      try {
        response.write(text + "\n");
        return true;
      } catch (IllegalStateException e) {
        closed.set(true);
        return false;
      }
    }

    @Override
    public boolean send(byte[] bytes) {
      return send(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public boolean close(int code, String reason) {
      if (closed.compareAndSet(false, true)) {
        try {
          response.end();
        } catch (IllegalStateException e) {
          // the client went away first
        }
      }
      return true;
    }

    boolean isClosed() {
      return closed.get();
    }
  }
}
