package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.ImagePipelineOperatorTest.condition;
import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagebuilder.operator.api.CredentialsSecretRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * LOG_FORMAT=json (the chart's {@code logFormat: json}): the production logback.xml, at DEBUG, over
 * a run that syncs, throttles and is refused by ECS with per-watch Secrets, writes nothing to
 * stdout but JSON objects, one per line, and none of them holds a secret value.
 */
@EnableKubernetesMockClient(crud = true)
class JsonLogFormatTest {

  static final String WATCH_KEY_ID = "LTAI5tJsonLogs";
  static final String WATCH_SECRET = "MARKER-json-watch-secret-41d7";
  static final String WRONG_SECRET = "MARKER-json-wrong-secret-9b0e";
  static final String TOKEN = "MARKER-json-token-77aa";
  static final String OPERATOR_SECRET = "MARKER-json-operator-secret-3c1f";

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void everyLineIsOneJsonObjectAndNoneHoldsASecret() throws Exception {
    List<String> lines = runWithProductionLogging(Map.of("LOG_FORMAT", "json", "LOG_LEVEL", "DEBUG"), () -> {
      try (var harness = new OperatorHarness(server, client)) {
        harness.ecs.credentials(WATCH_KEY_ID, WATCH_SECRET);
        String pipeline = harness.pipeline("ip-jsonlogs");
        harness.ecs.addExecutions(REGION, pipeline, 3, "SUCCESS");
        secret("good", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WATCH_SECRET));
        secret("bad", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WRONG_SECRET, "token", TOKEN));
        harness.start(OperatorHarness.ACCESS_KEY_ID, OPERATOR_SECRET, Clock.systemUTC(), Map.of("WATCH_CREDENTIALS", "true"));
        harness.createWatch("good", pipeline, spec -> spec.setCredentialsSecretRef(ref("good", null)));
        harness.createWatch("bad", harness.pipeline("ip-jsonlogs2"), spec -> spec.setCredentialsSecretRef(ref("bad", "token")));
        harness.createWatch("operator-key", harness.pipeline("ip-jsonlogs3"), spec -> {});
        harness.awaitFirstPoll("good");
        assertThat(condition(harness.awaitFirstPoll("bad"), "Stalled")).map(Condition::getReason).contains("AccessDenied");
        assertThat(condition(harness.awaitFirstPoll("operator-key"), "Stalled")).map(Condition::getReason).contains("AccessDenied");
      }
    });

    var json = new ObjectMapper();
    var loggers = new ArrayList<String>();
    assertThat(lines).as("lines written").isNotEmpty();
    for (String line : lines) {
      JsonNode event = json.readTree(line);
      assertThat(event.isObject()).as("one JSON object per line: %s", line).isTrue();
      assertThat(event.path("level").asText()).as("level of %s", line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
      assertThat(event.path("formattedMessage").isTextual()).as("message of %s", line).isTrue();
      loggers.add(event.path("loggerName").asText());
      for (String secret : List.of(WATCH_SECRET, WRONG_SECRET, TOKEN, OPERATOR_SECRET)) {
        assertThat(line).doesNotContain(secret);
      }
    }
    assertThat(loggers).as("the operator's own events are among them").anyMatch(l -> l.startsWith("dev.imagebuilder"));
  }

  /**
   * Runs {@code body} with logging configured by the production logback.xml (the test classpath's
   * logback-test.xml aside) and the given variables, and returns the lines it wrote to stdout.
   */
  static List<String> runWithProductionLogging(Map<String, String> variables, Runnable body) throws Exception {
    var context = (LoggerContext) LoggerFactory.getILoggerFactory();
    var production = JsonLogFormatTest.class.getClassLoader().getResource("logback.xml");
    assertThat(production).as("the production logback.xml").isNotNull();
    PrintStream stdout = System.out;
    var captured = new ByteArrayOutputStream();
    try {
      variables.forEach(System::setProperty);
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      context.reset();
      var configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(production);
      body.run();
    } finally {
      context.reset();
      System.setOut(stdout);
      variables.keySet().forEach(System::clearProperty);
      new ContextInitializer(context).autoConfig();
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private void secret(String name, Map<String, String> data) {
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(OperatorHarness.NAMESPACE)
        .withLabels(Map.of("ecs.imagebuilder.dev/credentials", "true")).endMetadata()
        .withStringData(data).build()).create();
  }

  private static CredentialsSecretRef ref(String name, String tokenKey) {
    var ref = new CredentialsSecretRef();
    ref.setName(name);
    ref.setSecurityTokenKey(tokenKey);
    return ref;
  }
}
