package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCauseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

@EnableKubernetesMockClient
class WatchEventsTest {

  KubernetesMockServer server;
  KubernetesClient client;

  final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  final Logger logger = (Logger) LoggerFactory.getLogger(WatchEvents.class);
  Level level;

  @BeforeEach
  void captureLogs() {
    level = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
    logger.setLevel(level);
  }

  static Status forbidden(String... causes) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withReason("Forbidden")
        .withCode(403)
        .withMessage("events \"nightly.\" is forbidden")
        .withNewDetails()
        .withKind("events")
        .withCauses(Stream.of(causes).map(c -> new StatusCauseBuilder().withReason(c).withField("metadata.namespace").build()).toList())
        .endDetails()
        .build();
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        // the API server's answer while the namespace is being deleted
        Arguments.of("namespace being deleted", forbidden("NamespaceTerminating"), true),
        Arguments.of("another cause beside it", forbidden("FieldValueInvalid", "NamespaceTerminating"), true),
        // RBAC's answer: the operator may not create events there
        Arguments.of("RBAC", forbidden(), false),
        Arguments.of("another cause", forbidden("FieldValueInvalid"), false),
        Arguments.of("no details", new StatusBuilder().withCode(403).build(), false),
        Arguments.of("no status", null, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aNamespaceBeingDeletedIsToldFromOtherRefusals(String name, Status status, boolean terminating) {
    assertThat(WatchEvents.namespaceTerminating(status)).isEqualTo(terminating);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void onlyARefusalThatIsNotTheNamespaceBeingDeletedIsAWarning(String name, Status status, boolean terminating) {
    server.expect().post().withPath("/api/v1/namespaces/builds/events").andReturn(403, status).once();
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace("builds").withUid("u-1").build());

    WatchEvents.record(client, watch, new WatchEvents.Event("Warning", "CredentialsNotGranted", "not granted"), Instant.EPOCH);

    assertThat(server.getRequestCount()).as("the event was sent").isEqualTo(1);
    List<Level> levels = logs.list.stream().map(ILoggingEvent::getLevel).toList();
    assertThat(levels).containsExactly(terminating ? Level.DEBUG : Level.WARN);
    assertThat(logs.list.get(0).getFormattedMessage()).contains("CredentialsNotGranted", "builds/nightly");
  }
}
