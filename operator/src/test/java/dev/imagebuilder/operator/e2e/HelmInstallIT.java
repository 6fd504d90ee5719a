package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import dev.imagebuilder.operator.simulator.EcsSimulator;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Helm chart on a real kube-apiserver: {@code helm install} (server dry run, then for real),
 * the operator jar run with exactly the environment and the ServiceAccount token a pod of the
 * chart's Deployment would get (so its RBAC is proven sufficient by a working operator), {@code
 * kubectl auth can-i} as that ServiceAccount (so the RBAC is proven not to be more), a second
 * release with two replicas, {@code watchNamespaces} and JSON logs, and {@code helm upgrade} / {@code
 * helm uninstall} of the CRDs. The chart's pods never run here (their image is not in any
 * registry; PodInstallIT runs them on the node), the jar stands in for them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmInstallIT {

  static final Path CHART = RealCluster.REPO.resolve("helm/image-pipeline-operator");
  static final String REGION = "cn-hangzhou";
  static final String KEY_ID = "LTAI5tHelmE2e";
  static final String KEY_SECRET = "helm-e2e-secret-value";
  static final String GROUP = "ecs.imagebuilder.dev";
  static final String WATCHES = "imagepipelinewatches." + GROUP;
  static final String EXECUTIONS = "imagepipelineexecutions." + GROUP;
  static final List<String> CRDS = List.of(WATCHES, EXECUTIONS);
  static final String LEASES = "leases.coordination.k8s.io";

  /** Serves every namespace, one replica holding the Lease: the default install. */
  static final String RELEASE = "ipo";
  static final String FULLNAME = "ipo-image-pipeline-operator";
  /** Two replicas serving one namespace; the CRDs stay with RELEASE. */
  static final String HA_RELEASE = "ipo-ha";
  static final String HA_FULLNAME = "ipo-ha-image-pipeline-operator";

  static final Path LOGS = Path.of("target", "e2e");

  static RealCluster cluster;
  static Watches watches;
  static EcsSimulator ecs;
  /** Namespaces of the two releases, and the namespaces their watches live in. */
  static String releaseNs;
  static String haNs;
  static String teamA;
  static String teamB;

  @BeforeAll
  static void setUp() throws IOException {
    cluster = new RealCluster();
    cluster.applyCrds();
    watches = new Watches(cluster.client, REGION);
    ecs = EcsSimulator.start().credentials(KEY_ID, KEY_SECRET);
    releaseNs = cluster.freshNamespace("ipo");
    haNs = cluster.freshNamespace("ipo-ha");
    teamA = cluster.freshNamespace("team-a");
    teamB = cluster.freshNamespace("team-b");
    Files.createDirectories(LOGS);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null) {
      cluster.helm("uninstall", HA_RELEASE, "-n", haNs, "--wait");
      // Put the CRDs back as crds/ has them, for the tests that run after this class.
      cluster.applyCrds();
    }
    if (ecs != null) {
      ecs.close();
    }
  }

  @Test
  @Order(1)
  void installsCleanlyWithAServerDryRunAndThenForReal() throws Exception {
    // `make e2e` applies crds/ before any test (so that the garbage collector knows the kinds), as
    // a cluster whose CRDs were applied by hand would have them. Helm refuses to take over objects
    // it did not create unless they carry its ownership metadata: this is how they are adopted.
    for (String crd : CRDS) {
      assertThat(cluster.kubectl("label", "crd", crd, "--overwrite", "app.kubernetes.io/managed-by=Helm").exitCode()).isZero();
      assertThat(cluster.kubectl("annotate", "crd", crd, "--overwrite",
          "meta.helm.sh/release-name=" + RELEASE, "meta.helm.sh/release-namespace=" + releaseNs).exitCode()).isZero();
    }
    createCredentials(releaseNs);

    var dryRun = cluster.helm(install(RELEASE, releaseNs, "--dry-run=server"));
    assertThat(dryRun.exitCode()).as(dryRun.stderr()).isZero();
    assertThat(dryRun.stderr()).as("helm's warnings and errors").isEmpty();
    assertThat(dryRun.stdout()).contains("STATUS: pending-install").contains("kind: Deployment");
    assertThat(cluster.client.apps().deployments().inNamespace(releaseNs).list().getItems())
        .as("a dry run creates nothing").isEmpty();

    var install = cluster.helm(install(RELEASE, releaseNs));
    assertThat(install.exitCode()).as(install.stderr()).isZero();
    assertThat(install.stderr()).as("helm's warnings and errors").isEmpty();
    assertThat(install.stdout()).contains("STATUS: deployed");

    Deployment deployment = cluster.client.apps().deployments().inNamespace(releaseNs).withName(FULLNAME).get();
    assertThat(deployment).as("the Deployment").isNotNull();
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(FULLNAME);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.invalid/image-pipeline-operator:0.1.0");
    assertThat(cluster.client.serviceAccounts().inNamespace(releaseNs).withName(FULLNAME).get()).as("the ServiceAccount").isNotNull();
    String clusterRoleName = releaseNs + "-" + FULLNAME;
    ClusterRole role = cluster.client.rbac().clusterRoles().withName(clusterRoleName).get();
    assertThat(role).as("the ClusterRole").isNotNull();
    ClusterRoleBinding binding = cluster.client.rbac().clusterRoleBindings().withName(clusterRoleName).get();
    assertThat(binding).as("the ClusterRoleBinding").isNotNull();
    assertThat(binding.getRoleRef().getName()).isEqualTo(clusterRoleName);
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getNamespace()).isEqualTo(releaseNs);
      assertThat(s.getName()).isEqualTo(FULLNAME);
    });
    assertThat(cluster.client.rbac().roles().inNamespace(releaseNs).list().getItems())
        .as("the Roles in the release namespace: only the one for its Lease")
        .extracting(r -> r.getMetadata().getName())
        .containsExactly(FULLNAME + "-leader-election");
    for (String name : CRDS) {
      CustomResourceDefinition crd = cluster.client.apiextensions().v1().customResourceDefinitions().withName(name).get();
      assertThat(RealCluster.established(crd)).as("%s Established", name).isTrue();
      assertThat(crd.getMetadata().getAnnotations())
          .containsEntry("meta.helm.sh/release-name", RELEASE)
          .containsEntry("helm.sh/resource-policy", "keep");
      assertThat(crd.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", RELEASE);
    }
  }

  @Test
  @Order(2)
  void theOperatorWorksAsTheChartsServiceAccount() throws Exception {
    String pipeline = "ip-helmrbac";
    ecs.addPipeline(REGION, pipeline);
    String building = ecs.addExecution(REGION, pipeline, "BUILDING");
    String failed = ecs.addExecution(REGION, pipeline, "FAILED", null, "Build step 2 exited with code 1.");
    ecs.addExecution(REGION, pipeline, "SUCCESS", "m-helmrbac1", "Image created");

    Process operator = startAs(releaseNs, FULLNAME, "operator-helm-sa.log");
    try {
      createWatch(teamA, "nightly", pipeline);
      createWatch(teamA, "gone", "ip-helmnotthere");

      await("three children", () -> children(teamA).size() == 3);
      await("watch Ready", () -> "True".equals(condition(teamA, "nightly", "Ready")));
      await("watch Stalled", () -> "True".equals(condition(teamA, "gone", "Stalled")));
      await("a Warning event on the stalled watch", () -> cluster.client.v1().events().inNamespace(teamA).list().getItems()
          .stream().anyMatch(e -> e.getInvolvedObject().getName().equals("gone") && e.getType().equals("Warning")));

      // Updates of children: a status change, and an execution ECS no longer lists.
      ecs.setStatus(building, "SUCCESS", "m-helmrbac2", "Image created");
      ecs.deleteExecution(failed);
      watches.requestPoll(teamA, "nightly", "helm-rbac");
      await("the status change", () -> "SUCCESS".equals(child(teamA, building).getStatus().getPhase()));
      await("the retained child", () -> child(teamA, failed).getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Retained") && c.getStatus().equals("True")));
      await("the request handled", () -> "helm-rbac".equals(watch(teamA, "nightly").getStatus().getLastHandledReconcileAt()));
      Lease lease = cluster.client.leases().inNamespace(releaseNs).withName(FULLNAME).get();
      assertThat(lease).as("the Lease of the default install").isNotNull();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(FULLNAME + "-e2e");
    } finally {
      RealCluster.stopOperator(operator);
    }
    assertThat(Files.readString(LOGS.resolve("operator-helm-sa.log")))
        .as("the operator's log")
        .doesNotContainIgnoringCase("forbidden")
        .doesNotContain("Could not record event");
  }

  /**
   * The chart's admission policy, on by default: nobody but the operator creates or changes an
   * execution, not even a cluster-admin, and the refusal says why and whom to ask; deleting one is a
   * repair step anyone RBAC lets delete may take, and the operator writes it again from ECS.
   */
  @Test
  @Order(3)
  void nobodyButTheOperatorWritesExecutionsAndAnyoneMayDeleteOne() throws Exception {
    String policy = releaseNs + "-" + FULLNAME;
    var policies = cluster.kubectl("get", "validatingadmissionpolicy,validatingadmissionpolicybinding", policy, "-o", "name");
    assertThat(policies.output()).as("the policy and its binding of the default install")
        .contains("validatingadmissionpolicy.admissionregistration.k8s.io/" + policy)
        .contains("validatingadmissionpolicybinding.admissionregistration.k8s.io/" + policy);
    // One that ECS still lists (not the retained one), so the operator can write it again.
    ImagePipelineExecution real = children(teamA).stream()
        .filter(c -> c.getStatus().getConditions().stream().noneMatch(x -> x.getType().equals("Retained") && x.getStatus().equals("True")))
        .findFirst().orElseThrow();
    String name = real.getMetadata().getName();

    // A forged execution, valid for the schema, applied by a cluster-admin (system:masters).
    ImagePipelineExecution forged = new ImagePipelineExecution();
    forged.getMetadata().setName("exec-forged");
    forged.getMetadata().setNamespace(teamA);
    forged.setSpec(real.getSpec());
    Path file = LOGS.resolve("forged-execution.yaml");
    Files.writeString(file, Serialization.asYaml(forged));
    String why = "ValidatingAdmissionPolicy '" + policy + "' with binding '" + policy + "' denied request: "
        + "ImagePipelineExecutions are written only by the image-pipeline-operator (ServiceAccount "
        + releaseNs + "/" + FULLNAME + "), not by ";
    String whom = "Questions go to whoever runs Helm release " + releaseNs + "/" + RELEASE;
    var byAdmin = cluster.kubectl("apply", "-f", file.toString());
    assertThat(byAdmin.exitCode()).as(byAdmin.output()).isNotZero();
    assertThat(byAdmin.output()).contains(why + "e2e-admin: ").contains("this create would be overwritten").contains(whom);
    var relabel = cluster.kubectl("label", "imagepipelineexecution", name, "-n", teamA, "forged=true");
    assertThat(relabel.exitCode()).as(relabel.output()).isNotZero();
    assertThat(relabel.output()).contains(why + "e2e-admin: ").contains("this update would be overwritten");

    // A namespace editor: the chart's roles for people give no write on executions, so RBAC
    // refuses first. Someone with every right in the namespace gets past RBAC, not the policy.
    cluster.kubectl("create", "rolebinding", "jane-edit", "-n", teamA, "--clusterrole=edit", "--user=jane");
    var byEditor = cluster.kubectl("--as=jane", "apply", "-f", file.toString());
    assertThat(byEditor.exitCode()).as(byEditor.output()).isNotZero();
    assertThat(byEditor.output()).contains("User \"jane\" cannot").contains("imagepipelineexecutions");
    cluster.client.rbac().roles().inNamespace(teamA).resource(new RoleBuilder().withNewMetadata().withName("owner").endMetadata()
        .addNewRule().withApiGroups("*").withResources("*").withVerbs("*").endRule().build()).create();
    cluster.kubectl("create", "rolebinding", "joe-owner", "-n", teamA, "--role=owner", "--user=joe");
    var byOwner = cluster.kubectl("--as=joe", "apply", "-f", file.toString());
    assertThat(byOwner.exitCode()).as(byOwner.output()).isNotZero();
    assertThat(byOwner.output()).contains(why + "joe: ");
    assertThat(child(teamA, "exec-forged")).as("nothing forged is stored").isNull();

    // Deleting one is allowed, and the operator, under the policy, writes it again.
    var delete = cluster.kubectl("delete", "imagepipelineexecution", name, "-n", teamA, "--as=joe");
    assertThat(delete.exitCode()).as(delete.output()).isZero();
    Process operator = startAs(releaseNs, FULLNAME, "operator-helm-policy.log");
    try {
      watches.requestPoll(teamA, "nightly", "helm-policy");
      await("the deleted execution written again", () -> child(teamA, name) != null);
    } finally {
      RealCluster.stopOperator(operator);
    }
    assertThat(Files.readString(LOGS.resolve("operator-helm-policy.log"))).as("the operator's log")
        .doesNotContain("denied request");
  }

  @Test
  @Order(4)
  void theServiceAccountMayDoNothingElse() throws Exception {
    String sa = FULLNAME;
    for (String verb : List.of("get", "list", "watch")) {
      assertCan(releaseNs, sa, verb, WATCHES, "-A");
      assertCan(releaseNs, sa, verb, EXECUTIONS, "-A");
    }
    assertCan(releaseNs, sa, "patch", WATCHES, "-A", "--subresource=status");
    for (String verb : List.of("create", "update", "delete")) {
      assertCan(releaseNs, sa, verb, EXECUTIONS, "-A");
    }
    assertCan(releaseNs, sa, "create", "events", "-A");

    List<String[]> scopes = List.of(new String[] {"-A"}, new String[] {"-n", releaseNs}, new String[] {"-n", teamA});
    for (String[] scope : scopes) {
      for (String verb : List.of("get", "list", "watch")) {
        assertCannot(releaseNs, sa, verb, "secrets", scope);
      }
      // Watches belong to their users: the operator only reads them and writes their status.
      for (String verb : List.of("create", "update", "patch", "delete", "deletecollection")) {
        assertCannot(releaseNs, sa, verb, WATCHES, scope);
      }
      assertCannot(releaseNs, sa, "update", WATCHES, concat(scope, "--subresource=status"));
      // Executions are never patched, nor deleted in bulk; single deletes are for spec.history.
      for (String verb : List.of("patch", "deletecollection")) {
        assertCannot(releaseNs, sa, verb, EXECUTIONS, scope);
      }
      for (String verb : List.of("get", "list", "watch", "update", "patch", "delete")) {
        assertCannot(releaseNs, sa, verb, "events", scope);
      }
      for (String resource : List.of("configmaps", "pods", "deployments.apps", "roles.rbac.authorization.k8s.io",
          "rolebindings.rbac.authorization.k8s.io", "serviceaccounts")) {
        for (String verb : List.of("create", "update", "patch", "delete")) {
          assertCannot(releaseNs, sa, verb, resource, scope);
        }
      }
      // Leases: no Lease but its own (below), and none it could list, watch or delete.
      for (String verb : List.of("get", "list", "watch", "update", "patch", "delete")) {
        assertCannot(releaseNs, sa, verb, LEASES, scope);
      }
    }
    // Its own Lease: created in the release namespace only, then read and renewed by name.
    assertCan(releaseNs, sa, "create", LEASES, "-n", releaseNs);
    assertCannot(releaseNs, sa, "create", LEASES, "-n", teamA);
    assertCannot(releaseNs, sa, "create", LEASES, "-A");
    // get and patch are what the Fabric8 LeaseLock sends; update is what the SDK checks for at start.
    for (String verb : List.of("get", "update", "patch")) {
      assertCan(releaseNs, sa, verb, LEASES + "/" + FULLNAME, "-n", releaseNs);
      assertCannot(releaseNs, sa, verb, LEASES + "/" + FULLNAME, "-n", teamA);
    }
    for (String resource : List.of("namespaces", "customresourcedefinitions.apiextensions.k8s.io",
        "clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io")) {
      for (String verb : List.of("create", "update", "patch", "delete")) {
        assertCannot(releaseNs, sa, verb, resource, "-A");
      }
    }
    assertCannot(releaseNs, sa, "impersonate", "serviceaccounts", "-A");
    assertCannot(releaseNs, sa, "*", "*", "-A");
  }

  @Test
  @Order(5)
  void aReleaseWithLeaderElectionAndWatchNamespacesGetsItsLeaseAndOnlyItsNamespace() throws Exception {
    createCredentials(haNs);
    var install = cluster.helm(install(HA_RELEASE, haNs,
        "--set", "replicaCount=2", "--set", "watchNamespaces={" + teamB + "}", "--set", "crds.install=false",
        "--set", "logFormat=json"));
    assertThat(install.exitCode()).as(install.stderr()).isZero();
    assertThat(install.stdout()).contains("leader election on (Lease " + HA_FULLNAME + ")");
    String sa = HA_FULLNAME;

    // Leases: only in its own namespace, and only its own Lease beyond create; neither release
    // reaches the other's.
    assertCan(haNs, sa, "create", LEASES, "-n", haNs);
    for (String verb : List.of("get", "update", "patch")) {
      assertCan(haNs, sa, verb, LEASES + "/" + HA_FULLNAME, "-n", haNs);
      assertCannot(haNs, sa, verb, LEASES + "/" + FULLNAME, "-n", haNs);
      assertCannot(haNs, sa, verb, LEASES + "/" + FULLNAME, "-n", releaseNs);
      assertCannot(releaseNs, FULLNAME, verb, LEASES + "/" + HA_FULLNAME, "-n", haNs);
    }
    for (String verb : List.of("list", "watch", "delete")) {
      assertCannot(haNs, sa, verb, LEASES, "-n", haNs);
    }
    for (String ns : List.of(releaseNs, teamB)) {
      assertCannot(haNs, sa, "create", LEASES, "-n", ns);
    }
    assertCannot(releaseNs, FULLNAME, "create", LEASES, "-n", haNs);
    // watchNamespaces: Roles in the listed namespace only, no cluster-wide list.
    assertCannot(haNs, sa, "list", WATCHES, "-A");
    assertCannot(haNs, sa, "watch", WATCHES, "-A");
    assertCan(haNs, sa, "list", WATCHES, "-n", teamB);
    assertCan(haNs, sa, "watch", WATCHES, "-n", teamB);
    assertCan(haNs, sa, "create", EXECUTIONS, "-n", teamB);
    for (String verb : List.of("list", "watch", "get")) {
      assertCannot(haNs, sa, verb, WATCHES, "-n", teamA);
    }
    assertCannot(haNs, sa, "create", EXECUTIONS, "-n", teamA);
    assertCannot(haNs, sa, "create", "events", "-n", teamA);
    assertThat(cluster.client.rbac().clusterRoles().withName(haNs + "-" + HA_FULLNAME).get()).isNull();

    // And it is enough: the operator acquires the Lease and serves team-b.
    String pipeline = "ip-helmha";
    ecs.addPipeline(REGION, pipeline);
    ecs.addExecutions(REGION, pipeline, 2, "SUCCESS", "m-helmha1", "Image created");
    Process operator = startAs(haNs, HA_FULLNAME, "operator-helm-ha.log");
    try {
      createWatch(teamB, "ha", pipeline);
      await("children in team-b", () -> children(teamB).size() == 2);
      await("watch Ready", () -> "True".equals(condition(teamB, "ha", "Ready")));
      Lease lease = cluster.client.leases().inNamespace(haNs).withName(HA_FULLNAME).get();
      assertThat(lease).as("the Lease").isNotNull();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(HA_FULLNAME + "-e2e");
      // The leader must also renew it (every 2 s), or it stops leading and exits after 10 s.
      var acquired = lease.getSpec().getAcquireTime();
      await("a renewal of the Lease", () -> {
        var spec = cluster.client.leases().inNamespace(haNs).withName(HA_FULLNAME).get().getSpec();
        return spec.getRenewTime().isAfter(acquired.plusNanos(1_000_000_000L));
      });
      assertThat(operator.isAlive()).as("the operator, still leading").isTrue();
    } finally {
      RealCluster.stopOperator(operator);
    }
    assertThat(cluster.client.leases().inNamespace(releaseNs).list().getItems()).as("leases in the first release's namespace")
        .extracting(l -> l.getMetadata().getName()).containsExactly(FULLNAME);
    assertThat(cluster.client.leases().inNamespace(haNs).list().getItems()).as("leases in this release's namespace")
        .extracting(l -> l.getMetadata().getName()).containsExactly(HA_FULLNAME);
    String log = Files.readString(LOGS.resolve("operator-helm-ha.log"));
    assertThat(log).doesNotContainIgnoringCase("forbidden");
    // logFormat=json: every line the operator wrote is one JSON object, and none holds the secret.
    // The JVM's own notice of JAVA_TOOL_OPTIONS (stderr, merged here) is the one plain line.
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> lines = log.lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS: ")).toList();
    assertThat(lines).as("the operator's log lines").isNotEmpty();
    for (String line : lines) {
      assertThat(json.readTree(line).isObject()).as("a JSON object: %s", line).isTrue();
    }
    assertThat(log).doesNotContain(KEY_SECRET);
  }

  @Test
  @Order(6)
  void helmUpgradeUpgradesTheCrdsAndUninstallKeepsThem() throws Exception {
    Path chart = Files.createTempDirectory("chart").resolve("image-pipeline-operator");
    copy(CHART, chart);
    Path template = chart.resolve("templates/crds/imagepipelinewatches.ecs.imagebuilder.dev.yaml");
    String before = "description: \"Which pipeline to watch and how often.\"";
    String after = "description: \"Which pipeline to watch and how often (upgraded by HelmInstallIT).\"";
    String text = Files.readString(template);
    assertThat(text).contains(before);
    Files.writeString(template, text.replace(before, after));

    var upgrade = cluster.helm("upgrade", RELEASE, chart.toString(), "-n", releaseNs, "--reuse-values");
    assertThat(upgrade.exitCode()).as(upgrade.stderr()).isZero();
    assertThat(upgrade.stdout()).contains("REVISION: 2");
    assertThat(specDescription()).isEqualTo("Which pipeline to watch and how often (upgraded by HelmInstallIT).");

    var uninstall = cluster.helm("uninstall", RELEASE, "-n", releaseNs, "--wait");
    assertThat(uninstall.exitCode()).as(uninstall.stderr()).isZero();
    assertThat(uninstall.stdout()).contains("kept due to the resource policy");
    for (String name : CRDS) {
      assertThat(RealCluster.established(cluster.client.apiextensions().v1().customResourceDefinitions().withName(name).get()))
          .as("%s kept", name).isTrue();
    }
    assertThat(specDescription()).as("the kept CRD is the upgraded one").contains("upgraded by HelmInstallIT");
    assertThat(watch(teamA, "nightly")).as("the watches survive").isNotNull();
    assertThat(children(teamA)).as("and their executions").hasSize(3);
    assertThat(cluster.client.apps().deployments().inNamespace(releaseNs).withName(FULLNAME).get()).isNull();
    assertThat(cluster.client.rbac().clusterRoles().withName(releaseNs + "-" + FULLNAME).get()).isNull();
    for (String role : List.of(FULLNAME + "-view", FULLNAME + "-edit")) {
      assertThat(cluster.client.rbac().clusterRoles().withName(role).get()).as("%s removed", role).isNull();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** `helm install` of the packaged chart with an image no kubelet will ever pull and ECS pointed at the simulator. */
  static String[] install(String release, String namespace, String... extra) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("install", release, cluster.chart().toString(), "-n", namespace,
        "--set", "image.repository=registry.invalid/image-pipeline-operator",
        "--set", "ecs.endpoint=" + ecs.endpoint(),
        "--set", "ecs.protocol=http",
        "--set", "credentials.secret.name=ecs-credentials",
        "--set-json", "ownCredentials.grants=" + RealCluster.grantsToAll(teamA, teamB)));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  /** The Secret the chart's credentials.secret.name points at, as an administrator creates it. */
  static void createCredentials(String namespace) {
    Secret credentials =
        new SecretBuilder()
            .withNewMetadata().withName("ecs-credentials").withNamespace(namespace).endMetadata()
            .addToStringData("access-key-id", KEY_ID)
            .addToStringData("access-key-secret", KEY_SECRET)
            .build();
    cluster.client.resource(credentials).create();
  }

  /**
   * Runs the jar as a pod of the release's Deployment would run: its container's environment as
   * the kubelet would resolve it (values, the downward API, secretKeyRef), and the token of the
   * chart's ServiceAccount instead of the admin kubeconfig. HTTP_PORT is moved to a free port so
   * that runs in parallel on one machine do not collide.
   */
  static Process startAs(String namespace, String deploymentName, String logName) throws IOException {
    Deployment deployment = cluster.client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
    var podSpec = deployment.getSpec().getTemplate().getSpec();
    String podName = deploymentName + "-e2e";
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : podSpec.getContainers().get(0).getEnv()) {
      env.put(var.getName(), resolve(namespace, podName, var));
    }
    Path kubeconfig = cluster.kubeconfigFor(namespace, podSpec.getServiceAccountName(), LOGS.resolve(deploymentName + ".kubeconfig"));
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("HTTP_PORT", "0");
    return cluster.startOperator(env, LOGS.resolve(logName));
  }

  static String resolve(String namespace, String podName, EnvVar var) {
    if (var.getValueFrom() == null) {
      return var.getValue() == null ? "" : var.getValue();
    }
    var from = var.getValueFrom();
    if (from.getFieldRef() != null) {
      return switch (from.getFieldRef().getFieldPath()) {
        case "metadata.namespace" -> namespace;
        case "metadata.name" -> podName;
        default -> throw new AssertionError("field " + from.getFieldRef().getFieldPath() + " of " + var.getName());
      };
    }
    if (from.getSecretKeyRef() != null) {
      Secret secret = cluster.client.secrets().inNamespace(namespace).withName(from.getSecretKeyRef().getName()).get();
      String value = secret.getData().get(from.getSecretKeyRef().getKey());
      return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    }
    throw new AssertionError("cannot resolve " + var.getName());
  }

  static void assertCan(String namespace, String sa, String verb, String resource, String... scope) throws Exception {
    assertThat(canI(namespace, sa, verb, resource, scope)).as("%s may %s %s %s", sa, verb, resource, String.join(" ", scope)).isTrue();
  }

  static void assertCannot(String namespace, String sa, String verb, String resource, String... scope) throws Exception {
    assertThat(canI(namespace, sa, verb, resource, scope)).as("%s may not %s %s %s", sa, verb, resource, String.join(" ", scope)).isFalse();
  }

  /** `kubectl auth can-i` as the ServiceAccount. */
  static boolean canI(String namespace, String sa, String verb, String resource, String... scope) throws Exception {
    return cluster.canI("system:serviceaccount:" + namespace + ":" + sa, concat(new String[] {verb, resource}, scope));
  }

  static String[] concat(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }

  static void createWatch(String ns, String name, String pipeline) {
    watches.create(ns, name, pipeline, "interval: 1m");
  }

  static ImagePipelineWatch watch(String ns, String name) {
    return cluster.client.resources(ImagePipelineWatch.class).inNamespace(ns).withName(name).get();
  }

  static String condition(String ns, String name, String type) {
    var w = watch(ns, name);
    if (w == null || w.getStatus() == null || w.getStatus().getConditions() == null) {
      return null;
    }
    return w.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(c -> c.getStatus()).findFirst().orElse(null);
  }

  static List<ImagePipelineExecution> children(String ns) {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).list().getItems();
  }

  static ImagePipelineExecution child(String ns, String executionId) {
    return cluster.client.resources(ImagePipelineExecution.class).inNamespace(ns).withName(executionId).get();
  }

  static String specDescription() {
    var crd = cluster.client.apiextensions().v1().customResourceDefinitions().withName(WATCHES).get();
    return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec").getDescription();
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
