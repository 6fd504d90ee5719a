package dev.imagebuilder.operator;

import static dev.imagebuilder.operator.ImagePipelineOperatorTest.condition;
import static dev.imagebuilder.operator.OperatorHarness.NAMESPACE;
import static dev.imagebuilder.operator.OperatorHarness.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.CredentialsSecretRef;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionSpec;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.api.ImagePipelineWatchSpec;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import dev.imagebuilder.operator.ecs.ImagePipelines;
import dev.imagebuilder.operator.ecs.PipelineRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.math.BigInteger;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * One operator serves every namespace: what one tenant writes, carelessly or on purpose, reaches
 * no other tenant and never stops the operator. Each case as a tenant would try it.
 */
class TenantIsolationTest extends MockClusterTest {

  static final String OTHER = "team-b";

  @Test
  void aForgedChildNeverMovesTheLatestImageOrExecution() {
    String pipeline = harness.pipeline("ip-forged");
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS", "m-real", "built");
    harness.start();
    var watch = harness.createWatch("deploys", pipeline, spec -> {});
    var synced = harness.awaitFirstPoll("deploys");
    String realImage = synced.getStatus().getLatestSuccessfulImageId();
    String realLatest = synced.getStatus().getLatestExecution().getExecutionId();
    assertThat(realImage).startsWith("m-real");

    // A namespace user writes a child that claims the watch, with a later time and another image.
    var forged = new ImagePipelineExecution();
    forged.setMetadata(new ObjectMetaBuilder()
        .withName("exec-forged").withNamespace(NAMESPACE)
        .withLabels(synced.getMetadata().getName().equals("deploys") ? harness.children().get(0).getMetadata().getLabels() : Map.of())
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(watch.getApiVersion()).withKind(watch.getKind())
            .withName("deploys").withUid(synced.getMetadata().getUid()).withController(true).build())
        .build());
    forged.setSpec(new ImagePipelineExecutionSpec(REGION, pipeline, "exec-forged"));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase("SUCCESS");
    status.setImageId("m-forged");
    status.setCreationTime("2099-01-01T00:00:00Z");
    status.setModifiedTime("2099-01-01T00:00:00Z");
    forged.setStatus(status);
    client.resource(forged).create();

    harness.poll("deploys");
    var after = harness.poll("deploys");

