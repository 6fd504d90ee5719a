package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.ImagePipelineOperatorTest.condition;
import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.imagebuilder.operator.api.CredentialsSecretRef;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Per-watch credentials from a Secret in the watch's namespace, and secrets kept out of sight. */
class WatchCredentialsTest extends MockClusterTest {

  static final String WATCH_KEY_ID = "LTAI5tWatchAccount";
  static final String WATCH_SECRET = "MARKER-watch-secret-7f3a91";
  static final String WRONG_SECRET = "MARKER-wrong-secret-c0ffee";
  static final String OPERATOR_SECRET = "MARKER-operator-secret-5eed";

  @BeforeEach
  void setUp() {
    harness.ecs.credentials(WATCH_KEY_ID, WATCH_SECRET);
  }

  private void secret(String name, Map<String, String> data) {
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(OperatorHarness.NAMESPACE)
        .withLabels(Map.of("ecs.imagebuilder.dev/credentials", "true")).endMetadata()
        .withStringData(data).build()).create();
  }

  private static CredentialsSecretRef ref(String name) {
    var ref = new CredentialsSecretRef();
    ref.setName(name);
    return ref;
  }

  @Test
  void aWatchPollsWithTheKeyPairOfASecretInItsNamespace() {
    String pipeline = harness.pipeline("ip-ownaccount");
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
    secret("account", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WATCH_SECRET));
    // The operator's own key is wrong: only the watch's Secret can make this work.
    harness.start(OperatorHarness.ACCESS_KEY_ID, OPERATOR_SECRET, Clock.systemUTC(), Map.of("WATCH_CREDENTIALS", "true"));
    harness.createWatch("own-account", pipeline, spec -> spec.setCredentialsSecretRef(ref("account")));

    var watch = harness.awaitFirstPoll("own-account");

    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("True");
    assertThat(harness.children()).hasSize(2);
  }

  @Test
  void aWatchWithItsOwnSecretNeedsNoGrant() {
    String pipeline = harness.pipeline("ip-ungranted");
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
    secret("account", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WATCH_SECRET));
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, Clock.systemUTC(),
        Map.of("WATCH_CREDENTIALS", "true", "OWN_CREDENTIALS_GRANTS", "[]"));
    harness.createWatch("own-secret", pipeline, spec -> spec.setCredentialsSecretRef(ref("account")));
    harness.createWatch("operators-account", harness.pipeline("ip-ungrantedtoo"), spec -> {});

    assertThat(condition(harness.awaitFirstPoll("own-secret"), "Ready")).map(Condition::getStatus).contains("True");
    assertThat(harness.children()).hasSize(2);
    assertThat(condition(harness.awaitFirstPoll("operators-account"), "Stalled")).map(Condition::getReason)
        .contains("CredentialsNotGranted");
  }

  @Test
  void perWatchCredentialsAreRefusedUnlessTheOperatorAllowsThem() {
    String pipeline = harness.pipeline("ip-notallowed");
    secret("account", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WATCH_SECRET));
    harness.start();
    harness.createWatch("not-allowed", pipeline, spec -> spec.setCredentialsSecretRef(ref("account")));

    var watch = harness.awaitFirstPoll("not-allowed");

    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("WatchCredentialsDisabled");
  }

  @Test
  void aMissingSecretOrKeyStallsTheWatchNamingWhatIsMissing() {
    String pipeline = harness.pipeline("ip-badsecret");
    secret("half", Map.of("access-key-id", WATCH_KEY_ID));
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, Clock.systemUTC(), Map.of("WATCH_CREDENTIALS", "true"));
    harness.createWatch("no-secret", pipeline, spec -> spec.setCredentialsSecretRef(ref("absent")));
    harness.createWatch("no-key", harness.pipeline("ip-badsecret2"), spec -> spec.setCredentialsSecretRef(ref("half")));

    var noSecret = harness.awaitFirstPoll("no-secret");
    var noKey = harness.awaitFirstPoll("no-key");

    assertThat(condition(noSecret, "Stalled")).map(Condition::getReason).contains("CredentialsSecretNotFound");
    assertThat(condition(noSecret, "Stalled").get().getMessage()).contains("absent");
    assertThat(condition(noKey, "Stalled")).map(Condition::getReason).contains("CredentialsSecretInvalid");
    assertThat(condition(noKey, "Stalled").get().getMessage()).contains("access-key-secret");
  }

  @Test
  void noSecretValueAppearsInLogsEventsOrStatuses() {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    Level rootLevel = root.getLevel();
    Logger ours = (Logger) LoggerFactory.getLogger("dev.imagebuilder");
    Level oursLevel = ours.getLevel();
    var logs = new ListAppender<ILoggingEvent>();
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.DEBUG);
    ours.setLevel(Level.DEBUG);
    try {
      String pipeline = harness.pipeline("ip-marked");
      harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
      secret("good", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WATCH_SECRET));
      secret("bad", Map.of("access-key-id", WATCH_KEY_ID, "access-key-secret", WRONG_SECRET, "token", "MARKER-token-9d2e"));
      harness.start(OperatorHarness.ACCESS_KEY_ID, OPERATOR_SECRET, Clock.systemUTC(), Map.of("WATCH_CREDENTIALS", "true"));
      harness.createWatch("good", pipeline, spec -> spec.setCredentialsSecretRef(ref("good")));
      var badRef = ref("bad");
      badRef.setSecurityTokenKey("token");
      harness.createWatch("bad", harness.pipeline("ip-marked2"), spec -> spec.setCredentialsSecretRef(badRef));
      harness.createWatch("operator-key", harness.pipeline("ip-marked3"), spec -> {});
      harness.awaitFirstPoll("good");
      assertThat(condition(harness.awaitFirstPoll("bad"), "Stalled")).map(Condition::getReason).contains("AccessDenied");
      assertThat(condition(harness.awaitFirstPoll("operator-key"), "Stalled")).map(Condition::getReason).contains("AccessDenied");

      StringBuilder seen = new StringBuilder();
      logs.list.forEach(e -> {
        seen.append(e.getFormattedMessage()).append('\n');
        if (e.getThrowableProxy() != null) {
          seen.append(e.getThrowableProxy().getMessage()).append('\n');
        }
      });
      client.v1().events().inNamespace(OperatorHarness.NAMESPACE).list().getItems().forEach(e -> seen.append(Serialization.asJson(e)));
      client.resources(ImagePipelineWatch.class).inNamespace(OperatorHarness.NAMESPACE).list().getItems()
          .forEach(w -> seen.append(Serialization.asJson(w.getStatus())));
      client.resources(ImagePipelineExecution.class).inNamespace(OperatorHarness.NAMESPACE).list().getItems()
          .forEach(c -> seen.append(Serialization.asJson(c)));

      assertThat(logs.list).as("the test saw the operator's logs").isNotEmpty();
      assertThat(seen.toString())
          .contains("SignatureDoesNotMatch")
          .doesNotContain("MARKER");
    } finally {
      root.detachAppender(logs);
      root.setLevel(rootLevel);
      ours.setLevel(oursLevel);
    }
  }
}
