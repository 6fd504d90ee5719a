package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorConfigTest {

  @Test
  void defaultsTalkToEcsOverHttpsOnThePublicNetworkForAllNamespaces() {
    var config = OperatorConfig.defaults();
    assertThat(config.ecs().endpoint()).isNull();
    assertThat(config.ecs().protocol()).isEqualTo("https");
    assertThat(config.ecs().network()).isEqualTo("public");
    assertThat(config.ecs().proxy()).as("ECS reached directly").isNull();
    assertThat(config.namespaces()).isEmpty();
    assertThat(config.watchSelector()).isNull();
    assertThat(config.defaultInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.metricsEndpoint()).as("secure metrics on their own port")
        .isEqualTo(new OperatorConfig.MetricsEndpoint(8443, true));
    assertThat(config.httpBindAddress()).as("all interfaces").isNull();
    assertThat(config.leaderElection()).isNull();
  }

  @Test
  void readsEverySettingFromTheEnvironment() {
    var config =
        OperatorConfig.fromEnvironment(
            Map.ofEntries(
                Map.entry("ECS_ENDPOINT", "ecs-vpc.cn-hangzhou.aliyuncs.com"),
                Map.entry("ECS_PROTOCOL", "http"),
                Map.entry("ECS_NETWORK", "vpc"),
                Map.entry("ECS_PROXY", " http://proxy.example:3128 "),
                Map.entry("WATCH_NAMESPACES", " team-a, team-b ,"),
                Map.entry("WATCH_SELECTOR", "shard=a, tier!=test"),
                Map.entry("DEFAULT_INTERVAL", "5m"),
                Map.entry("CHILD_WRITE_CONCURRENCY", "4"),
                Map.entry("HTTP_PORT", "9090"),
                Map.entry("METRICS_PORT", "9443"),
                Map.entry("METRICS_SECURE", "false"),
                Map.entry("HTTP_BIND_ADDRESS", " 127.0.0.1 "),
                Map.entry("LEADER_ELECTION", "true"),
                Map.entry("POD_NAMESPACE", "operators"),
                Map.entry("POD_NAME", "operator-0")));
    assertThat(config.ecs().endpoint()).isEqualTo("ecs-vpc.cn-hangzhou.aliyuncs.com");
    assertThat(config.ecs().protocol()).isEqualTo("http");
    assertThat(config.ecs().network()).isEqualTo("vpc");
    assertThat(config.ecs().proxy().uri()).hasToString("http://proxy.example:3128");
    assertThat(config.namespaces()).isEqualTo(List.of("team-a", "team-b"));
    assertThat(config.watchSelector()).isEqualTo("shard=a,tier!=test");
    assertThat(config.defaultInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.childWriteConcurrency()).isEqualTo(4);
    assertThat(config.httpPort()).isEqualTo(9090);
    assertThat(config.metricsEndpoint()).isEqualTo(new OperatorConfig.MetricsEndpoint(9443, false));
    assertThat(config.httpBindAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(config.leaderElection())
        .isEqualTo(new OperatorConfig.LeaderElection("image-pipeline-operator", "operators", "operator-0"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "ECS_PROTOCOL, ftp, ECS_PROTOCOL must be https or http",
    "ECS_NETWORK, private, ECS_NETWORK must be public or vpc",
    "WATCH_SELECTOR, 'shard in (a,b)', WATCH_SELECTOR must be an equality label selector",
    "DEFAULT_INTERVAL, 5s, DEFAULT_INTERVAL must be a duration of at least 10s",
    "DEFAULT_INTERVAL, often, DEFAULT_INTERVAL must be a duration",
    "CHILD_WRITE_CONCURRENCY, 0, CHILD_WRITE_CONCURRENCY must be a whole number of at least 1",
    "HTTP_PORT, http, HTTP_PORT must be a whole number",
    "METRICS_PORT, -1, METRICS_PORT must be a whole number of at least 0",
    "METRICS_SECURE, yes, METRICS_SECURE must be true or false",
    "HTTP_BIND_ADDRESS, localhost, HTTP_BIND_ADDRESS must be an IP address",
    "HTTP_BIND_ADDRESS, 127.0.0.256, HTTP_BIND_ADDRESS must be an IP address",
    "HTTP_BIND_ADDRESS, 127.0.0.01, HTTP_BIND_ADDRESS must be an IP address",
    "HTTP_BIND_ADDRESS, 1::2::3, HTTP_BIND_ADDRESS must be an IP address",
    "LEADER_ELECTION, true, LEADER_ELECTION needs POD_NAMESPACE",
    "ECS_PROXY, proxy.example:3128, ECS_PROXY must start with http://",
    "ECS_PROXY, http://proxy.example, ECS_PROXY needs the proxy's port",
  })
  void rejectsBadValuesNamingTheVariable(String name, String value, String message) {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of(name, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  /** The settings may be logged whole: the proxy's password never shows, nor in a refusal. */
  @Test
  void theEcsProxyPasswordShowsNeitherInTheSettingsNorInARefusal() {
    var config = OperatorConfig.fromEnvironment(Map.of("ECS_PROXY", "http://svc:hunter2@proxy.example:3128"));
    assertThat(config.ecs().proxy()).hasToString("http://***@proxy.example:3128");
    assertThat(config.toString()).contains("http://***@proxy.example:3128").doesNotContain("hunter2");

    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("ECS_PROXY", "http://svc:hunter2@proxy.example")))
        .hasMessage("ECS_PROXY needs the proxy's port, as in http://proxy.example:3128, not 'http://***@proxy.example'");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "127.0.0.1, 127.0.0.1",
    "0.0.0.0, 0.0.0.0",
    "10.1.2.3, 10.1.2.3",
    "::1, 0:0:0:0:0:0:0:1",
    "::, 0:0:0:0:0:0:0:0",
    "fd00::2, fd00:0:0:0:0:0:0:2",
  })
  void bindAddressIsAnIpLiteral(String value, String address) {
    var config = OperatorConfig.fromEnvironment(Map.of("HTTP_BIND_ADDRESS", value));
    assertThat(config.httpBindAddress().getHostAddress()).isEqualTo(address);
  }
}