    assertThat(after.getStatus().getLatestSuccessfulImageId()).isEqualTo(realImage);
    assertThat(after.getStatus().getLatestExecution().getExecutionId()).isEqualTo(realLatest);
    assertThat(after.getStatus().getExecutionCount()).isEqualTo(2);
  }

  @Test
  void anObjectAUserCreatedUnderAnExecutionsNameIsNeverTakenOver() {
    String pipeline = harness.pipeline("ip-squatted");
    String id = harness.ecs.addExecution(REGION, pipeline, "SUCCESS");
    var squatter = new ImagePipelineExecution();
    squatter.setMetadata(new ObjectMetaBuilder().withName(id).withNamespace(NAMESPACE).build());
    squatter.setSpec(new ImagePipelineExecutionSpec(REGION, pipeline, "mine"));
    client.resource(squatter).create();
    harness.start();

    var watch = harness.createWatch("late", pipeline, spec -> {});
    harness.awaitFirstPoll("late");

    var after = harness.child(id);
    assertThat(after.getSpec().getExecutionId()).isEqualTo("mine");
    assertThat(after.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(condition(harness.watch("late"), "Ready")).map(Condition::getStatus).contains("True");
    assertThat(events("ExecutionNameTaken")).isNotEmpty();
  }

  @Test
  void perWatchSecretsMustOptInWithTheirLabel() {
    String pipeline = harness.pipeline("ip-unlabelled");
    secret(NAMESPACE, "plain", Map.of("access-key-id", "AK", "access-key-secret", "SK"), false);
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, Clock.systemUTC(), Map.of("WATCH_CREDENTIALS", "true"));
    harness.createWatch("uses-plain", pipeline, spec -> spec.setCredentialsSecretRef(ref("plain")));

    var watch = harness.awaitFirstPoll("uses-plain");

    assertThat(condition(watch, "Stalled")).map(Condition::getReason).contains("CredentialsSecretNotLabeled");
    assertThat(condition(watch, "Stalled").get().getMessage()).contains("ecs.imagebuilder.dev/credentials");
  }

  @Test
  void aBorrowedAccessKeyIdWithAWrongSecretGetsNothingOfTheOwnersListing() {
    String pipeline = harness.pipeline("ip-shared");
    harness.ecs.credentials("LTAI5tTeamA", "team-a-secret");
    harness.ecs.addExecutions(REGION, pipeline, 4, "SUCCESS", "m-a", "built");
    namespace(OTHER);
    secret(NAMESPACE, "account", Map.of("access-key-id", "LTAI5tTeamA", "access-key-secret", "team-a-secret"), true);
    secret(OTHER, "account", Map.of("access-key-id", "LTAI5tTeamA", "access-key-secret", "guessed"), true);
    harness.start(OperatorHarness.ACCESS_KEY_ID, OperatorHarness.ACCESS_KEY_SECRET, Clock.systemUTC(), Map.of("WATCH_CREDENTIALS", "true"));
    harness.createWatch("owner", pipeline, spec -> spec.setCredentialsSecretRef(ref("account")));
    harness.awaitFirstPoll("owner");

    // Both poll the same pipeline at the same time, so a listing shared by AccessKey ID would reach B.
    createWatch(OTHER, "borrower", pipeline, spec -> spec.setCredentialsSecretRef(ref("account")));
    OperatorHarness.await("the borrower to stall", () -> condition(watch(OTHER, "borrower"), "Stalled").isPresent());
    harness.poll("owner");

    assertThat(condition(watch(OTHER, "borrower"), "Stalled")).map(Condition::getReason).contains("AccessDenied");
    assertThat(client.resources(ImagePipelineExecution.class).inNamespace(OTHER).list().getItems()).isEmpty();
    assertThat(harness.children()).hasSize(4);
  }

  @Test
  void aWatchNameOf253CharactersIsMirroredWithABoundedLabel() {
    String pipeline = harness.pipeline("ip-longname");
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
    harness.start();
    String name = "a".repeat(240) + ".team-a.x";
    harness.createWatch(name, pipeline, spec -> {});

    var watch = harness.awaitFirstPoll(name);

    assertThat(condition(watch, "Ready")).map(Condition::getStatus).contains("True");
    assertThat(harness.children()).hasSize(2).allSatisfy(c ->
        assertThat(c.getMetadata().getLabels().get(ImagePipelineExecution.WATCH_LABEL)).hasSizeLessThanOrEqualTo(63));
  }

  @Test
  void aWatchTheJavaTypesCannotHoldStallsAloneAndTheOthersAreServed() {
    String pipeline = harness.pipeline("ip-served");
    harness.ecs.addExecutions(REGION, pipeline, 2, "SUCCESS");
    // Stored under an older schema without bounds: a number no Java integer holds.
    var hostile = new GenericKubernetesResource();
    hostile.setApiVersion(ImagePipelineWatch.GROUP + "/" + ImagePipelineWatch.VERSION);
    hostile.setKind("ImagePipelineWatch");
    hostile.setMetadata(new ObjectMetaBuilder().withName("hostile").withNamespace(NAMESPACE).build());
    Map<String, Object> history = new LinkedHashMap<>();
    history.put("maxCount", new BigInteger("99999999999999999999"));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("regionId", REGION);
    spec.put("imagePipelineId", harness.pipeline("ip-hostile"));
    spec.put("history", history);
    hostile.setAdditionalProperty("spec", spec);
    client.genericKubernetesResources(hostile.getApiVersion(), hostile.getKind()).inNamespace(NAMESPACE).resource(hostile).create();
    harness.start();

    harness.createWatch("neighbour", pipeline, s -> {});
    var neighbour = harness.awaitFirstPoll("neighbour");
    OperatorHarness.await("the hostile watch to stall", () -> condition(harness.watch("hostile"), "Stalled").isPresent());

    assertThat(condition(neighbour, "Ready")).map(Condition::getStatus).contains("True");
    var stalled = condition(harness.watch("hostile"), "Stalled").orElseThrow();
    assertThat(stalled.getReason()).isEqualTo("InvalidSpec");
    assertThat(stalled.getMessage()).contains("history.maxCount");
    assertThat(harness.poll("neighbour").getStatus().getExecutionCount()).isEqualTo(2);
  }

  List<io.fabric8.kubernetes.api.model.Event> events(String reason) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  void namespace(String name) {
    client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  void secret(String namespace, String name, Map<String, String> data, boolean optedIn) {
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .withLabels(optedIn ? Map.of("ecs.imagebuilder.dev/credentials", "true") : Map.of()).endMetadata()
        .withStringData(data).build()).create();
  }

  static CredentialsSecretRef ref(String name) {
    var ref = new CredentialsSecretRef();
    ref.setName(name);
    return ref;
  }

  void createWatch(String namespace, String name, String pipeline, Consumer<ImagePipelineWatchSpec> customize) {
    var spec = new ImagePipelineWatchSpec();
    spec.setRegionId(REGION);
    spec.setImagePipelineId(pipeline);
    customize.accept(spec);
    var watch = new ImagePipelineWatch();
    watch.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    watch.setSpec(spec);
    client.resource(watch).create();
  }

  ImagePipelineWatch watch(String namespace, String name) {
    return client.resources(ImagePipelineWatch.class).inNamespace(namespace).withName(name).get();
  }
}
