package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineExecutionSpec;
import dev.imagebuilder.operator.api.ImagePipelineExecutionStatus;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hostile (or careless) tenant in one namespace of a cluster-wide operator, on the real
 * kube-apiserver: out-of-bound values, names up to 253 characters, a duplicate watch, a forged
 * child, a Secret that borrows another tenant's AccessKey ID. Throughout, a watch in another
 * namespace keeps being served and the one operator process stays up.
 *
 * <p>The methods run in order on one operator: the values that once crashed the process come
 * last, so that each earlier case is judged on its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantIsolationIT {

  static final String REGION = "cn-shanghai";
  static final String OPERATOR_KEY_ID = "LTAI5tTenantOperator";
  static final String OPERATOR_KEY_SECRET = "tenant-operator-secret-value";
  static final String VICTIM_KEY_ID = "LTAI5tTenantVictim";
  static final String VICTIM_KEY_SECRET = "tenant-victim-secret-value";
  static final String GUESSED_SECRET = "tenant-thief-guessed-secret";
  static final String CREDENTIALS_LABEL = ImagePipelineWatch.GROUP + "/credentials";
  static final String WATCHES_CRD = "imagepipelinewatches." + ImagePipelineWatch.GROUP;

  static RealCluster cluster;
  static EcsSimulator ecs;
  static Process operator;
  static Watches watches;
  /** The hostile tenant's namespace. */
  static String hostile;
  /** Another team's namespace, whose watch must keep being served. */
  static String steady;
  /** A tenant with its own AccessKey, whose ID the hostile tenant borrows. */
  static String victim;

  static final String STEADY_PIPELINE = "ip-tenantsteady";
  static int steadyChecks;

  @BeforeAll
  static void startEverything() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs =
        EcsSimulator.start()
            .credentials(OPERATOR_KEY_ID, OPERATOR_KEY_SECRET)
            .credentials(VICTIM_KEY_ID, VICTIM_KEY_SECRET);
    hostile = cluster.freshNamespace("hostile");
    steady = cluster.freshNamespace("steady");
    victim = cluster.freshNamespace("victim");

    operator =
        cluster.startOperator(
            ecs,
            OPERATOR_KEY_ID,
            OPERATOR_KEY_SECRET,
            Map.of("WATCH_CREDENTIALS", "true", "HTTP_PORT", "0",
                "OWN_CREDENTIALS_GRANTS", RealCluster.grantsToAll(hostile, steady, victim)),
            "tenant-isolation-operator.log");

    ecs.addPipeline(REGION, STEADY_PIPELINE);
    String first = ecs.addExecution(REGION, STEADY_PIPELINE, "SUCCESS", "m-steady0", "Image created");
    watches.create(steady, "steady", STEADY_PIPELINE, "interval: 1m");
    await("the steady watch's first child", () -> watches.childNamesOf(steady, "steady").contains(first));
    await("the steady watch Ready", () -> watches.ready(steady, "steady"));
  }

  @AfterAll
  static void stopEverything() throws InterruptedException {
    try {
      // Namespaces go while the operator still runs: a hostile watch must not outlive this class
      // and meet the operator of the next one.
      if (cluster != null) {
        for (String ns : Stream.of(hostile, steady, victim).filter(n -> n != null).toList()) {
          cluster.client.namespaces().withName(ns).delete();
        }
        for (String ns : Stream.of(hostile, steady, victim).filter(n -> n != null).toList()) {
          await("the watches of namespace " + ns + " deleted", () -> watches.names(ns).isEmpty());
        }
      }
    } finally {
      RealCluster.stopOperator(operator);
      if (ecs != null) {
        ecs.close();
      }
    }
  }

  /**
   * A new execution and a poll request in the steady namespace are both handled, and the operator
   * process is the one started at the beginning: whatever the hostile tenant did, another team is
   * still served.
   */
  static void anotherNamespaceIsStillServed(String after) {
    assertThat(operator.isAlive()).as("the operator process is alive after %s", after).isTrue();
    int n = ++steadyChecks;
    String id = ecs.addExecution(REGION, STEADY_PIPELINE, "SUCCESS", "m-steady" + n, "Image created");
    watches.pollAndWait(steady, "steady", "after-" + after + "-" + n);
    await("the steady watch mirrors " + id + " after " + after, () -> watches.childNamesOf(steady, "steady").contains(id));
    assertThat(operator.isAlive()).as("the operator process is alive after %s", after).isTrue();
  }

  private static String pipeline(String id, int executions, String imageId) {
    ecs.addPipeline(REGION, id);
    if (executions > 0) {
      ecs.addExecutions(REGION, id, executions, "SUCCESS", imageId, "Image created");
    }
    return id;
  }

  private static String nameOfLength(String prefix, int length) {
    StringBuilder name = new StringBuilder(prefix);
    while (name.length() < length) {
      // dots keep it a DNS subdomain made of short labels, as long object names usually are
      name.append(name.length() % 40 == 39 ? '.' : (char) ('a' + name.length() % 26));
    }
    name.setCharAt(length - 1, 'z');
    return name.toString();
  }

  // ------------------------------------------------------------------ (c) long names

  @Test
  @Order(1)
  void watchNamesUpTo253CharactersMirrorTheirExecutions() {
    // Two 253-character names that differ only in their last character: a label value cut to 63
    // characters would be the same for both.
    String name253 = nameOfLength("long-name-253-", 253);
    List<String> names = List.of(nameOfLength("long-name-70-", 70), name253, name253.substring(0, 252) + "y");
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      String pipeline = pipeline("ip-longname" + i, 3, "m-long" + i);
      watches.create(hostile, name, pipeline, "interval: 1m");
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      String what = "the " + name.length() + "-character watch #" + i;
      var expected =
          ecs.executions(REGION, "ip-longname" + i).stream().map(EcsSimulator.Execution::executionId).sorted().toList();
      await(what + " mirrors its 3 executions", () -> watches.childNamesOf(hostile, name).equals(expected));
      await(what + " Ready", () -> watches.ready(hostile, name));
      assertThat(watches.get(hostile, name).getStatus().getLatestSuccessfulImageId()).isEqualTo("m-long" + i);

      // kubectl get ipe -l <watch label>=<its value> lists this watch's children and no other's
      var labels =
          watches.childrenOf(hostile, name).stream()
              .map(c -> c.getMetadata().getLabels().get(ImagePipelineExecution.WATCH_LABEL))
              .distinct()
              .toList();
      assertThat(labels).as("the watch label values of %s's children", what).hasSize(1);
      var selected =
          cluster.client.resources(ImagePipelineExecution.class).inNamespace(hostile)
              .withLabel(ImagePipelineExecution.WATCH_LABEL, labels.get(0)).list().getItems().stream()
              .map(c -> c.getMetadata().getName())
              .sorted()
              .toList();
      assertThat(selected).as("children selected by the watch label of %s", what).isEqualTo(expected);
    }
    anotherNamespaceIsStillServed("long names");
  }

  // ------------------------------------------------------------------ (d) duplicate watch

  @Test
  @Order(2)
  void aSecondWatchOfTheSamePipelineStallsNamingTheFirstAndWritesNothing() {
    String pipeline = pipeline("ip-duplicated", 2, "m-dup");
    watches.create(hostile, "a-first", pipeline, "interval: 1m");
    await("the first watch mirrors both executions", () -> watches.childrenOf(hostile, "a-first").size() == 2);
    await("the first watch Ready", () -> watches.ready(hostile, "a-first"));

    watches.create(hostile, "b-second", pipeline, "interval: 1m");

    String message = watches.awaitStalled(hostile, "b-second", "DuplicatePipeline");
    assertThat(message).contains("a-first");
    assertThat(watches.hasCondition(hostile, "a-first", "Ready", "True", null)).as("the first watch stays Ready").isTrue();

    // A new execution reaches the first watch; the second still writes nothing.
    String next = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-dup2", "Image created");
    watches.pollAndWait(hostile, "a-first", "duplicate-first");
    await("the first watch mirrors the new execution", () -> watches.childNamesOf(hostile, "a-first").contains(next));
    watches.pollAndWait(hostile, "b-second", "duplicate-second");
    assertThat(watches.hasCondition(hostile, "b-second", "Stalled", "True", "DuplicatePipeline")).as("still a duplicate").isTrue();
    assertThat(watches.childrenOf(hostile, "b-second")).as("children controlled by the second watch").isEmpty();
    assertThat(watches.childrenOf(hostile, "a-first")).hasSize(3);
    anotherNamespaceIsStillServed("a duplicate watch");
  }

  // ------------------------------------------------------------------ (e) forged child

  @Test
  @Order(3)
  void aForgedChildNeverMovesTheWatchsLatestImage() {
    String pipeline = pipeline("ip-forgery", 0, null);
    String real1 = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-real1", "Image created");
    watches.create(hostile, "forgery-target", pipeline, "interval: 1m");
    await(
        "the watch reports its real image",
        () -> watches.ready(hostile, "forgery-target")
            && "m-real1".equals(watches.get(hostile, "forgery-target").getStatus().getLatestSuccessfulImageId()));

    // What any namespace user can write: the watch's labels, a controller reference to it, a
    // successful phase, an image of their choosing and a creation time later than any real one.
    var target = watches.get(hostile, "forgery-target");
    var real = watches.childrenOf(hostile, "forgery-target").get(0);
    var forged = new ImagePipelineExecution();
    forged.setMetadata(
        new ObjectMetaBuilder()
            .withName("exec-forged00001")
            .withNamespace(hostile)
            .withLabels(real.getMetadata().getLabels())
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(target.getApiVersion())
                    .withKind(target.getKind())
                    .withName(target.getMetadata().getName())
                    .withUid(target.getMetadata().getUid())
                    .withController(true)
                    .build())
            .build());
    forged.setSpec(new ImagePipelineExecutionSpec(REGION, pipeline, "exec-forged00001"));
    var status = new ImagePipelineExecutionStatus();
    status.setPhase("SUCCESS");
    status.setImageId("m-forged00001");
    status.setMessage("Image created");
    status.setCreationTime("2099-12-31T23:59:59Z");
    status.setModifiedTime("2099-12-31T23:59:59Z");
    forged.setStatus(status);
    cluster.client.resource(forged).create();

    watches.pollAndWait(hostile, "forgery-target", "after-forgery-1");
    var afterForgery = watches.get(hostile, "forgery-target").getStatus();
    assertThat(afterForgery.getLatestSuccessfulImageId()).isEqualTo("m-real1");
    assertThat(afterForgery.getLatestExecution().getExecutionId()).isEqualTo(real1);

    // A real execution that is newer in ECS (but older than the forged creation time) wins.
    String real2 = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-real2", "Image created");
    watches.pollAndWait(hostile, "forgery-target", "after-forgery-2");
    await("the watch mirrors " + real2, () -> watches.childNamesOf(hostile, "forgery-target").contains(real2));
    var afterReal = watches.get(hostile, "forgery-target").getStatus();
    assertThat(afterReal.getLatestSuccessfulImageId()).isEqualTo("m-real2");
    assertThat(afterReal.getLatestExecution().getExecutionId()).isEqualTo(real2);
    assertThat(afterReal.getLatestExecution().getImageId()).isEqualTo("m-real2");
    anotherNamespaceIsStillServed("a forged child");
  }

  // ------------------------------------------------------------------ (f) per-watch credentials

  private static void credentialsSecret(String ns, String name, String keyId, String keySecret, boolean optedIn) {
    var metadata = new ObjectMetaBuilder().withName(name).withNamespace(ns);
    if (optedIn) {
      metadata.addToLabels(CREDENTIALS_LABEL, "true");
    }
    cluster
        .client
        .resource(
            new SecretBuilder()
                .withMetadata(metadata.build())
                .addToStringData("access-key-id", keyId)
                .addToStringData("access-key-secret", keySecret)
                .build())
        .create();
  }

  @Test
  @Order(4)
  void aSecretWithoutTheCredentialsLabelIsNotUsed() {
    String pipeline = pipeline("ip-unlabeled", 2, "m-unlabeled");
    credentialsSecret(hostile, "unlabeled-keys", VICTIM_KEY_ID, VICTIM_KEY_SECRET, false);

    watches.create(hostile, "unlabeled", pipeline, "interval: 1m\ncredentialsSecretRef: {name: unlabeled-keys}");

    String message = watches.awaitStalled(hostile, "unlabeled", "CredentialsSecretNotLabeled");
    assertThat(message).contains("unlabeled-keys").doesNotContain(VICTIM_KEY_SECRET);
    assertThat(watches.childrenOf(hostile, "unlabeled")).isEmpty();
    anotherNamespaceIsStillServed("an unlabeled Secret");
  }

  @Test
  @Order(5)
  void aBorrowedAccessKeyIdWithAWrongSecretGetsNothingWhileItsOwnerPolls() {
    String pipeline = pipeline("ip-victim", 2, "m-victim");
    // Every poll a full listing, so that each of the owner's listings could serve the borrower's.
    String every10s = "interval: 10s\nfullResyncInterval: 10s\n";
    credentialsSecret(victim, "keys", VICTIM_KEY_ID, VICTIM_KEY_SECRET, true);
    watches.create(victim, "owner", pipeline, every10s + "credentialsSecretRef: {name: keys}");
    await("the owner's watch mirrors its executions", () -> watches.childrenOf(victim, "owner").size() == 2);
    await("the owner's watch Ready", () -> watches.ready(victim, "owner"));

    // The hostile tenant knows the ID (it is no secret) and guesses the secret. Its watch starts
    // right after one of the owner's polls, within the time a listing is shared.
    credentialsSecret(hostile, "borrowed-keys", VICTIM_KEY_ID, GUESSED_SECRET, true);
    String lastSync = watches.get(victim, "owner").getStatus().getLastSyncTime();
    await("another poll of the owner's watch", () -> !lastSync.equals(watches.get(victim, "owner").getStatus().getLastSyncTime()));
    watches.create(hostile, "borrower", pipeline, every10s + "credentialsSecretRef: {name: borrowed-keys}");

    // While the owner's watch lists the pipeline (three more polls, one of them with news), the
    // borrower never gets a child: any child would be the owner's listing leaking across.
    Set<String> ownerSyncs = new HashSet<>();
    String news = ecs.addExecution(REGION, pipeline, "SUCCESS", "m-victim2", "Image created");
    await(
        "the borrower Stalled/AccessDenied while the owner polled three more times",
        () -> {
          assertThat(borrowedChildren(pipeline)).as("children in the hostile namespace from the owner's pipeline").isEmpty();
          var owner = watches.get(victim, "owner").getStatus();
          if (owner != null && owner.getLastSyncTime() != null) {
            ownerSyncs.add(owner.getLastSyncTime());
          }
          return ownerSyncs.size() >= 4
              && watches.hasCondition(hostile, "borrower", "Stalled", "True", "AccessDenied")
              && watches.childNamesOf(victim, "owner").contains(news);
        });
    assertThat(borrowedChildren(pipeline)).isEmpty();
    assertThat(watches.hasCondition(hostile, "borrower", "Ready", "False", null)).isTrue();
    String message = watches.condition(hostile, "borrower", "Stalled").orElseThrow().getMessage();
    assertThat(message).doesNotContain(GUESSED_SECRET).doesNotContain(VICTIM_KEY_SECRET);
    var borrower = watches.get(hostile, "borrower").getStatus();
    assertThat(borrower.getLatestSuccessfulImageId()).as("the owner's image, seen by the borrower").isNull();
    assertThat(borrower.getLatestExecution()).as("the owner's latest execution, seen by the borrower").isNull();
    assertThat(borrower.getExecutionCount()).as("the owner's execution count, seen by the borrower").isIn(null, 0);
    assertThat(watches.ready(victim, "owner")).as("the owner's watch stays Ready").isTrue();
    anotherNamespaceIsStillServed("a borrowed AccessKey ID");
  }

  private static List<String> borrowedChildren(String pipeline) {
    return watches.children(hostile).stream()
        .filter(c -> c.getSpec() != null && pipeline.equals(c.getSpec().getImagePipelineId()))
        .map(c -> c.getMetadata().getName())
        .toList();
  }

  // ------------------------------------------------------------------ (a), (b) out-of-bound values

  /** A value the schema bounds, the field it is in, and the bound the API server names. */
  record Hostile(String field, String spec, String bound) {
    String slug() {
      return field.replaceAll("[^A-Za-z]", "-").toLowerCase();
    }

    @Override
    public String toString() {
      return spec;
    }
  }

  static Stream<Hostile> hostileValues() {
    return Stream.of(
        new Hostile("history.maxCount", "history: {maxCount: 3000000000}", "100000"),
        new Hostile("history.successfulLimit", "history: {successfulLimit: 9999999999}", "100000"),
        new Hostile("history.failedLimit", "history: {failedLimit: 100001}", "100000"),
        new Hostile("history.ttlSecondsAfterFinished", "history: {ttlSecondsAfterFinished: 99999999999999999}", "315360000"),
        new Hostile("history.maxAge", "history: {maxAge: 10000000000000h}", "12"),
        new Hostile("interval", "interval: 9999999999999999h", "12"),
        new Hostile("fullResyncInterval", "fullResyncInterval: 9999999999999999h", "12"));
  }

  private static RealCluster.Result kubectlApply(String ns, String name, String pipeline, String spec)
      throws IOException, InterruptedException {
    Path file = Files.createTempFile("hostile", ".yaml");
    try {
      Files.writeString(file, watches.yaml(name, pipeline, spec));
      return cluster.kubectl("apply", "-n", ns, "-f", file.toString());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileValues")
  @Order(6)
  void outOfBoundValuesAreRejectedNamingTheField(Hostile value) throws Exception {
    String name = "rejected-" + value.slug();
    var applied = kubectlApply(hostile, name, "ip-rejected", value.spec());
    try {
      assertThat(applied.exitCode()).as("kubectl apply of %s: %s", value.spec(), applied.output()).isNotZero();
      assertThat(applied.output()).contains("spec." + value.field()).contains(value.bound());
    } finally {
      if (applied.exitCode() == 0) {
        cluster.kubectl("delete", "imagepipelinewatch", name, "-n", hostile, "--ignore-not-found");
      }
    }
  }

  @Test
  @Order(7)
  void watchesStoredUnderAnUnboundedSchemaStallNamingTheirFieldAndTheOperatorStaysUp() throws Exception {
    CustomResourceDefinition bounded;
    try (var in = Files.newInputStream(RealCluster.REPO.resolve("crds/" + WATCHES_CRD + "-v1.yml"))) {
      bounded = cluster.client.apiextensions().v1().customResourceDefinitions().load(in).item();
    }
    List<Hostile> values = hostileValues().toList();
    try {
      installWithoutBounds(bounded, values);
      int i = 0;
      for (Hostile value : values) {
        String name = "stored-" + value.slug();
        String pipeline = pipeline("ip-stored" + (i++), 1, "m-stored");
        await(
            "the unbounded schema accepts " + value.spec(),
            () -> {
              try {
                return kubectlApply(hostile, name, pipeline, value.spec()).exitCode() == 0;
              } catch (IOException e) {
                throw new IllegalStateException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
      }
      for (Hostile value : values) {
        String name = "stored-" + value.slug();
        String message = watches.awaitStalled(hostile, name, "InvalidSpec");
        assertThat(message).as("the Stalled message of %s", name).containsPattern("\\b" + Pattern.quote(value.field()) + "\\b");
        assertThat(watches.childrenOf(hostile, name)).as("children of %s", name).isEmpty();
      }
      assertThat(operator.isAlive()).as("the operator process is alive with every stored value").isTrue();
    } finally {
      cluster.applyCrds();
    }
    anotherNamespaceIsStillServed("watches stored under an unbounded schema");
  }

  /**
   * Replaces the watches CRD with {@code bounded} minus the maximum, maxLength and validation rules
   * of each field in {@code values}: the schema an older release installed. A replace, not an apply, so that no
   * other field manager keeps the bounds.
   */
  private static void installWithoutBounds(CustomResourceDefinition bounded, List<Hostile> values) {
    ObjectNode crd = Serialization.jsonMapper().valueToTree(bounded);
    for (var version : crd.withArray("/spec/versions")) {
      var spec = version.at("/schema/openAPIV3Schema/properties/spec/properties");
      for (Hostile value : values) {
        var node = spec;
        for (String part : value.field().split("\\.")) {
          node = node.has(part) ? node.get(part) : node.path("properties").path(part);
        }
        if (node instanceof ObjectNode field) {
          field.remove("maximum");
          field.remove("maxLength");
          field.remove("x-kubernetes-validations");
        }
      }
    }
    var unbounded = Serialization.jsonMapper().convertValue(crd, CustomResourceDefinition.class);
    var crds = cluster.client.apiextensions().v1().customResourceDefinitions();
    unbounded.getMetadata().setResourceVersion(crds.withName(WATCHES_CRD).get().getMetadata().getResourceVersion());
    cluster.client.resource(unbounded).update();
    crds.withName(WATCHES_CRD).waitUntilCondition(RealCluster::established, 60, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ the end

  @Test
  @Order(8)
  void theOperatorOutlivedEveryTenantAndStillServesTheOtherNamespace() {
    anotherNamespaceIsStillServed("every hostile case");
    assertThat(watches.ready(steady, "steady")).as("the steady watch Ready").isTrue();
    assertThat(operator.isAlive()).isTrue();
  }
}
