package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Prometheus server on loopback, with a configuration, rule files and storage of its own
 * in a fresh directory, read through its HTTP API. Installed by .ci/run (Debian's {@code
 * prometheus} package, for promtool); found through $PROMETHEUS, else /usr/bin or the PATH. Without
 * it the test is skipped, except under {@code CI=true}, where it fails.
 */
final class Prometheus implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final Path dir;
  final int port;
  private final Process process;

  private Prometheus(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * Starts Prometheus with {@code config} as prometheus.yml and {@code files} (name to content,
   * such as the rule files the configuration names) beside it, and waits until it is ready.
   */
  static Prometheus start(Path parent, String name, String config, Map<String, String> files)
      throws IOException, InterruptedException {
    String binary = binary();
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, name + "-").toAbsolutePath();
    for (var file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue());
    }
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port = freePort();
    Process process =
        new ProcessBuilder(
                binary,
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    var prometheus = new Prometheus(dir, port, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!prometheus.ready()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("Prometheus was not ready on 127.0.0.1:%d; its log: %s", port, Files.readString(dir.resolve("prometheus.log")));
      }
      Thread.sleep(200);
    }
    return prometheus;
  }

  /** The series of an instant query: each with its labels ({@code metric}) and {@code value}. */
  List<JsonNode> query(String promql) {
    return list(get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).path("result"));
  }

  /** The alerts pending or firing now, each with its labels, annotations and state. */
  List<JsonNode> alerts() {
    return list(get("/api/v1/alerts").path("alerts"));
  }

  /** The alerting rules loaded, each with its name, query and annotations. */
  List<JsonNode> alertingRules() {
    var rules = new ArrayList<JsonNode>();
    get("/api/v1/rules?type=alert").path("groups").forEach(g -> g.path("rules").forEach(rules::add));
    return rules;
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("prometheus.log"));
  }

  private JsonNode get(String path) {
    try {
      var response = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(response.body());
      assertThat(body.path("status").asText()).as("GET %s: %s", path, response.body()).isEqualTo("success");
      return body.path("data");
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " from Prometheus failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static List<JsonNode> list(JsonNode array) {
    var items = new ArrayList<JsonNode>();
    array.forEach(items::add);
    return items;
  }

  private boolean ready() {
    try {
      var response = HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static String binary() {
    String fromEnv = System.getenv("PROMETHEUS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      assertThat(Path.of(fromEnv)).as("$PROMETHEUS").isExecutable();
      return fromEnv;
    }
    Path debian = Path.of("/usr/bin/prometheus");
    if (Files.isExecutable(debian)) {
      return debian.toString();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "prometheus"))) {
        return Path.of(dir, "prometheus").toString();
      }
    }
    String why = "prometheus not found in $PROMETHEUS, /usr/bin or PATH (apt-get install prometheus; .ci/run installs it)";
    if ("true".equals(System.getenv("CI"))) {
      fail(why);
    }
    Assumptions.abort(why);
    return null;
  }

  static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
