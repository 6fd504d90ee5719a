package dev.imagebuilder.operator.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.observability.BoundedHttpServer.Limits;
import dev.imagebuilder.operator.observability.BoundedHttpServer.Outcome;
import dev.imagebuilder.operator.observability.BoundedHttpServer.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Clients that try to hold the probe server: idle connections, a client trickling its headers one
 * byte at a time, more connections than the cap, and malformed or oversized requests. Throughout,
 * /healthz is answered.
 */
class BoundedHttpServerTest {

  static final Limits LIMITS = new Limits(8, Duration.ofSeconds(1), Duration.ofSeconds(10), 256, 512);
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  final List<Socket> clients = new ArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);
  BoundedHttpServer server;

  BoundedHttpServer start(Limits limits) throws IOException {
    server = BoundedHttpServer.start("test", LOOPBACK, 0, null, limits, request -> switch (request.path()) {
      case "/healthz" -> Response.text(200, "ok\n");
      case "/slow" -> {
        release.await(30, TimeUnit.SECONDS);
        yield Response.text(200, "slow\n");
      }
      default -> Response.text(404, "not found\n");
    }, outcome -> { });
    return server;
  }

  @AfterEach
  void close() throws IOException {
    release.countDown();
    for (Socket s : clients) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  Socket connect() throws IOException {
    Socket s = new Socket(LOOPBACK, server.port());
    s.setSoTimeout(30_000);
    clients.add(s);
    return s;
  }

  int healthz() throws IOException, InterruptedException {
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** Reads until the server closes the connection; returns what it sent. */
  static String readToEnd(Socket s) throws IOException {
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void idleConnectionsBeyondTheCapMakeRoomAndHealthzIsAnswered() throws Exception {
    start(LIMITS);
    for (int i = 0; i < 40; i++) {
      connect();
    }
    assertThat(healthz()).isEqualTo(200);
    await("idle connections closed or cut", () -> server.count(Outcome.EVICTED) + server.count(Outcome.TIMED_OUT) >= 32);
    assertThat(server.openConnections()).isLessThanOrEqualTo(LIMITS.maxConnections());
    assertThat(server.count(Outcome.ANSWERED)).isEqualTo(1);
  }

  @Test
  void aConnectionTricklingOneHeaderByteAtATimeIsCutAtTheTotalDeadline() throws Exception {
    start(LIMITS);
    Socket trickler = connect();
    OutputStream out = trickler.getOutputStream();
    byte[] request = "GET /healthz HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        .getBytes(StandardCharsets.US_ASCII);
    boolean cut = false;
    for (byte b : request) {
      try {
        out.write(b);
        out.flush();
      } catch (IOException e) {
        cut = true;
        break;
      }
      // Each byte well inside any per-read timeout; together past the total deadline.
      Thread.sleep(50);
      if (server.count(Outcome.TIMED_OUT) == 1) {
        cut = true;
        break;
      }
    }
    assertThat(cut).as("cut before the trickled headers were complete").isTrue();
    assertThat(readToEnd(trickler)).as("no response to a request never completed").isEmpty();
    assertThat(server.count(Outcome.TIMED_OUT)).isEqualTo(1);
    assertThat(healthz()).isEqualTo(200);
  }

  @Test
  void whenEveryConnectionIsBeingAnsweredANewOneIsClosedAtOnce() throws Exception {
    start(new Limits(2, Duration.ofSeconds(5), Duration.ofSeconds(60), 256, 512));
    for (int i = 0; i < 2; i++) {
      connect().getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    await("both requests in the handler", () -> server.openConnections() == 2);
    Thread.sleep(200); // let both workers read their headers and enter the handler
    Socket third = connect();
    assertThat(readToEnd(third)).isEmpty();
    assertThat(server.count(Outcome.REJECTED)).isEqualTo(1);
    release.countDown();
    await("the two slow ones answered", () -> server.count(Outcome.ANSWERED) == 2);
    assertThat(healthz()).isEqualTo(200);
  }

  @Test
  void aRequestThatArrivedBeforeItsWorkerRanIsNotClosedToMakeRoom() throws Exception {
    // The workers held back: the accept loop runs, no worker does, as on a throttled CPU.
    var gate = new CountDownLatch(1);
    var workers = new java.util.concurrent.ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>()) {
      @Override
      protected void beforeExecute(Thread t, Runnable r) {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    server = BoundedHttpServer.start("test", LOOPBACK, 0, null, new Limits(2, Duration.ofSeconds(30),
        Duration.ofSeconds(60), 256, 512), request -> Response.text(200, "ok\n"), outcome -> { }, workers);
    Socket prober = connect();
    prober.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    await("the prober admitted", () -> server.openConnections() == 1);
    Socket idle = connect();
    await("the idle one admitted", () -> server.openConnections() == 2);
    Socket newcomer = connect();
    await("room made for the newcomer", () -> server.count(Outcome.OPENED) == 3);

    assertThat(readToEnd(idle)).as("the idle connection, not the older prober, closed to make room").isEmpty();
    gate.countDown();
    assertThat(readToEnd(prober)).startsWith("HTTP/1.1 200 OK");
    assertThat(server.count(Outcome.REJECTED)).isZero();
    newcomer.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n | 200",
      "HEAD /healthz HTTP/1.1\\r\\n\\r\\n | 200",
      "GET /healthz?verbose HTTP/1.0\\r\\n\\r\\n | 200",
      "GET /nothing HTTP/1.1\\r\\n\\r\\n | 404",
      "POST /healthz HTTP/1.1\\r\\n\\r\\n | 405",
      "GET /healthz HTTP/1.1\\r\\nContent-Length: 5\\r\\n\\r\\nhello | 413",
      "GET /healthz HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 413",
      "GET /healthz\\r\\n\\r\\n | 400",
      "GET /healthz HTTP/1.1\\r\\nno colon\\r\\n\\r\\n | 400",
      "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\\r\\n\\r\\n | 414",
  })
  void answersEachRequestOnceAndClosesTheConnection(String request, int status) throws Exception {
    start(LIMITS);
    Socket s = connect();
    s.getOutputStream().write(request.replace("\\r\\n", "\r\n").getBytes(StandardCharsets.US_ASCII));
    String response = readToEnd(s);
    assertThat(response).startsWith("HTTP/1.1 " + status + " ").contains("\r\nConnection: close\r\n");
  }

  @Test
  void headersBeyondTheirSizeLimitAreRefused() throws Exception {
    start(LIMITS);
    Socket s = connect();
    var request = new StringBuilder("GET /healthz HTTP/1.1\r\n");
    for (int i = 0; i < 40; i++) {
      request.append("X-Filler-").append(i).append(": 0123456789\r\n");
    }
    request.append("\r\n");
    s.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
    assertThat(readToEnd(s)).startsWith("HTTP/1.1 431 ");
  }

  @Test
  void aClosedClientIsCountedAndTheServerStaysUp() throws Exception {
    start(LIMITS);
    Socket s = connect();
    s.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
    s.close();
    await("abandoned", () -> server.count(Outcome.ABANDONED) == 1);
    assertThat(healthz()).isEqualTo(200);
    assertThat(server.count(Outcome.OPENED)).isEqualTo(2);
  }

}
