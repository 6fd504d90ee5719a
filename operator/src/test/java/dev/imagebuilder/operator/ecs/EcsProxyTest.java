package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.imagebuilder.operator.simulator.EcsSimulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EcsProxyTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "http://proxy.example:3128,                   http://proxy.example:3128",
    "'  http://proxy.example:3128/  ',            http://proxy.example:3128/",
    "HTTP://10.0.0.5:8080,                        HTTP://10.0.0.5:8080",
    "http://[fd00::5]:3128,                       http://[fd00::5]:3128",
    "http://svc-user:Pa55-w.rd_~!$&*+;=@proxy.example:3128, http://***@proxy.example:3128",
  })
  void acceptsAnHttpProxyWithHostAndPortAndShowsItWithoutCredentials(String value, String shown) {
    var proxy = EcsProxy.parse("ECS_PROXY", value);
    assertThat(proxy.toString()).isEqualTo(shown);
    assertThat(proxy.url()).isEqualTo(value.strip());
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(value = {"''", "'   '", "null"}, nullValues = "null")
  void blankMeansNoProxy(String value) {
    assertThat(EcsProxy.parse("ECS_PROXY", value)).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "proxy.example:3128                        | must start with http://      | proxy.example:3128",
        "https://proxy.example:3128                | must start with http://      | https://proxy.example:3128",
        "socks5://proxy.example:1080               | must start with http://      | socks5://proxy.example:1080",
        "http://proxy.example                      | needs the proxy's port       | http://proxy.example",
        "http://proxy.example:0                    | needs the proxy's port       | http://proxy.example:0",
        "http://proxy.example:65536                | needs the proxy's port       | http://proxy.example:65536",
        "http:///3128                              | must name the proxy          | http:///3128",
        "http://proxy.example:3128/squid           | without a path               | http://proxy.example:3128/squid",
        "http://proxy.example:3128/?x=1            | without a path, query        | http://proxy.example:3128/?x=1",
        "http://proxy example:3128                 | must be a URL                | http://proxy example:3128",
        "http://alice@proxy.example:3128           | user and password together   | http://***@proxy.example:3128",
        "http://:hunter2@proxy.example:3128        | user and password together   | http://***@proxy.example:3128",
        "http://alice:hun:ter2@proxy.example:3128  | neither holding              | http://***@proxy.example:3128",
        "http://alice:hunter2@x@proxy.example:3128 | neither holding              | http://***@proxy.example:3128",
        "http://alice:hunter%32@proxy.example:3128 | or a %-escape                | http://***@proxy.example:3128",
        "http://alice:hunter2@proxy.example        | needs the proxy's port       | http://***@proxy.example",
        "https://alice:hunter2@proxy.example:3128  | must start with http://      | https://***@proxy.example:3128",
        "alice:hunter2@proxy.example:3128          | must start with http://      | ***@proxy.example:3128",
        "http://alice:hunter2@proxy.example:3128/x | without a path               | http://***@proxy.example:3128/x",
      })
  void refusesWhatTheSdkCannotUseNamingTheVariableButNotThePassword(String value, String problem, String shown) {
    assertThatThrownBy(() -> EcsProxy.parse("ECS_PROXY", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("ECS_PROXY ")
        .hasMessageContaining(problem)
        .hasMessageEndingWith("not '" + shown + "'")
        .hasMessageNotContaining("hunter")
        .hasMessageNotContaining("ter2");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "http://proxy.example:3128,               http://proxy.example:3128",
    "http://alice:hunter2@proxy.example:3128, http://***@proxy.example:3128",
    "http://a@b:c@d@proxy.example:3128,       http://***@proxy.example:3128",
    "alice:hunter2@proxy.example:3128,        ***@proxy.example:3128",
    "socks5://u:p@10.0.0.1:1080,              socks5://***@10.0.0.1:1080",
  })
  void redactsEverythingBeforeTheLastAtSign(String text, String redacted) {
    assertThat(EcsProxy.redact(text)).isEqualTo(redacted);
  }

  /**
   * The proxy is the simulator itself (a JDK HTTP server answers a request in absolute form like
   * any other) and the endpoint a closed port: the listing succeeds only if the SDK sent the call to
   * the proxy. The same settings without the proxy cannot reach ECS.
   */
  @Test
  void theSdkSendsEcsCallsToTheProxyRatherThanTheEndpoint() throws Exception {
    try (var sim = EcsSimulator.start().credentials("AKID", "secret").addPipeline("cn-hangzhou", "ip-proxied")) {
      sim.addExecutions("cn-hangzhou", "ip-proxied", 3, "SUCCESS");
      var direct = new EcsSettings("127.0.0.1:" + closedPort(), "http", "public", Duration.ofSeconds(2), Duration.ofSeconds(5));
      var ref = new PipelineRef("cn-hangzhou", "ip-proxied");

      var proxied = api(direct.withProxy(EcsProxy.parse("ECS_PROXY", "http://" + sim.endpoint())));
      assertThat(proxied.listExecutions(ref, Set.of(), 500, page -> {})).hasSize(3);
      assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(1);

      var unreachable = catchThrowableOfType(EcsException.class, () -> api(direct).listExecutions(ref, Set.of(), 500, page -> {}));
      assertThat(unreachable.kind()).isEqualTo(EcsException.Kind.UNAVAILABLE);
      assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(1);
    }
  }

  private static SdkImagePipelines api(EcsSettings settings) {
    var config = new com.aliyun.credentials.models.Config().setType("access_key").setAccessKeyId("AKID").setAccessKeySecret("secret");
    return new SdkImagePipelines(settings, new com.aliyun.credentials.Client(config), "test", new RequestBudget(1000), (a, r, c, k) -> {});
  }

  private static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
