package dev.imagebuilder.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's tinyproxy on loopback, with a configuration and log file of its own in a fresh
 * directory: every request it is sent is a line of its log ({@code LogLevel Connect}), so a test
 * can tell which hosts were reached through it. Installed by .ci/run ({@code apt-get install
 * tinyproxy}); found through $TINYPROXY, else /usr/bin or the PATH. Without it the test is skipped,
 * except under {@code CI=true}, where it fails.
 */
final class Tinyproxy implements AutoCloseable {

  final Path dir;
  final Path log;
  final int port;
  private final Process process;

  private Tinyproxy(Path dir, Path log, int port, Process process) {
    this.dir = dir;
    this.log = log;
    this.port = port;
    this.process = process;
  }

  /**
   * A proxy listening on 127.0.0.1 that forwards anything (plain requests and CONNECT to any port)
   * and, with a {@code user}, answers 407 to every request without that user's password.
   */
  static Tinyproxy start(Path parent, String name, String user, String password) throws IOException, InterruptedException {
    String binary = binary();
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, name + "-");
    Path log = dir.resolve("tinyproxy.log");
    int port = freePort();
    StringBuilder config = new StringBuilder()
        .append("Port ").append(port).append('\n')
        .append("Listen 127.0.0.1\n")
        .append("Timeout 600\n")
        .append("MaxClients 50\n")
        .append("LogFile \"").append(log).append("\"\n")
        .append("LogLevel Connect\n");
    if (user != null) {
      config.append("BasicAuth ").append(user).append(' ').append(password).append('\n');
    }
    Path file = dir.resolve("tinyproxy.conf");
    Files.writeString(file, config);
    Process process =
        new ProcessBuilder(binary, "-d", "-c", file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("tinyproxy.out").toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    var proxy = new Tinyproxy(dir, log, port, process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!proxy.listening()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("tinyproxy did not listen on 127.0.0.1:%d; its output: %s", port, Files.readString(dir.resolve("tinyproxy.out")));
      }
      Thread.sleep(100);
    }
    return proxy;
  }

  /** http://[user:password@]127.0.0.1:port */
  String url(String userInfo) {
    return "http://" + (userInfo == null ? "" : userInfo + "@") + "127.0.0.1:" + port;
  }

  /** The request lines it logged for {@code http://<hostPort>/...}: plain requests, as to the simulator. */
  List<String> requestsTo(String hostPort) throws IOException {
    var request = Pattern.compile("Request \\(file descriptor \\d+\\): [A-Z]+ http://" + Pattern.quote(hostPort) + "/");
    return lines().stream().filter(l -> request.matcher(l).find()).toList();
  }

  /** The log lines that name {@code hostPort} at all: a request, a CONNECT, anything. */
  List<String> linesNaming(String hostPort) throws IOException {
    return lines().stream().filter(l -> l.contains(hostPort)).toList();
  }

  List<String> lines() throws IOException {
    return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
  }

  private boolean listening() {
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  static String binary() {
    String fromEnv = System.getenv("TINYPROXY");
    if (fromEnv != null && !fromEnv.isBlank()) {
      assertThat(Path.of(fromEnv)).as("$TINYPROXY").isExecutable();
      return fromEnv;
    }
    Path debian = Path.of("/usr/bin/tinyproxy");
    if (Files.isExecutable(debian)) {
      return debian.toString();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "tinyproxy"))) {
        return Path.of(dir, "tinyproxy").toString();
      }
    }
    String why = "tinyproxy not found in $TINYPROXY, /usr/bin or PATH (apt-get install tinyproxy; .ci/run installs it)";
    if ("true".equals(System.getenv("CI"))) {
      fail(why);
    }
    Assumptions.abort(why);
    return null;
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
