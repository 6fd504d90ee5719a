package dev.imagebuilder.operator.e2e;

import static dev.imagebuilder.operator.e2e.RealCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chart's roles for people on a real kube-apiserver, where kube-controller-manager's
 * clusterrole-aggregation controller copies them into the built-in view, edit and admin roles.
 * Users bound to those built-in roles in one namespace (by a RoleBinding, as a platform team grants
 * a namespace) are asked {@code kubectl auth can-i} through impersonation: an editor may write
 * watches and only read executions, a viewer only reads, and nobody gains anything in another
 * namespace. The editor also creates a watch and fails to create an execution for real, with the
 * kubeconfig's group-less {@code e2e-user}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserRolesIT {

  static final String GROUP = "ecs.imagebuilder.dev";
  static final String WATCHES = "imagepipelinewatches." + GROUP;
  static final String EXECUTIONS = "imagepipelineexecutions." + GROUP;
  static final String RELEASE = "ipo-roles";
  static final String FULLNAME = "ipo-roles-image-pipeline-operator";
  /** The admin kubeconfig's second user (see .ci/kube.sh): no groups, so no rights of its own. */
  static final String EDITOR = "e2e-user";
  static final String VIEWER = "e2e-viewer";
  static final String ADMIN = "e2e-namespace-admin";
  static final List<String> WRITES = List.of("create", "update", "patch", "delete", "deletecollection");
  static final List<String> READS = List.of("get", "list", "watch");

  static RealCluster cluster;
  static String releaseNs;
  static String team;
  static String otherTeam;

  @BeforeAll
  static void setUp() throws Exception {
    cluster = new RealCluster();
    cluster.applyCrds();
    releaseNs = cluster.freshNamespace("ipo-roles");
    team = cluster.freshNamespace("team-roles");
    otherTeam = cluster.freshNamespace("team-other");
    bind(team, EDITOR, "edit");
    bind(team, VIEWER, "view");
    bind(team, ADMIN, "admin");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null) {
      cluster.helm("uninstall", RELEASE, "-n", releaseNs, "--wait");
      for (String ns : new String[] {releaseNs, team, otherTeam}) {
        if (ns != null) {
          cluster.client.namespaces().withName(ns).delete();
        }
      }
    }
  }

  @Test
  @Order(1)
  void withoutTheChartANamespaceEditorCannotTouchWatches() throws Exception {
    // Also guards the later steps: no other release's roles may be aggregated meanwhile.
    assertThat(aggregatedRolesForTheGroup()).as("ClusterRoles granting %s before the install", GROUP).isEmpty();
    assertThat(canI(EDITOR, "list", WATCHES, team)).isFalse();
    assertThat(canI(EDITOR, "create", WATCHES, team)).isFalse();
  }

  @Test
  @Order(2)
  void theChartsRolesReachViewEditAndAdmin() throws Exception {
    var install = cluster.helm("install", RELEASE, cluster.chart().toString(), "-n", releaseNs, "--set", "crds.install=false");
    assertThat(install.exitCode()).as(install.stderr()).isZero();
    assertThat(aggregatedRolesForTheGroup()).containsExactlyInAnyOrder(FULLNAME + "-view", FULLNAME + "-edit");
    // Aggregation is the controller's work: wait until it has copied the rules.
    await("the edit role aggregated", () -> canIQuietly(EDITOR, "create", WATCHES, team));
    await("the view role aggregated", () -> canIQuietly(VIEWER, "list", WATCHES, team));

    for (String user : List.of(EDITOR, VIEWER, ADMIN)) {
      for (String verb : READS) {
        assertCan(user, verb, WATCHES, team);
        assertCan(user, verb, EXECUTIONS, team);
      }
      // Executions mirror ECS: the operator writes them, people read them.
      for (String verb : WRITES) {
        assertCannot(user, verb, EXECUTIONS, team);
      }
      assertCannot(user, "patch", EXECUTIONS, team, "--subresource=status");
      assertCannot(user, "patch", WATCHES, team, "--subresource=status");
      // A RoleBinding in one namespace grants nothing in another.
      for (String verb : READS) {
        assertCannot(user, verb, WATCHES, otherTeam);
      }
      assertCannot(user, "create", WATCHES, otherTeam);
    }
    for (String user : List.of(EDITOR, ADMIN)) {
      for (String verb : WRITES) {
        assertCan(user, verb, WATCHES, team);
      }
    }
    for (String verb : WRITES) {
      assertCannot(VIEWER, verb, WATCHES, team);
    }
  }

  @Test
  @Order(3)
  void aNamespaceEditorCreatesAWatchAndCannotWriteAnExecution() throws Exception {
    String watch =
        """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineWatch
        metadata:
          name: nightly
        spec:
          regionId: cn-hangzhou
          imagePipelineId: ip-roles
        """;
    var created = asEditor(watch, "create", "-f", "-", "-n", team);
    assertThat(created.exitCode()).as(created.stderr()).isZero();
    assertThat(cluster.kubectl("get", "ipw", "nightly", "-n", team).exitCode()).isZero();

    var patched = asEditor(null, "patch", "ipw", "nightly", "-n", team, "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
    assertThat(patched.exitCode()).as(patched.stderr()).isZero();

    String execution =
        """
        apiVersion: ecs.imagebuilder.dev/v1alpha1
        kind: ImagePipelineExecution
        metadata:
          name: exec-by-hand
        spec:
          regionId: cn-hangzhou
          imagePipelineId: ip-roles
          executionId: exec-by-hand
        """;
    var refused = asEditor(execution, "create", "-f", "-", "-n", team);
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("forbidden").contains(EDITOR);

    var deleted = asEditor(null, "delete", "ipw", "nightly", "-n", team, "--wait=false");
    assertThat(deleted.exitCode()).as(deleted.stderr()).isZero();
  }

  @Test
  @Order(4)
  void switchedOffTheEditRoleLeavesEditorsReadingOnly() throws Exception {
    var upgrade = cluster.helm("upgrade", RELEASE, cluster.chart().toString(), "-n", releaseNs,
        "--reuse-values", "--set", "rbac.aggregateToEdit=false");
    assertThat(upgrade.exitCode()).as(upgrade.stderr()).isZero();
    assertThat(aggregatedRolesForTheGroup()).containsExactly(FULLNAME + "-view");
    await("the edit rules withdrawn", () -> !canIQuietly(EDITOR, "create", WATCHES, team));
    for (String verb : WRITES) {
      assertCannot(EDITOR, verb, WATCHES, team);
    }
    // The view role still flows into edit: editors keep reading.
    for (String verb : READS) {
      assertCan(EDITOR, verb, WATCHES, team);
    }
  }

  // ---------------------------------------------------------------- helpers

  static void bind(String namespace, String user, String clusterRole) {
    cluster.client.resource(new RoleBindingBuilder()
        .withNewMetadata().withName(user + "-" + clusterRole).withNamespace(namespace).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName(user).endSubject()
        .build()).create();
  }

  /**
   * Names of the ClusterRoles labelled for aggregation that grant this product's API group, the
   * aggregated ones themselves (view, edit and admin, which carry the rules copied into them) aside.
   */
  static List<String> aggregatedRolesForTheGroup() {
    return cluster.client.rbac().clusterRoles().list().getItems().stream()
        .filter(r -> r.getAggregationRule() == null)
        .filter(r -> r.getMetadata().getLabels() != null && r.getMetadata().getLabels().keySet().stream()
            .anyMatch(k -> k.startsWith("rbac.authorization.k8s.io/aggregate-to-")))
        .filter(r -> r.getRules() != null && r.getRules().stream().anyMatch(rule -> rule.getApiGroups().contains(GROUP)))
        .map(ClusterRole::getMetadata)
        .map(m -> m.getName())
        .toList();
  }

  /** kubectl as the group-less e2e-user (the admin kubeconfig's second context), with stdin. */
  static RealCluster.Output asEditor(String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(RealCluster.kubectlBinary(), "--kubeconfig=" + cluster.kubeconfig, "--context=" + EDITOR));
    command.addAll(List.of(args));
    Path stderr = Files.createTempFile("e2e", ".stderr");
    try {
      var p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl %s finished", args[0]).isTrue();
      return new RealCluster.Output(p.exitValue(), out, Files.readString(stderr));
    } finally {
      Files.deleteIfExists(stderr);
    }
  }

  static void assertCan(String user, String verb, String resource, String namespace, String... extra) throws Exception {
    assertThat(canI(user, verb, resource, namespace, extra))
        .as("%s may %s %s in %s %s", user, verb, resource, namespace, String.join(" ", extra)).isTrue();
  }

  static void assertCannot(String user, String verb, String resource, String namespace, String... extra) throws Exception {
    assertThat(canI(user, verb, resource, namespace, extra))
        .as("%s may not %s %s in %s %s", user, verb, resource, namespace, String.join(" ", extra)).isFalse();
  }

  static boolean canIQuietly(String user, String verb, String resource, String namespace) {
    try {
      return canI(user, verb, resource, namespace);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** `kubectl auth can-i` as the user. */
  static boolean canI(String user, String verb, String resource, String namespace, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of(verb, resource, "-n", namespace));
    args.addAll(List.of(extra));
    return cluster.canI(user, args.toArray(String[]::new));
  }
}
