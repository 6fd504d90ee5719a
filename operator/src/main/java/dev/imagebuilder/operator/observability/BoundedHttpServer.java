package dev.imagebuilder.operator.observability;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server that no client can hold: one accept loop, a fixed pool of workers, a
 * cap on open connections, and a total deadline for the request line and headers (not a timeout
 * per read, so a client that trickles one byte at a time is cut off all the same). Only GET and
 * HEAD without a body are served, every response closes its connection, and the request line and
 * headers are bounded in size.
 *
 * <p>When the cap is reached, the connection that has waited longest for its headers is closed to
 * make room (a prober sends its request at once, a client holding a connection open does not). A
 * connection whose request has arrived but not yet been read is kept: on a throttled CPU the
 * accept loop can catch up on a queue of new connections before any worker has run, and closing
 * the oldest then would close a prober's request unread. Only when every open connection is being
 * answered or has a request waiting is the new one closed instead. Both are counted, as are the
 * connections opened, cut at the deadline and answered.
 */
public final class BoundedHttpServer implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(BoundedHttpServer.class);

  /** The bounds of one server. */
  public record Limits(
      int maxConnections, Duration headerDeadline, Duration lifetime, int maxRequestLineBytes, int maxHeaderBytes) {
    public static final Limits DEFAULT =
        new Limits(64, Duration.ofSeconds(5), Duration.ofSeconds(30), 8 * 1024, 16 * 1024);

    public Limits {
      if (maxConnections < 1 || headerDeadline.isNegative() || headerDeadline.isZero()
          || lifetime.compareTo(headerDeadline) < 0
          || maxRequestLineBytes < 16 || maxHeaderBytes < 16) {
        throw new IllegalArgumentException("invalid limits " + this);
      }
    }
  }

  /** A request as far as the endpoints need it: method, path (without query) and headers (names in lower case). */
  public record Request(String method, String path, Map<String, String> headers, InetAddress client) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A complete response; {@code headers} are added to Content-Type, Content-Length and Connection. */
  public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), Map.of());
    }
  }

  /** Answers one request; runs on a worker thread. */
  @FunctionalInterface
  public interface Handler {
    Response handle(Request request) throws Exception;
  }

  /** What happened to connections, for the metrics and the tests. */
  public enum Outcome {
    /** Accepted and given a worker. */
    OPENED,
    /** Answered with a response (any status). */
    ANSWERED,
    /** Closed because the request line and headers did not arrive before the deadline. */
    TIMED_OUT,
    /** Closed to make room for a newer connection while still waiting for its headers. */
    EVICTED,
    /** Closed at once: the cap was reached and every open connection was being answered. */
    REJECTED,
    /** Closed by the client, or refused as malformed, too large or not a GET or HEAD (400, 405, 413, 431). */
    ABANDONED
  }

  /** Told of each outcome; must be quick and thread-safe. */
  @FunctionalInterface
  public interface Observer {
    void observed(Outcome outcome);
  }

  private final String name;
  private final ServerSocket socket;
  private final Limits limits;
  private final Handler handler;
  private final Observer observer;
  private final ExecutorService workers;
  private final Thread acceptor;
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();
  private final Map<Outcome, AtomicLong> counts = new java.util.EnumMap<>(Outcome.class);
  private volatile boolean closed;

  private BoundedHttpServer(String name, ServerSocket socket, Limits limits, Handler handler, Observer observer,
      ExecutorService workers) {
    this.name = name;
    this.socket = socket;
    this.limits = limits;
    this.handler = handler;
    this.observer = observer;
    for (Outcome outcome : Outcome.values()) {
      counts.put(outcome, new AtomicLong());
    }
    this.workers = workers;
    this.acceptor = new Thread(this::acceptLoop, "http-" + name + "-accept");
    this.acceptor.setDaemon(true);
  }

  /**
   * Listens on {@code address:port} (a null address means all interfaces, port 0 any free port),
   * over TLS when {@code tls} is not null.
   */
  public static BoundedHttpServer start(String name, InetAddress address, int port, SSLContext tls, Limits limits,
      Handler handler, Observer observer) throws IOException {
    var pool = new ThreadPoolExecutor(limits.maxConnections(), limits.maxConnections(), 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "http-" + name + "-worker");
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return start(name, address, port, tls, limits, handler, observer, pool);
  }

  /** As above, with the workers given: a test holds them back to stand for a CPU that runs the accept loop only. */
  static BoundedHttpServer start(String name, InetAddress address, int port, SSLContext tls, Limits limits,
      Handler handler, Observer observer, ExecutorService workers) throws IOException {
    ServerSocketFactory factory = tls == null ? ServerSocketFactory.getDefault() : tls.getServerSocketFactory();
    ServerSocket socket = factory.createServerSocket();
    try {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port), 128);
      if (socket instanceof SSLServerSocket ssl) {
        ssl.setNeedClientAuth(false);
      }
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    var server = new BoundedHttpServer(name, socket, limits, handler, observer, workers);
    server.acceptor.start();
    return server;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** How many connections ended with {@code outcome} (or were opened) since the start. */
  public long count(Outcome outcome) {
    return counts.get(outcome).get();
  }

  /** Connections open now. */
  public int openConnections() {
    return open.size();
  }

  private void record(Outcome outcome) {
    counts.get(outcome).incrementAndGet();
    try {
      observer.observed(outcome);
    } catch (RuntimeException e) {
      LOG.debug("observer failed", e);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("{} endpoint: accept failed: {}", name, e.toString());
          pause();
        }
        continue;
      }
      admit(client);
    }
  }

  private void admit(Socket client) {
    // A client that stops reading a response would hold its worker in a write: past its lifetime
    // a connection is closed whatever it is doing.
    long now = System.nanoTime();
    for (Connection c : open) {
      if (now - c.started > limits.lifetime().toNanos() && open.remove(c)) {
        quietlyClose(c.socket);
      }
    }
    if (open.size() >= limits.maxConnections()) {
      Connection oldest = open.stream().filter(Connection::evictable).min(Comparator.comparingLong(c -> c.started))
          .orElse(null);
      if (oldest == null || !open.remove(oldest)) {
        record(Outcome.REJECTED);
        quietlyClose(client);
        return;
      }
      oldest.evicted = true;
      quietlyClose(oldest.socket);
    }
    var connection = new Connection(client, System.nanoTime());
    open.add(connection);
    record(Outcome.OPENED);
    try {
      workers.execute(() -> serve(connection));
    } catch (RuntimeException e) {
      open.remove(connection);
      quietlyClose(client);
      record(Outcome.REJECTED);
    }
  }

  private void serve(Connection connection) {
    Socket client = connection.socket;
    Outcome outcome = Outcome.ABANDONED;
    try {
      long deadline = connection.started + limits.headerDeadline().toNanos();
      var in = new DeadlineInput(client, new BufferedInputStream(client.getInputStream(), 1024), deadline);
      Response response;
      Request request = null;
      try {
        request = readRequest(in, client.getInetAddress());
        response = request.method().equals("GET") || request.method().equals("HEAD")
            ? null
            : Response.text(405, "only GET and HEAD are served\n");
      } catch (Malformed e) {
        response = Response.text(e.status, e.getMessage() + "\n");
      }
      connection.answering = true;
      if (response == null) {
        try {
          response = handler.handle(request);
        } catch (Exception e) {
          LOG.warn("{} endpoint: {} failed: {}", name, request.path(), e.toString());
          response = Response.text(500, "internal error\n");
        }
      }
      write(client.getOutputStream(), response, request != null && request.method().equals("HEAD"));
      outcome = response.status() < 400 || request != null ? Outcome.ANSWERED : Outcome.ABANDONED;
    } catch (SocketTimeoutException e) {
      outcome = Outcome.TIMED_OUT;
    } catch (IOException | RuntimeException e) {
      outcome = connection.evicted ? Outcome.EVICTED : Outcome.ABANDONED;
    } finally {
      open.remove(connection);
      quietlyClose(client);
      record(connection.evicted ? Outcome.EVICTED : outcome);
    }
  }

  private Request readRequest(DeadlineInput in, InetAddress client) throws IOException, Malformed {
    String line = in.line(limits.maxRequestLineBytes(), 414);
    String[] parts = line.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new Malformed(400, "malformed request line");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int headerBytes = 0;
    while (true) {
      String header = in.line(limits.maxHeaderBytes() - headerBytes, 431);
      headerBytes += header.length() + 2;
      if (header.isEmpty()) {
        break;
      }
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw new Malformed(400, "malformed header");
      }
      headers.merge(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    String length = headers.get("content-length");
    if (headers.containsKey("transfer-encoding") || (length != null && !length.equals("0"))) {
      throw new Malformed(413, "requests with a body are not served");
    }
    String target = parts[1];
    int query = target.indexOf('?');
    return new Request(parts[0], query < 0 ? target : target.substring(0, query), Map.copyOf(headers), client);
  }

  private static void write(OutputStream out, Response response, boolean head) throws IOException {
    var text = new StringBuilder()
        .append("HTTP/1.1 ").append(response.status()).append(' ').append(reason(response.status())).append("\r\n")
        .append("Content-Type: ").append(response.contentType()).append("\r\n")
        .append("Content-Length: ").append(response.body().length).append("\r\n")
        .append("Connection: close\r\n");
    response.headers().forEach((k, v) -> text.append(k).append(": ").append(v).append("\r\n"));
    text.append("\r\n");
    out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!head) {
      out.write(response.body());
    }
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private static void quietlyClose(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(c -> quietlyClose(c.socket));
    workers.shutdownNow();
  }

  private static final class Connection {
    final Socket socket;
    final long started;
    volatile boolean answering;
    volatile boolean evicted;

    Connection(Socket socket, long started) {
      this.socket = socket;
      this.started = started;
    }

    /** Neither being answered nor holding a request that has arrived and waits for its worker. */
    boolean evictable() {
      if (answering) {
        return false;
      }
      try {
        return socket.getInputStream().available() == 0;
      } catch (IOException e) {
        return true;
      }
    }
  }

  private static final class Malformed extends Exception {
    final int status;

    Malformed(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** Reads lines under one total deadline: each read may wait only for what is left of it. */
  private static final class DeadlineInput {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;

    DeadlineInput(Socket socket, InputStream in, long deadline) {
      this.socket = socket;
      this.in = in;
      this.deadline = deadline;
    }

    String line(int max, int tooLong) throws IOException, Malformed {
      var bytes = new ByteArrayOutputStream(128);
      while (true) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new SocketTimeoutException("header deadline");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left)));
        int b;
        b = in.read();
        if (b < 0) {
          throw new java.io.EOFException("closed by the client");
        }
        if (b == '\n') {
          byte[] line = bytes.toByteArray();
          int end = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
          return new String(line, 0, end, StandardCharsets.ISO_8859_1);
        }
        if (bytes.size() >= max) {
          throw new Malformed(tooLong, tooLong == 414 ? "request line too long" : "headers too large");
        }
        bytes.write(b);
      }
    }
  }
}
